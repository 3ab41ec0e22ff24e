"""The Escape lab's state: what a link and the controls hold (the landscape, the basin, the optimizers, the swept
knobs and their values, runs, steps, seed, the display choices), read from a link value by value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.escape import resolve_basin
from experiments.sweep import has_buffer, memoryless
from experiments.watch import EARLY_WINDOW
from export.figures import basin_key
from export.labels import display_name, parameter_symbol
from landscapes import LANDSCAPES, Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import Field, SpecError
from ui import compute
from ui.landscape_picker import FIXED
from ui.optimizer_slots import slot_specs
from ui.url_state import UrlReader, parse_pair

PREFIX = "es"
PAGE = "escape"
DEFAULT_LANDSCAPE = "two_basin"
DEFAULT_OPTIMIZERS = ("adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05")
NO_AXIS = "none"
AXIS_SUFFIXES = ("", "2")  # a link's axis= and values=, then axis2= and values2=: at most two swept knobs
RUNS = Field("runs", "int", 200, "runs per configuration", low=1, high=100_000)
STEPS = Field("steps", "int", 300, "steps per run (with equalised budgets: gradient evaluations)", low=1,
              high=1_000_000)
SEED = Field("seed", "int", 0, "seed of the starts", low=0, high=2**32 - 1)
EQUALISE = Field("equalise", "bool", False, "give every optimizer the same number of gradient evaluations")
BASIN = Field("basin", "text", "sharp", "the basin the runs start in", max_length=20)
AXIS = Field("axis", "text", "sharpness", "the knob swept", max_length=40)
AXIS2 = Field("axis2", "text", NO_AXIS, "a second knob swept: a phase diagram over both", max_length=40)
CELL_MEASURES = {"escape_rate": "escape rate", "median_escape_step": "median escape step",
                 "mean_escape_step": "mean escape step"}  # what colours a phase diagram's cells: column -> words
CELLS = Field("cells", "choice", "escape_rate", "what colours the phase diagram's cells",
              choices=tuple(CELL_MEASURES))
MATCH = Field("match", "bool", False, "also run every optimizer without a memory buffer at the lr whose mean step "
              f"over the first {EARLY_WINDOW} steps equals the first buffered optimizer's")
KICK_LANDSCAPE = "two_basin"  # where the table gives the kick law's share out by step 2 beside the measured one
SAMPLE = Field("sample", "text", "", "the configuration the player shows: optimizer k at value v", max_length=20)
VALUES = Field("values", "text", "", "the swept values", max_length=2000)
SURVIVAL = Field("survival", "text", "", "the swept value whose survival curves are shown: its index", max_length=20)
CHOICE = f"{PREFIX}.sample.choice"  # the configuration chosen for the player (None: the view's default)
SURVIVAL_CHOICE = f"{PREFIX}.survival.choice"  # the swept value whose survival curves are shown (None: the default)
CELLS_CHOICE = f"{PREFIX}.cells.choice"  # what colours the phase diagram's cells


def sweepable_fields(landscape: str, optimizers: list[str]) -> dict[str, Field]:
    """Every knob a sweep can turn: the landscape's parameters, then the optimizers' (first of each name)."""
    found: dict[str, Field] = {}
    entries = [LANDSCAPES.entry(landscape)] + [OPTIMIZERS.entry(name) for name in optimizers]
    for entry in entries:
        for field in entry.fields:
            if field.kind != "text" and field.name not in FIXED and field.name not in found:
                found[field.name] = field
    return found


def default_values(field: Field, centre: Any = None) -> list:
    """Five values around `centre` (default: the field's default) inside the field's range: a log ladder,
    integers, or every choice."""
    centre = field.default if centre is None else centre
    if field.kind == "choice":
        return list(field.choices)
    if field.kind == "bool":
        return [False, True]
    if field.kind == "int":
        candidates = [centre // 4, centre // 2, centre, centre * 2, centre * 4]
    elif field.log or (centre and (field.low is None or field.low >= 0)):
        candidates = [centre * f for f in (0.25, 0.5, 1, 2, 4)] if centre else [0.0]
    else:
        low = field.low if field.low is not None else field.default - 1
        high = field.high if field.high is not None else field.default + 1
        candidates = list(np.linspace(low, high, 5))
    kept = []
    for value in candidates:
        try:
            checked = field.check(value)
        except SpecError:
            continue
        if checked not in kept:
            kept.append(checked)
    return kept or [field.default]


def values_text(field: Field, values: list) -> str:
    return ", ".join(field.format(v) for v in values)


def parse_values(field: Field, text: str) -> list:
    """'2, 4, 8' -> checked values of `field` (at most 20), or SpecError naming the bad one."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise SpecError(f"give at least one value for {field.name}")
    if len(parts) > 20:
        raise SpecError(f"give at most 20 values for {field.name} (got {len(parts)})")
    return [field.check(part) for part in parts]


def parse_sample(text: str) -> tuple[int, int] | None:
    return parse_pair(text, "sample", "the optimizer and the value, k,v")


def parse_index(text: str, name: str) -> int | None:
    """'3' -> 3, a small non-negative integer; '' -> None; SpecError otherwise."""
    if not text:
        return None
    if not (text.isascii() and text.strip().isdigit() and len(text.strip()) <= 4):
        raise SpecError(f"{name} must be a whole number, the index of a swept value (got {text!r})")
    return int(text)


@dataclass(frozen=True)
class Axis:
    """A swept knob as a link and the controls hold it: its name and its values as typed ('2, 4, 8')."""

    name: str
    values: str


@dataclass(frozen=True)
class EscapeState:
    landscape: tuple[str, dict[str, Any]]
    basin: str
    optimizers: tuple[tuple[str, dict[str, Any]], ...]
    axes: tuple[Axis, ...]  # the swept knobs: none, one, or two (a phase diagram over both)
    runs: int
    steps: int
    seed: int
    equalise: bool
    sample: tuple[int, int] | None = None  # (optimizer, value) chosen for the player; None: the view's default
    survival: int | None = None  # the swept value whose survival curves are shown; None: the view's default
    cells: str = CELLS.default  # what colours the phase diagram's cells
    match: bool = False  # also run the optimizers without a buffer at the first buffered one's early step length

    @property
    def landscape_spec(self) -> str:
        return LANDSCAPES.format(*self.landscape)

    def knobs(self) -> tuple[Field, ...]:
        """The swept knobs' schema fields, axis by axis."""
        fields = sweepable_fields(self.landscape[0], [name for name, _ in self.optimizers])
        return tuple(fields[axis.name] for axis in self.axes)

    def value_lists(self) -> tuple[list, ...]:
        """Each axis's values, checked by its knob."""
        return tuple(parse_values(knob, axis.values) for knob, axis in zip(self.knobs(), self.axes))

    def params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {"page": PAGE, "landscape": self.landscape_spec, "basin": self.basin,
                                           "optimizer": slot_specs(self.optimizers, {}),
                                           "axis": self.axes[0].name if self.axes else NO_AXIS}
        for axis, suffix in zip(self.axes, AXIS_SUFFIXES):
            out |= {f"axis{suffix}": axis.name, f"values{suffix}": axis.values}
        if len(self.axes) == 2 and self.cells != CELLS.default:
            out["cells"] = self.cells
        for field, value in ((RUNS, self.runs), (STEPS, self.steps), (SEED, self.seed), (EQUALISE, self.equalise)):
            if value != field.default:
                out[field.name] = field.format(value)
        if self.match:
            out["match"] = "true"
        if self.sample is not None:
            out["sample"] = f"{self.sample[0]},{self.sample[1]}"
        if self.survival is not None:
            out["survival"] = str(self.survival)
        return out


def read_state(reader: UrlReader) -> EscapeState:
    landscape = reader.spec("landscape", LANDSCAPES, DEFAULT_LANDSCAPE, fixed=FIXED, validate=compute.landscape)
    optimizers = reader.specs("optimizer", OPTIMIZERS, DEFAULT_OPTIMIZERS)
    basin = reader.field("basin", BASIN)
    try:
        resolve_basin(compute.landscape(LANDSCAPES.format(*landscape)), basin)
    except SpecError as error:
        if reader.raw("basin") is not None:  # the default basin of another landscape needs no notice
            reader.notices.append(f"The link's basin={basin!r} was not used: {error}. Using the sharpest basin.")
        basin = "sharpest"
    knobs = sweepable_fields(landscape[0], [name for name, _ in optimizers])
    centres = current_values(landscape, optimizers)
    axis = reader.field("axis", AXIS)
    if axis != NO_AXIS and axis not in knobs:
        default = "sharpness" if "sharpness" in knobs else NO_AXIS
        if reader.raw("axis") is not None:
            reader.notices.append(f"The link's axis={axis!r} was not used: it must be one of {', '.join(knobs)} or "
                                  f"{NO_AXIS}. Using {default} instead.")
        axis = default
    axes: tuple[Axis, ...] = ()
    if axis != NO_AXIS:
        field, values = knobs[axis], reader.raw("values")
        try:
            axes = (Axis(axis, values_text(field, parse_values(field, values if values is not None else ""))),)
        except SpecError as error:
            fallback = values_text(field, default_values(field, centres.get(axis)))
            if values is not None:
                reader.notices.append(f"The link's values={values!r} were not used: {error}. Using {fallback}.")
            axes = (Axis(axis, fallback),)
        axes += read_second_axis(reader, axis, knobs, centres)
    elif reader.field("axis2", AXIS2) != NO_AXIS:
        reader.notices.append(f"The link's axis2={literal_value(reader.raw('axis2'))} was not used, as a second axis "
                              "needs a first one (axis); the page sweeps nothing.")
    sample = reader.parsed("sample", SAMPLE, parse_sample, "The player shows the default configuration.")
    survival = reader.parsed("survival", SURVIVAL, lambda text: parse_index(text, "survival"),
                             "The survival curves show the default value.")
    return EscapeState(landscape, basin, tuple(optimizers), axes, reader.field("runs", RUNS),
                       reader.field("steps", STEPS), reader.field("seed", SEED), reader.field("equalise", EQUALISE),
                       sample, survival, reader.field("cells", CELLS), read_match(reader, optimizers))


def read_match(reader: UrlReader, optimizers: Sequence[tuple[str, dict[str, Any]]]) -> bool:
    """The link's match= (equal step lengths on or off), refused in one sentence when it is not true or false or
    when the optimizers leave nothing to match."""
    given = reader.raw("match")
    if given is None:
        return False
    try:
        wanted = MATCH.check(given)
    except SpecError:
        reader.notices.append(f"The link's match={literal_value(given)} was not used, as it must be true or false; "
                              "equal step lengths are off.")
        return False
    problem = match_unavailable(optimizers) if wanted else ""
    if problem:
        reader.notices.append(f"The link's match={literal_value(given)} was not used, as {problem}; equal step "
                              "lengths are off.")
        return False
    return wanted


def built_optimizers(optimizers: Sequence[tuple[str, dict[str, Any]]]) -> list[Optimizer]:
    return [OPTIMIZERS.build({"name": name, **params}) for name, params in optimizers]


def match_reference(optimizers: Sequence[tuple[str, dict[str, Any]]]) -> int | None:
    """The slot the matched-step control compares the others to: the first optimizer with a memory buffer."""
    return next((k for k, method in enumerate(built_optimizers(optimizers)) if has_buffer(method)), None)


def match_targets(optimizers: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
    """The slots the matched-step control runs again at the reference's step: every optimizer without a buffer."""
    reference = match_reference(optimizers)
    return [k for k, method in enumerate(built_optimizers(optimizers)) if k != reference and memoryless(method)]


def match_unavailable(optimizers: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """Why equal step lengths cannot be compared with these optimizers, in words ('' when they can)."""
    built = built_optimizers(optimizers)
    reference = match_reference(optimizers)
    if reference is None:
        return "no optimizer shown has a memory buffer (Adam+CM, Adam+SAM+CM or Adam+CG) to match the others to"
    if not match_targets(optimizers):
        return ("every optimizer shown has a memory buffer; add one without (Adam, Adam+SAM, SGD or Momentum) to run "
                "at the buffered one's step")
    if sum(method.spec == built[reference].spec for method in built) > 1:
        return f"the reference {display_name(built[reference].name)} is shown twice with the same settings"
    return ""


def read_second_axis(reader: UrlReader, axis: str, knobs: dict[str, Field], centres: dict) -> tuple[Axis, ...]:
    """The link's second swept knob and its values (a phase diagram) after the first, `axis`: () when there is none
    or it cannot be used (one sentence says why; the page then sweeps the first knob alone), over its default values
    when its values cannot be used."""
    axis2 = reader.field("axis2", AXIS2)
    if axis2 == NO_AXIS:
        return ()
    if axis2 == axis:
        problem = "it is the first axis already"
    elif axis2 not in knobs:
        problem = f"it must be one of {', '.join(k for k in knobs if k != axis)} or {NO_AXIS}"
    else:
        problem = ""
    if problem:
        reader.notices.append(f"The link's axis2={literal_value(axis2)} was not used, as {problem}; the page sweeps "
                              f"{axis} alone.")
        return ()
    field = knobs[axis2]
    given = reader.raw("values2")
    try:
        return (Axis(axis2, values_text(field, parse_values(field, given if given is not None else ""))),)
    except SpecError as error:
        fallback = values_text(field, default_values(field, centres.get(axis2)))
        if given is not None:
            reader.notices.append(f"The link's values2={literal_value(given)} were not used, as {error}; the page "
                                  f"sweeps {axis2} over {fallback}.")
        return (Axis(axis2, fallback),)


def literal_value(text: str, limit: int = 60) -> str:
    """A value from a link as a notice quotes it: repr'd, shortened."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def current_values(landscape: tuple[str, dict[str, Any]], optimizers: list[tuple[str, dict[str, Any]]]) -> dict:
    """The value each knob has now: the landscape's, else the first optimizer's that has it."""
    found: dict[str, Any] = {}
    for _, values in [*optimizers[::-1], landscape]:
        found.update(values)
    return found


def basin_choices(surface: Landscape) -> list[str]:
    labels = sorted({m.label for m in surface.minima if m.label})
    return [*labels, "sharpest", *[str(i) for i in range(len(surface.minima))]]


def basin_label(surface: Landscape | None, choice: str) -> str:
    """'sharp basin', 'the sharpest basin', or the basin map's key for an index: '#0 sharp f=0, λmax=16'."""
    if surface is None:
        return choice
    if choice.isdigit():
        return basin_key(surface)[int(choice)][2]
    return "the sharpest basin" if choice == "sharpest" else f"{choice} basin"


def has_field(entry, name: str) -> bool:
    return any(field.name == name for field in entry.fields)


def on_landscape(landscape: str, axis: str) -> bool:
    """Whether the swept knob is the landscape's (it wins over an optimizer's of the same name, as in the sweep)."""
    return has_field(LANDSCAPES.entry(landscape), axis)


def knob_symbol(landscape: str, axis: str) -> str:
    """How a knob is written for people: a landscape's by its name, an optimizer's by its symbol ('top_c' -> 'C')."""
    return axis if on_landscape(landscape, axis) else parameter_symbol(axis)


def axis_label(landscape: str, axis: str) -> str:
    if axis == NO_AXIS:
        return "none: one configuration each"
    owner = "landscape" if on_landscape(landscape, axis) else "optimizer"
    symbol = knob_symbol(landscape, axis)
    return f"{axis} ({owner})" if symbol == axis else f"{symbol}, {axis} ({owner})"
