"""Human labels for optimizers, the same in the app, the player, figures and downloads:
"Adam+CM (C=5, λ=0.7, lr=0.05)" instead of the spec string "adam_cm:lr=0.05"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from optimizers import OPTIMIZERS

DISPLAY_NAMES = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam", "adam_sam": "Adam+SAM", "adam_cm": "Adam+CM",
                 "adam_sam_cm": "Adam+SAM+CM", "adam_cg": "Adam+CG"}
SYMBOLS = {"top_c": "C", "decay": "λ", "rho": "ρ", "b1": "β₁", "b2": "β₂", "eps": "ε", "noise": "σ", "momentum": "μ"}
ALWAYS_SHOWN = ("lr",)  # the step size is named on every label that has one: it decides most of what happens


MINIMUM_VALUE_NOISE = 1e-9  # a listed minimum's value this close to 0 is 0 up to rounding (two_basin's -4.7e-15)


def minimum_value(value: float) -> float:
    """A minimum's value as shown: 0 where it is 0 up to floating-point noise, else the value."""
    return 0.0 if abs(value) < MINIMUM_VALUE_NOISE else float(value)


def display_name(name: str) -> str:
    """'adam_sam_cm' -> 'Adam+SAM+CM' (an unknown name is shown as it is)."""
    return DISPLAY_NAMES.get(name, name)


def parameter_symbol(parameter: str) -> str:
    """'top_c' -> 'C', 'decay' -> 'λ'; other names as they are."""
    return SYMBOLS.get(parameter, parameter)


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
        settings = ", ".join(f"{parameter_symbol(f.name)}={f.format(values[f.name])}" for f in shown)
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
