"""Human labels for optimizers, the same in the app, the player, figures and downloads:
"Adam+CM (C=5, λ=0.7, lr=0.05)" instead of the spec string "adam_cm:lr=0.05". The name comes from the optimizer's
record and each setting's symbol from its field, both beside the optimizer's code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from optimizers import OPTIMIZERS

ALWAYS_SHOWN = ("lr",)  # the step size is named on every label that has one: it decides most of what happens


MINIMUM_VALUE_NOISE = 1e-9  # a listed minimum's value this close to 0 is 0 up to rounding (two_basin's -4.7e-15)


def minimum_value(value: float) -> float:
    """A minimum's value as shown: 0 where it is 0 up to floating-point noise, else the value."""
    return 0.0 if abs(value) < MINIMUM_VALUE_NOISE else float(value)


def display_name(name: str) -> str:
    """'adam_sam_cm' -> 'Adam+SAM+CM', its record's label (an optimizer built outside the registry keeps its name)."""
    return OPTIMIZERS.record(name).label if name in OPTIMIZERS else name


def parameter_symbol(parameter: str) -> str:
    """'top_c' -> 'C', 'decay' -> 'λ': the symbol of the optimizer fields of that name; a name without one as it is."""
    return next((f.symbol for entry in OPTIMIZERS.entries() for f in entry.fields if f.name == parameter and f.symbol),
                parameter)


def optimizer_labels(optimizers: Sequence[tuple[str, Mapping[str, Any]]], always: Iterable[str] = ()) -> list[str]:
    """One label per (name, full parameter values): the display name and, in brackets, every parameter that differs
    between the optimizers shown, differs from its default, or is in `always` (and lr); repeats get '#k'."""
    always = set(always) | set(ALWAYS_SHOWN)
    values_of: dict[str, set] = {}
    for _, values in optimizers:
        for key, value in values.items():
            values_of.setdefault(key, set()).add(_hashable(value))
    labels = []
    for name, values in optimizers:
        fields = OPTIMIZERS.entry(name).fields if name in OPTIMIZERS else ()
        shown = [f for f in fields if f.name in values and f.name not in ("seed",)
                 and (f.name in always or len(values_of[f.name]) > 1 or values[f.name] != f.default)]
        shown.sort(key=lambda f: f.name in ALWAYS_SHOWN)  # lr last, the rest in schema order
        settings = ", ".join(f"{f.shown_symbol}={f.format(values[f.name])}" for f in shown)
        labels.append(display_name(name) + (f" ({settings})" if settings else ""))
    counts = {label: labels.count(label) for label in labels}
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            labels[i] = f"{label} #{seen[label]}"
    return labels


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else repr(value)
