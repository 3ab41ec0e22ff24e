"""Escape lab: how often each optimizer leaves the basin its runs start in, swept over one knob: the rates with their
95% Wilson intervals, when the runs leave (each configuration's survival curve: the share still in the basin against
the step), a table for people (the exact CSVs are downloads), and one configuration's first runs in the trajectory
player. "Compare at equal step length" adds the optimizers without a buffer run at the first buffered optimizer's early
step length (experiments.matched) as configurations of their own; on two_basin, the kick law's share out by step 2
stands beside the measured one for the optimizers it covers.

The sweep is computed in the full run, kept in the shared cache under everything that decides it, so a revisit or a
display change never runs it again; the sample player is a fragment, so choosing another configuration reruns only it.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from experiments import work
from experiments.escape import escape_work, resolve_basin, starts_in_basin
from experiments.run import RunResult, recorded_step_indices
from experiments.sweep import CURVE_COLUMNS, SweepTable, has_buffer, memoryless, sweep
from experiments.watch import EARLY_WINDOW
from export import palette
from export.figures import basin_key, escape_curve_figure, minimum_label, percent, phase_figure
from export.labels import display_name, optimizer_labels, parameter_symbol
from export.player import build_payload
from export.player.explore import default_follow
from export.player.payload import BASIN_POINTS, BASIN_RUNS, basin_names
from export.player.picture import RESOLUTION as PICTURE_RESOLUTION
from export.player.picture import Picture
from landscapes import LANDSCAPES, Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import Field, SpecError
from ui import compute, drawing, literal, url_sync
from ui.landscape_picker import FIXED, landscape_controls, put_landscape
from ui.optimizer_slots import put_slots, slot_controls, slot_specs
from ui.player_component import player
from ui.session_values import held, held_by, labelled_selectbox, optional_index, optional_pair
from ui.settings import Settings
from ui.url_state import UrlReader, parse_pair, spec_text

PREFIX = "es"
PAGE = "escape"
DEFAULT_LANDSCAPE = "two_basin"
DEFAULT_OPTIMIZERS = ("adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05")
NO_AXIS = "none"
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
LINKS_PART, SAMPLE_PART, SURVIVAL_PART, PHASE_PART = ("escape-links", "escape-sample", "escape-survival",
                                                      "escape-phase")  # the page's fragments, rerun by key
SAMPLE_RUNS = BASIN_RUNS  # every run the player shows has a basin track, so its status line says which escaped
LINE_WIDTH = 2.5  # the curve's lines, in pixels; the palette's dashes are in line widths
CURVE_HEIGHT = 400  # pixels, the plot without its legend
SURVIVAL_HEIGHT = 320  # pixels, the survival plot without its legend
BAND_OPACITY = 0.15  # a survival curve's 95% band, in its optimizer's colour
PANEL_SIZE = 170  # pixels, the plot of each optimizer's panel of a phase diagram
PANEL_WIDTH, PANEL_HEIGHT = PANEL_SIZE + 90, PANEL_SIZE + 170  # the whole panel: its axes, title and legend too
ERROR_CAP = 10  # pixels, the width of an error bar's caps
PNG_DPI = 150
COLUMN_HELP = {
    "escape rate": "runs that ended in another basin, of all runs (a run that diverged never counts as escaped)",
    "95% interval": "the Wilson score interval: where the true escape rate lies with 95% confidence",
    "escaped": "runs that ended in another basin, of the runs made",
    "diverged": "runs that stopped early: the point stopped being finite or left the domain far behind",
    "median escape step": "the first checked step by which half the runs had left the basin (—: fewer than half left)",
    "mean escape step": "the mean step at which runs left, a run still inside at the last step counted there (the "
                        "area under the survival curve)",
    "out by step 2": "share of runs out of the basin by step 2 (Kaplan-Meier: a run that stopped early counts until "
                     "it stopped)",
    "out by step 2 (kick law)": "the kick law's prediction of the share out by step 2: the held second step (K2 lr per "
                                "coordinate) from the same start ball, no optimizer run (experiments.theory; —: the "
                                "law covers Adam+CM and Adam+SAM+CM holding their first step, without noise)",
    "lr used": "the learning rate the row ran at; a row at another optimizer's step ran at the lr whose mean step over "
               f"the first {EARLY_WINDOW} steps equals that optimizer's, from the same starts",
    "out by step 10": "share of runs out of the basin by step 10",
    "out by step 100": "share of runs out of the basin by step 100 (—: fewer steps were run)",
    "ended in a flatter basin": "runs that ended in a basin with a smaller largest Hessian eigenvalue",
    "ended at a global minimum": "runs that ended in the basin of a lowest minimum",
    "median final loss": "of the runs that did not stop early",
    "median λmax at the end": "largest Hessian eigenvalue where the runs ended (the sharpness they found)",
    "median distance travelled": "from the start to the end point, of the runs that did not stop early",
    "gradient evaluations": "per run (SAM evaluates two per step)",
}


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
class EscapeState:
    landscape: tuple[str, dict[str, Any]]
    basin: str
    optimizers: tuple[tuple[str, dict[str, Any]], ...]
    axis: str
    values: str
    runs: int
    steps: int
    seed: int
    equalise: bool
    sample: tuple[int, int] | None = None  # (optimizer, value) chosen for the player; None: the view's default
    survival: int | None = None  # the swept value whose survival curves are shown; None: the view's default
    axis2: str = NO_AXIS  # a second knob swept (a phase diagram over both), or none
    values2: str = ""
    cells: str = CELLS.default  # what colours the phase diagram's cells
    match: bool = False  # also run the optimizers without a buffer at the first buffered one's early step length

    @property
    def landscape_spec(self) -> str:
        return spec_text(LANDSCAPES, *self.landscape)

    def knob(self) -> Field | None:
        """The swept knob's schema field (None: nothing is swept)."""
        if self.axis == NO_AXIS:
            return None
        return sweepable_fields(self.landscape[0], [name for name, _ in self.optimizers])[self.axis]

    def value_list(self) -> list:
        knob = self.knob()
        return parse_values(knob, self.values) if knob else [None]

    def knob2(self) -> Field | None:
        """The second swept knob's schema field (None: one knob is swept, or none)."""
        if self.axis2 == NO_AXIS:
            return None
        return sweepable_fields(self.landscape[0], [name for name, _ in self.optimizers])[self.axis2]

    def value_list2(self) -> list:
        knob = self.knob2()
        return parse_values(knob, self.values2) if knob else [None]

    def params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {"page": PAGE, "landscape": self.landscape_spec, "basin": self.basin,
                                           "optimizer": slot_specs(self.optimizers, {}), "axis": self.axis}
        if self.axis != NO_AXIS:
            out["values"] = self.values
        if self.axis2 != NO_AXIS:
            out |= {"axis2": self.axis2, "values2": self.values2}
            if self.cells != CELLS.default:
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
        resolve_basin(compute.landscape(spec_text(LANDSCAPES, *landscape)), basin)
    except SpecError as error:
        if reader.raw("basin") is not None:  # the default basin of another landscape needs no notice
            reader.notices.append(f"The link's basin={basin!r} was not used: {error}. Using the sharpest basin.")
        basin = "sharpest"
    knobs = sweepable_fields(landscape[0], [name for name, _ in optimizers])
    axis = reader.field("axis", AXIS)
    if axis != NO_AXIS and axis not in knobs:
        default = "sharpness" if "sharpness" in knobs else NO_AXIS
        if reader.raw("axis") is not None:
            reader.notices.append(f"The link's axis={axis!r} was not used: it must be one of {', '.join(knobs)} or "
                                  f"{NO_AXIS}. Using {default} instead.")
        axis = default
    values = reader.raw("values")
    if axis != NO_AXIS:
        field = knobs[axis]
        try:
            values = values_text(field, parse_values(field, values if values is not None else ""))
        except SpecError as error:
            fallback = values_text(field, default_values(field, current_values(landscape, optimizers).get(axis)))
            if values is not None:
                reader.notices.append(f"The link's values={values!r} were not used: {error}. Using {fallback}.")
            values = fallback
    axis2, values2 = read_second_axis(reader, axis, knobs, current_values(landscape, optimizers))
    sample = reader.parsed("sample", SAMPLE, parse_sample, "The player shows the default configuration.")
    survival = reader.parsed("survival", SURVIVAL, lambda text: parse_index(text, "survival"),
                             "The survival curves show the default value.")
    return EscapeState(landscape, basin, tuple(optimizers), axis, values or "", reader.field("runs", RUNS),
                       reader.field("steps", STEPS), reader.field("seed", SEED), reader.field("equalise", EQUALISE),
                       sample, survival, axis2, values2, reader.field("cells", CELLS), read_match(reader, optimizers))


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


def read_second_axis(reader: UrlReader, axis: str, knobs: dict[str, Field], centres: dict) -> tuple[str, str]:
    """The link's second swept knob and its values (a phase diagram), each refused with one sentence when it cannot
    be used: the page then sweeps the first knob alone, or the second over its default values."""
    axis2 = reader.field("axis2", AXIS2)
    if axis2 == NO_AXIS:
        return NO_AXIS, ""
    if axis == NO_AXIS:
        problem = "a second axis needs a first one (axis)"
    elif axis2 == axis:
        problem = "it is the first axis already"
    elif axis2 not in knobs:
        problem = f"it must be one of {', '.join(k for k in knobs if k != axis)} or {NO_AXIS}"
    else:
        problem = ""
    if problem:
        alone = f"the page sweeps {axis} alone" if axis != NO_AXIS else "the page sweeps nothing"
        reader.notices.append(f"The link's axis2={literal_value(axis2)} was not used, as {problem}; {alone}.")
        return NO_AXIS, ""
    field = knobs[axis2]
    given = reader.raw("values2")
    try:
        return axis2, values_text(field, parse_values(field, given if given is not None else ""))
    except SpecError as error:
        fallback = values_text(field, default_values(field, centres.get(axis2)))
        if given is not None:
            reader.notices.append(f"The link's values2={literal_value(given)} were not used, as {error}; the page "
                                  f"sweeps {axis2} over {fallback}.")
        return axis2, fallback


def literal_value(text: str, limit: int = 60) -> str:
    """A value from a link as a notice quotes it: repr'd, shortened."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def put_state(state: EscapeState) -> None:
    put_landscape(PREFIX, *state.landscape)
    put_slots(PREFIX, state.optimizers)
    for key, value in (("basin", state.basin), ("axis", state.axis), ("values", state.values), ("runs", state.runs),
                       ("steps", state.steps), ("seed", state.seed), ("equalise", state.equalise),
                       ("sample.choice", state.sample), ("survival.choice", state.survival),
                       ("axis2", state.axis2), ("values2", state.values2), ("cells.choice", state.cells),
                       ("match", state.match)):
        st.session_state[f"{PREFIX}.{key}"] = value


def current_values(landscape: tuple[str, dict[str, Any]], optimizers: list[tuple[str, dict[str, Any]]]) -> dict:
    """The value each knob has now: the landscape's, else the first optimizer's that has it."""
    found: dict[str, Any] = {}
    for _, values in [*optimizers[::-1], landscape]:
        found.update(values)
    return found


def _reset_values(knobs: dict[str, Field], centres: dict[str, Any], which: str = "") -> None:
    """A new axis (`which`: "" the first, "2" the second): its values around the knob's current one, and the
    player and the survival plot back to the sweep's telling value."""
    axis = st.session_state[f"{PREFIX}.axis{which}"]
    st.session_state[CHOICE] = st.session_state[SURVIVAL_CHOICE] = None
    st.session_state[f"{PREFIX}.values{which}"] = (
        values_text(knobs[axis], default_values(knobs[axis], centres.get(axis))) if axis in knobs else "")


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


def controls() -> tuple[EscapeState | None, list[str]]:
    """Every control in the sidebar, drawn whatever is invalid (a control not drawn would lose its value); the state
    they describe and the errors, each also shown beside its input."""
    errors: list[str] = []
    with st.sidebar:
        st.subheader("Landscape and basin")
        landscape, landscape_errors = landscape_controls(PREFIX, DEFAULT_LANDSCAPE)
        errors += landscape_errors
        surface = None
        if not landscape_errors:
            try:
                surface = compute.landscape(spec_text(LANDSCAPES, *landscape))
            except SpecError as error:  # a formula that does not parse: said beside the formula
                errors.append(str(error))
                literal.error(error)
        basin = held(f"{PREFIX}.basin", BASIN, "start in basin")
        if surface is not None and not surface.minima:
            errors.append("this landscape has no known minima to start in")
            literal.error("This landscape has no known minima to start in.")
        choices = basin_choices(surface) if surface is not None and surface.minima else [basin]
        default_basin = "sharp" if "sharp" in choices else "sharpest" if "sharpest" in choices else basin
        if basin not in choices:  # another landscape's basin: its own default, as a link's
            st.session_state[f"{PREFIX}.basin"] = default_basin
        basin = labelled_selectbox("start in basin", choices, f"{PREFIX}.basin", lambda c: basin_label(surface, c),
                                   default_basin, "start in basin", disabled=len(choices) == 1)
        st.subheader("Optimizers")
        optimizers, optimizer_errors = slot_controls(PREFIX)
        errors += optimizer_errors
        st.subheader("Sweep")
        knobs = sweepable_fields(landscape[0], [name for name, _ in optimizers])
        centres = current_values(landscape, optimizers)
        axes = [NO_AXIS, *knobs]
        default_axis = "sharpness" if "sharpness" in knobs else NO_AXIS
        if held(f"{PREFIX}.axis", AXIS, "sweep axis") not in axes:  # a knob of another landscape or optimizer
            st.session_state[f"{PREFIX}.axis"] = default_axis
            _reset_values(knobs, centres)
        axis = labelled_selectbox("sweep axis", axes, f"{PREFIX}.axis", lambda a: axis_label(landscape[0], a),
                                  default_axis, "sweep axis", on_change=_reset_values, args=(knobs, centres),
                                  help="a landscape parameter or an optimizer hyperparameter")
        values = ""
        if axis != NO_AXIS:
            if not held(f"{PREFIX}.values", VALUES, f"{axis} values"):
                _reset_values(knobs, centres)
            values = st.text_input(f"{axis} values", key=f"{PREFIX}.values", help=literal.help_text(knobs[axis].help))
            try:
                parse_values(knobs[axis], values)
            except SpecError as error:
                errors.append(str(error))
                literal.error(error)
        axis2, values2 = second_axis_controls(axis, knobs, centres, landscape[0], errors)
        numbers = {}
        for field, label in ((RUNS, "runs per configuration"), (STEPS, "steps"), (SEED, "seed")):
            held(f"{PREFIX}.{field.name}", field, label)
            numbers[field.name] = st.number_input(label, min_value=int(field.low), max_value=int(field.high),
                                                  key=f"{PREFIX}.{field.name}", help=literal.help_text(field.help))
        held(f"{PREFIX}.equalise", EQUALISE, "equal gradient evaluations")
        equalise = st.checkbox("equal gradient evaluations", key=f"{PREFIX}.equalise",
                               help=literal.help_text(EQUALISE.help))
        match = match_control(optimizers, bool(optimizer_errors))
        sample = held_by(CHOICE, optional_pair, None, "configuration", "the default configuration")
        survival = held_by(SURVIVAL_CHOICE, optional_index, None, "survival curves at", "the default value")
        cells = held(CELLS_CHOICE, CELLS, "cells show")
    if errors:
        return None, errors
    return EscapeState(landscape, basin, tuple(optimizers), axis, values, int(numbers["runs"]), int(numbers["steps"]),
                       int(numbers["seed"]), bool(equalise), sample, survival, axis2, values2, cells, match), []


def match_control(optimizers: list[tuple[str, dict[str, Any]]], invalid: bool) -> bool:
    """The toggle "compare at equal step length": on, every optimizer without a buffer also runs at the lr whose
    early steps are as long as the first buffered optimizer's; disabled, with the reason beside it, when the
    optimizers shown leave nothing to match."""
    key = f"{PREFIX}.match"
    held(key, MATCH, "compare at equal step length")
    problem = "an optimizer's settings are not valid" if invalid else match_unavailable(optimizers)
    if problem:
        st.session_state[key] = False
        st.toggle("compare at equal step length", key=key, disabled=True,
                  help=literal.help_text(f"Unavailable: {problem}."))
        literal.caption(f"Equal step lengths are unavailable: {problem}.")
        return False
    reference = optimizer_labels(optimizers)[match_reference(optimizers)]
    targets = ", ".join(optimizer_labels(optimizers)[k] for k in match_targets(optimizers))
    return bool(st.toggle("compare at equal step length", key=key, help=literal.help_text(
        f"Also run {targets} at the lr whose mean step over the first {EARLY_WINDOW} steps equals {reference}'s, "
        "from the same starts: what is left of the difference in escapes is what the buffer adds, not the longer "
        "steps.")))


def second_axis_controls(axis: str, knobs: dict[str, Field], centres: dict[str, Any], landscape: str,
                         errors: list[str]) -> tuple[str, str]:
    """The second swept knob (a phase diagram over both) and its values, offered once a first knob is swept."""
    if axis == NO_AXIS:
        return NO_AXIS, ""
    axes = [NO_AXIS, *(name for name in knobs if name != axis)]
    if held(f"{PREFIX}.axis2", AXIS, "second axis", NO_AXIS) not in axes:  # the first axis took it, or another
        st.session_state[f"{PREFIX}.axis2"] = NO_AXIS                      # landscape's knob
    axis2 = labelled_selectbox("second axis (phase diagram)", axes, f"{PREFIX}.axis2",
                               lambda a: "none: one axis" if a == NO_AXIS else axis_label(landscape, a), NO_AXIS,
                               "second axis", on_change=_reset_values, args=(knobs, centres, "2"),
                               help="sweep a second knob too: every combination runs, shown as a heatmap per optimizer")
    if axis2 == NO_AXIS:
        return NO_AXIS, ""
    if not held(f"{PREFIX}.values2", VALUES, f"{axis2} values"):
        _reset_values(knobs, centres, "2")
    values2 = st.text_input(f"{axis2} values", key=f"{PREFIX}.values2", help=literal.help_text(knobs[axis2].help))
    try:
        parse_values(knobs[axis2], values2)
    except SpecError as error:
        errors.append(str(error))
        literal.error(error)
    return axis2, values2


@dataclass(frozen=True)
class EscapeView:
    """A sweep as the page shows it: the table, what was swept, and a human label and a style per optimizer (k, in
    the order given). The table's rows run over the swept values (with two axes, every combination: the first
    axis's values outside, the second's inside), the optimizers inside: a combination is one index v."""

    table: SweepTable
    knob: Field | None  # the swept knob (None: nothing swept)
    symbol: str  # how the knob is written: "sharpness", "lr", "C"
    values: tuple  # the swept values, in the order given ((None,) without an axis)
    labels: tuple[str, ...]  # optimizer k's human label, without the swept value
    styles: tuple[palette.Style, ...]  # optimizer k's colour and dash, as in the PNG
    lacking: frozenset[int]  # optimizers without the swept hyperparameter: one configuration at every value
    log: bool  # the x axis is logarithmic
    default_sample: tuple[int, int]  # what the player shows until a configuration is chosen
    curves: tuple[tuple[dict, ...], ...] = ()  # each row's survival curve (its rows of table.survival), row by row
    knob2: Field | None = None  # the second swept knob (a phase diagram), or None
    symbol2: str = ""
    values2: tuple = (None,)
    lacking2: frozenset[int] = frozenset()  # optimizers without the second knob
    log2: bool = False  # the second axis is logarithmic
    matched: frozenset[int] = frozenset()  # rows of optimizers run at another's early step length (after the slots)
    lrs: tuple[float | None, ...] = ()  # optimizer k's own lr (None: it has none, or it is matched)
    predicted: bool = False  # the table holds the kick law's share out by step 2 (predicted_out_by_2)

    @property
    def axis(self) -> str | None:
        return self.knob.name if self.knob else None

    @property
    def axis2(self) -> str | None:
        return self.knob2.name if self.knob2 else None

    @property
    def numeric(self) -> bool:
        """The swept knob is a number: the curve has a continuous axis and lines."""
        return self.knob is not None and self.knob.kind in ("int", "float")

    @property
    def numeric2(self) -> bool:
        return self.knob2 is not None and self.knob2.kind in ("int", "float")

    @property
    def phase(self) -> bool:
        """Two knobs are swept: the page draws a phase diagram."""
        return self.knob2 is not None

    def row(self, k: int, v: int) -> dict:
        return self.table.rows[v * len(self.labels) + k]

    def rows_of(self, k: int) -> list[dict]:
        return [self.row(k, v) for v in range(self.cell_count)]

    def value_text(self, value: Any) -> str:
        return self.knob.format(value) if self.knob else ""

    def value_text2(self, value: Any) -> str:
        return self.knob2.format(value) if self.knob2 else ""

    def indices(self, v: int) -> tuple[int, int]:
        """Combination v as (index on the first axis, index on the second)."""
        return divmod(v, len(self.values2))

    def settings(self, k: int, v: int) -> list[str]:
        """['sharpness = 16', 'lr = 0.05']: the swept values of combination v that optimizer k has."""
        i, j = self.indices(v)
        out = []
        if self.knob is not None and k not in self.lacking:
            out.append(f"{self.symbol} = {self.value_text(self.values[i])}")
        if self.knob2 is not None and k not in self.lacking2:
            out.append(f"{self.symbol2} = {self.value_text2(self.values2[j])}")
        return out

    def sample_label(self, sample: tuple[int, int]) -> str:
        """'Adam+CM (lr=0.05) at sharpness = 16'; an optimizer without the swept knob is named alone."""
        k, v = sample
        settings = self.settings(k, v)
        return f"{self.labels[k]} at {', '.join(settings)}" if settings else self.labels[k]

    def samples(self) -> list[tuple[int, int]]:
        """Every configuration the player can show, optimizer by optimizer (one value of a knob it does not have)."""
        return [(k, v) for k in range(len(self.labels)) for v in range(self.cell_count)
                if (self.indices(v)[0] == 0 or k not in self.lacking)
                and (self.indices(v)[1] == 0 or k not in self.lacking2)]

    def shown_sample(self, chosen: tuple[int, int] | None) -> tuple[int, int]:
        """The configuration the player shows: the chosen one when this sweep ran it, else the default (never a
        neighbour of it)."""
        k, v = chosen if self.has_sample(chosen) else self.default_sample
        i, j = self.indices(v)
        i, j = (0 if k in self.lacking else i), (0 if k in self.lacking2 else j)
        return k, i * len(self.values2) + j

    def has_sample(self, chosen: tuple[int, int] | None) -> bool:
        return chosen is not None and chosen[0] < len(self.labels) and chosen[1] < self.cell_count

    @property
    def cell_count(self) -> int:
        """How many swept values (combinations of them) the sweep ran: each optimizer has a row at each."""
        return len(self.table.rows) // len(self.labels)

    def cell_label(self, v: int) -> str:
        """'sharpness = 16' (with two axes 'sharpness = 16, lr = 0.05'): the swept values v in words ('' when
        nothing is swept)."""
        i, j = self.indices(v)
        parts = [f"{self.symbol} = {self.value_text(self.values[i])}"] if self.knob is not None else []
        if self.knob2 is not None:
            parts.append(f"{self.symbol2} = {self.value_text2(self.values2[j])}")
        return ", ".join(parts)

    def shown_cell(self, chosen: int | None) -> int:
        """The swept value whose survival curves are shown: the chosen one when this sweep ran it, else the player's
        default configuration's."""
        return chosen if chosen is not None and chosen < self.cell_count else self.default_sample[1]

    def curve(self, k: int, v: int) -> tuple[dict, ...]:
        """Optimizer k's survival curve at swept value v: its rows of table.survival."""
        return self.curves[v * len(self.labels) + k]

    def lr_used(self, k: int, v: int) -> float | None:
        """The lr optimizer k ran at in combination v: the matched lr, the swept lr, or its own."""
        row = self.row(k, v)
        if k in self.matched:
            return row["matched_lr"]
        swept = any(field is not None and field.name == "lr" and k not in lacking
                    for field, lacking in ((self.knob, self.lacking), (self.knob2, self.lacking2)))
        return row["lr"] if swept else self.lrs[k]

    def png_labels(self) -> dict[str, str]:
        """The PNG's labels, keyed as escape_curve_figure groups the rows (by the table's "optimizer" column)."""
        return {self.row(k, 0)["optimizer"]: label for k, label in enumerate(self.labels)}


def cached_sweep(landscape: str, optimizers: tuple[str, ...], axes: tuple[tuple[str, tuple], ...], runs: int,
                 steps: int, seed: int, basin: str, equalise: bool, max_work: int, match_step: str | None = None,
                 predict: bool = False) -> SweepTable:
    """The sweep over `axes` ((name, values) each: none, one, or two for a phase diagram), from the shared cache when
    this exact one has run before (whatever the work limit was then), else checked whole against `max_work` (every
    combination counted, the matching too) and run with a progress bar; `match_step` and `predict` as sweep's."""
    key = (landscape, optimizers, axes, runs, steps, seed, basin, equalise, match_step, predict)
    table = compute.stored("sweeps", key)
    if table is None:
        bar = st.progress(0.0, text="running the sweep…")
        table = sweep(landscape, list(optimizers), {name: list(values) for name, values in axes} or None,
                      runs=runs, steps=steps, seed=seed, basin=basin, equalise_grad_evals=equalise, max_work=max_work,
                      progress=lambda done: bar.progress(min(max(done, 0.0), 1.0), text="running the sweep…"),
                      match_step=match_step, predict=predict)
        bar.empty()
        compute.store("sweeps", key, table)
    return table


def row_curves(table: SweepTable) -> tuple[tuple[dict, ...], ...]:
    """Each row's survival curve, in the rows' order: table.survival holds the curves one after another, each's
    checked steps ascending, so a curve ends where the step falls back or the configuration changes."""
    found: list[tuple[dict, ...]] = []
    start = 0
    points = table.survival.rows if table.survival is not None else ()
    key = [column for column in table.survival.columns if column not in CURVE_COLUMNS] if points else []
    for i in range(1, len(points) + 1):
        if i == len(points) or points[i]["step"] <= points[i - 1]["step"] or any(
                points[i][c] != points[i - 1][c] for c in key):
            found.append(tuple(points[start:i]))
            start = i
    if len(found) != len(table.rows):
        raise SpecError(f"the sweep's survival table has {len(found)} curves for {len(table.rows)} rows")
    return tuple(found)


def matched_beside_their_cell(table: SweepTable, slots: int, matched: int) -> SweepTable:
    """The sweep's rows (and survival curves) with each combination's matched rows right after its slots' rows: the
    sweep puts every matched row last, the view reads combination v's optimizer k at v * (slots + matched) + k."""
    if not matched:
        return table
    cells = len(table.rows) // (slots + matched)
    order = [i for v in range(cells)
             for i in [*range(v * slots, (v + 1) * slots), *range(cells * slots + v * matched,
                                                                  cells * slots + (v + 1) * matched)]]
    if sorted(order) != list(range(len(table.rows))) or any(
            bool(table.rows[i]["matched_to"]) != (n % (slots + matched) >= slots) for n, i in enumerate(order)):
        raise SpecError(f"the sweep's {len(table.rows)} rows are not {cells} combinations of {slots} optimizers and "
                        f"{matched} matched ones")
    curves = row_curves(table)
    survival = SweepTable(table.survival.columns, tuple(point for i in order for point in curves[i]))
    return SweepTable(table.columns, tuple(table.rows[i] for i in order), survival)


def predicts(state: EscapeState) -> bool:
    """Whether the table gives the kick law's share out by step 2: on two_basin, when an optimizer the law covers
    is shown (experiments.theory, imported only then: it loads scipy.stats)."""
    if state.landscape[0] != KICK_LANDSCAPE:
        return False
    from experiments.theory import kick_applies

    return any(kick_applies(method) for method in built_optimizers(state.optimizers))


def compute_view(state: EscapeState, max_work: int) -> EscapeView:
    """The sweep (cached whole) and how to show it: labels without the swept hyperparameters, the palette's styles,
    the axes, and the sample the player opens on; with equal step lengths, each matched optimizer after the slots,
    its label saying whose step it took and its style a shade of its kind's."""
    knob, knob2 = state.knob(), state.knob2()
    values, values2 = tuple(state.value_list()), tuple(state.value_list2())
    specs = tuple(slot_specs(state.optimizers, {}))
    axes = tuple((field.name, given) for field, given in ((knob, values), (knob2, values2)) if field is not None)
    reference = match_reference(state.optimizers) if state.match else None
    targets = match_targets(state.optimizers) if reference is not None else []
    predicted = predicts(state)
    table = cached_sweep(state.landscape_spec, specs, axes, state.runs, state.steps, state.seed, state.basin,
                         state.equalise, max_work, specs[reference] if reference is not None else None, predicted)
    table = matched_beside_their_cell(table, len(specs), len(targets))
    swept = {field.name for field in (knob, knob2)
             if field is not None and not on_landscape(state.landscape[0], field.name)}

    def lacking(field: Field | None) -> frozenset[int]:
        return frozenset(k for k, (name, _) in enumerate(state.optimizers)
                         if field is not None and field.name in swept and not has_field(OPTIMIZERS.entry(name),
                                                                                         field.name))

    def logarithmic(field: Field | None, given: tuple) -> bool:
        return field is not None and field.kind == "float" and field.log and all(v > 0 for v in given)

    def symbol(field: Field | None) -> str:
        return knob_symbol(state.landscape[0], field.name) if field is not None else ""

    labels = optimizer_labels([(name, {key: value for key, value in values_of.items() if key not in swept})
                               for name, values_of in state.optimizers])
    if reference is not None:  # "Adam at Adam+CM's step": the matched optimizer without its lr, the reference's kind
        kind = state.optimizers[reference][0]
        whose = display_name(kind) if sum(name == kind for name, _ in state.optimizers) == 1 else labels[reference]
        unmatched = optimizer_labels([(name, {key: value for key, value in values_of.items()
                                              if key not in swept and not (k in targets and key == "lr")})
                                      for k, (name, values_of) in enumerate(state.optimizers)])
        labels += [f"{unmatched[k]} at {whose}'s step" for k in targets]
    slots = [*state.optimizers, *(state.optimizers[k] for k in targets)]
    styles = palette.styles_for([name for name, _ in slots])  # a matched Adam: a shade of Adam's colour
    teaching = default_follow(built_optimizers(state.optimizers))
    default = (teaching, telling_value(table, len(labels), teaching))
    matched = frozenset(range(len(specs), len(labels)))
    lrs = tuple(None if k in matched else params.get("lr") for k, (_, params) in enumerate(slots))

    def lacking_all(field: Field | None) -> frozenset[int]:  # a matched optimizer follows its own and the reference's
        own = lacking(field)
        return own | {len(specs) + m for m, k in enumerate(targets) if k in own and reference in own}

    return EscapeView(table, knob, symbol(knob), values, tuple(labels), tuple(styles), lacking_all(knob),
                      logarithmic(knob, values), default, row_curves(table), knob2, symbol(knob2), values2,
                      lacking_all(knob2), logarithmic(knob2, values2), matched, lrs, predicted)


def telling_value(table: SweepTable, count: int, k: int) -> int:
    """The value at which optimizer k's escape rate is furthest above the others' (nearest the middle value of
    those alike): where its sample runs show the difference."""
    values = len(table.rows) // count
    rates = [[table.rows[v * count + j]["escape_rate"] for j in range(count)] for v in range(values)]
    lead = [rates[v][k] - max((rate for j, rate in enumerate(rates[v]) if j != k), default=0.0) for v in range(values)]
    return max(range(values), key=lambda v: (lead[v], -abs(v - values // 2)))


def significant(value: float) -> str:
    """A measurement to 3 significant digits ('—' when undefined: every run stopped early)."""
    return f"{value:.3g}" if math.isfinite(value) else "—"


def curve_rows(view: EscapeView) -> list[dict]:
    """One row per optimizer and swept value, as the escape curve draws it: the rate and its interval, and the texts
    its tooltip shows."""
    out = []
    for k, label in enumerate(view.labels):
        for row in view.rows_of(k):
            entry: dict[str, Any] = {"optimizer": label, "rate": row["escape_rate"], "low": row["ci_low"],
                                     "high": row["ci_high"], "rate_text": percent(row["escape_rate"]),
                                     "interval": f"{percent(row['ci_low'])} to {percent(row['ci_high'])}",
                                     "escaped": f"{row['escaped']} of {row['runs']}"
                                                + (f", {row['diverged']} diverged" if row["diverged"] else "")}
            if view.predicted:
                entry |= {"out_by_2_text": percent(row["out_by_2"]),
                          "kick_text": percent(row["predicted_out_by_2"])}
            if view.knob is not None:
                entry["value"] = row[view.axis] if view.numeric else view.value_text(row[view.axis])
                entry["value_text"] = (f"has no {view.symbol}: the same runs at every value" if k in view.lacking
                                       else view.value_text(row[view.axis]))
            out.append(entry)
    return out


def escape_spec(view: EscapeView) -> dict:
    """Escape rate against the swept value as a Vega-Lite spec: one line per optimizer in its palette colour and dash,
    named at its end, each rate in its palette marker with its 95% interval as an error bar (visible at 0 and 1),
    ticks at the swept values; markers side by side when the knob is not a number or nothing is swept."""
    labels = list(view.labels)
    optimizer = {"field": "optimizer", "type": "nominal", "sort": labels,
                 "legend": drawing.vega_legend(labels, view.numeric)}  # colour and dash: one legend
    colour = {**optimizer, "scale": {"domain": labels, "range": [style.colour for style in view.styles]}}
    tooltip = [{"field": "optimizer", "title": "optimizer"}]
    if view.knob is None:
        x: dict[str, Any] = {"field": "optimizer", "type": "nominal", "sort": labels, "title": None,
                             "axis": {"labels": False, "ticks": False}}
    elif view.numeric:  # an explicit domain: Streamlit builds the view before it inserts the rows
        ticks = sorted(set(view.values))
        x = {"field": "value", "type": "quantitative", "title": view.symbol + (" (log scale)" if view.log else ""),
             "scale": {"type": "log" if view.log else "linear", "domain": [ticks[0], ticks[-1]], "nice": False,
                       "padding": 24},
             "axis": {**drawing.vega_ticks(ticks, [view.value_text(value) for value in ticks]), "grid": True}}
    else:
        x = {"field": "value", "type": "nominal", "title": view.symbol, "axis": {"labelAngle": 0},
             "sort": [view.value_text(value) for value in view.values]}
    if view.knob is not None:
        tooltip.append({"field": "value_text", "title": view.symbol})
    tooltip += [{"field": "rate_text", "title": "escape rate"}, {"field": "interval", "title": "95% interval"},
                {"field": "escaped", "title": "escaped"}]
    if view.predicted:
        tooltip += [{"field": "out_by_2_text", "title": "out by step 2"},
                    {"field": "kick_text", "title": "out by step 2 (kick law)"}]
    rows = curve_rows(view)
    scale = {"domain": [-0.04, 1.04], "nice": False, "zero": False}  # room for a dot at 0 or 1 and its bar
    rate = {"field": "rate", "type": "quantitative", "scale": scale, "title": "escape rate (95% interval)",
            "axis": {"format": ".0%", "values": [0, 0.2, 0.4, 0.6, 0.8, 1]}}
    side_by_side = {} if view.numeric else {"xOffset": {"field": "optimizer", "type": "nominal", "sort": labels}}
    layers: list[dict] = [
        {"mark": {"type": "errorbar", "ticks": {"size": ERROR_CAP}, "thickness": 1.5},
         "encoding": {"y": {**rate, "field": "low"}, "y2": {"field": "high"}, **side_by_side}},
        *drawing.marker_layers({"mark": {"type": "point", "opacity": 1},
                                "encoding": {"y": rate, "tooltip": tooltip, **side_by_side}},
                               optimizer, view.styles, area=40)]
    if view.numeric:
        dashes = {**optimizer, "scale": {"domain": labels,
                                         "range": [drawing.vega_dash(style, LINE_WIDTH) for style in view.styles]}}
        layers.insert(0, {"mark": {"type": "line", "strokeWidth": LINE_WIDTH},
                          "encoding": {"y": rate, "strokeDash": dashes}})
        last = {row["optimizer"]: row for row in sorted(rows, key=lambda row: row["value"])}  # at the largest value
        ends = [{"optimizer": label, "name": name, "value": last[label]["value"], "end": last[label]["rate"]}
                for label, name in zip(labels, drawing.short_labels(labels))]
        layers.append(drawing.vega_end_labels(ends, rate, CURVE_HEIGHT))
    return {"data": {"values": rows}, "height": CURVE_HEIGHT, "autosize": drawing.VEGA_FIT_WIDTH,
            "usermeta": drawing.VEGA_SVG,
            "encoding": {"x": x, "color": colour}, "layer": layers}


def survival_rows(view: EscapeView, v: int) -> list[dict]:
    """Each optimizer's survival curve at swept value v as the survival plot draws it: step 0 (every run inside,
    `start`), then table.survival's rows, with the texts the tooltip shows."""
    out = []
    for k, label in enumerate(view.labels):
        curve = view.curve(k, v)
        runs = view.row(k, v)["runs"]
        first = {"step": 0, "in_basin": 1.0, "in_basin_low": 1.0, "in_basin_high": 1.0, "at_risk": runs}
        for point in (first, *curve):
            out.append({"optimizer": label, "step": point["step"], "share": point["in_basin"],
                        "low": point["in_basin_low"], "high": point["in_basin_high"], "at_risk": point["at_risk"],
                        "start": point is first, "share_text": percent(point["in_basin"]),
                        "band": f"{percent(point['in_basin_low'])} to {percent(point['in_basin_high'])}",
                        "at_risk_text": f"{point['at_risk']} of {runs} runs"})
    return out


def step_ticks(last: int) -> list[int]:
    """0, 1, 2, 5, 10, 20, 50, ... up to `last`, and `last` itself: ticks for a symlog step axis."""
    ticks, decade = [0], 1
    while decade <= last:
        ticks += [t for t in (decade, 2 * decade, 5 * decade) if t <= last]
        decade *= 10
    if last - ticks[-1] > 0.3 * last:  # the last step, unless a tick is near it already
        ticks.append(last)
    return ticks


def survival_spec(view: EscapeView, v: int) -> dict:
    """The share of runs still in their start basin against the step, at swept value v, as a Vega-Lite spec: a line
    per optimizer in its palette colour and dash (a step function: the share changes at checked steps) named at its
    end, its 95% band shaded, its palette marker at each checked step with its tooltip, the step on a symlog axis (0,
    then geometric)."""
    labels = list(view.labels)
    optimizer = {"field": "optimizer", "type": "nominal", "sort": labels, "legend": drawing.vega_legend(labels, True)}
    colour = {**optimizer, "scale": {"domain": labels, "range": [style.colour for style in view.styles]}}
    dashes = {**optimizer, "scale": {"domain": labels,
                                     "range": [drawing.vega_dash(style, LINE_WIDTH) for style in view.styles]}}
    last = max(int(view.row(k, v)["steps"]) for k in range(len(labels)))
    ticks = step_ticks(last)
    x = {"field": "step", "type": "quantitative", "title": "step (symlog scale)",
         "scale": {"type": "symlog", "constant": 1, "domain": [0, last], "nice": False},
         "axis": {"values": ticks, "format": "d", "grid": True}}
    share = {"field": "share", "type": "quantitative", "title": "share still in the basin (95% band)",
             "scale": {"domain": [0, 1], "nice": False},
             "axis": {"format": ".0%", "values": [0, 0.2, 0.4, 0.6, 0.8, 1]}}
    tooltip = [{"field": "optimizer", "title": "optimizer"}, {"field": "step", "title": "step"},
               {"field": "share_text", "title": "still in the basin"}, {"field": "band", "title": "95% band"},
               {"field": "at_risk_text", "title": "at risk (inside and running)"}]
    layers = [
        {"mark": {"type": "area", "interpolate": "step-after", "opacity": BAND_OPACITY},
         "encoding": {"y": {**share, "field": "low"}, "y2": {"field": "high"}}},
        {"mark": {"type": "line", "interpolate": "step-after", "strokeWidth": LINE_WIDTH},
         "encoding": {"y": share, "strokeDash": dashes}},
        *drawing.marker_layers({"transform": [{"filter": "!datum.start"}],
                                "mark": {"type": "point", "opacity": 0.8},
                                "encoding": {"y": share, "tooltip": tooltip}}, optimizer, view.styles, area=20)]
    rows = survival_rows(view, v)
    last = {row["optimizer"]: row for row in rows}  # each curve's last point
    ends = [{"optimizer": label, "name": name, "step": last[label]["step"], "end": last[label]["share"]}
            for label, name in zip(labels, drawing.short_labels(labels))]
    layers.append(drawing.vega_end_labels(ends, share, SURVIVAL_HEIGHT))
    return {"data": {"values": rows}, "height": SURVIVAL_HEIGHT,
            "autosize": drawing.VEGA_FIT_WIDTH, "usermeta": drawing.VEGA_SVG,
            "encoding": {"x": x, "color": colour}, "layer": layers}


def cell_edges(values: Sequence, log: bool) -> dict[Any, tuple[float, float]]:
    """Each swept value -> its cell's (low, high) edges on a continuous axis: halfway (geometrically on a log axis)
    to its neighbours, the outer cells as wide as their inner halves."""
    ordered = sorted(set(values))
    to, back = (math.log, math.exp) if log else (float, float)
    places = [to(value) for value in ordered]
    if len(places) == 1:
        half = math.log(2) / 2 if log else (abs(places[0]) / 4 or 0.5)
        middles = [places[0] - half, places[0] + half]
    else:
        inner = [(a + b) / 2 for a, b in itertools.pairwise(places)]
        middles = [2 * places[0] - inner[0], *inner, 2 * places[-1] - inner[-1]]
    return {value: (back(middles[i]), back(middles[i + 1])) for i, value in enumerate(ordered)}


@compute.cached
def kick_lr(landscape: str, optimizer: str, basin: str) -> float:
    """The kick law's lr above which the held second step leaves `basin` from its core (experiments.theory)."""
    from experiments.theory import kick_escape_lr  # theory imports scipy.stats (0.4 s): only for this diagram

    return kick_escape_lr(landscape, optimizer, basin)


def kick_boundary(view: EscapeView, basin: str) -> dict[int, list[tuple[float, float]]]:
    """Optimizer k -> the kick law's boundary as (first axis, second axis) points, one per swept sharpness: drawn on
    a phase diagram of lr and sharpness on two_basin, for Adam+CM and Adam+SAM+CM holding their first step without
    noise (experiments.theory.kick_applies); {} otherwise."""
    if not view.phase or {view.axis, view.axis2} != {"lr", "sharpness"}:
        return {}
    if view.row(0, 0)["landscape"].partition(":")[0] != "two_basin":
        return {}
    from experiments.theory import kick_applies

    found: dict[int, list[tuple[float, float]]] = {}
    for k in range(len(view.labels)):
        if k in view.lacking | view.lacking2 or not kick_applies(view.row(k, 0)["optimizer_spec"]):
            continue
        points = {}
        for v in range(view.cell_count):
            row = view.row(k, v)
            if row["sharpness"] not in points:
                points[row["sharpness"]] = kick_lr(row["landscape"], row["optimizer_spec"], basin)
        found[k] = [(lr, s) if view.axis == "lr" else (s, lr) for s, lr in sorted(points.items())]
    return found


def cell_text(measure: str, value: float) -> str:
    return percent(value) if measure == "escape_rate" else significant(value)


def phase_rows(view: EscapeView, measure: str, boundary: dict[int, list[tuple[float, float]]]) -> list[dict]:
    """The phase diagram's rows: a cell per optimizer and combination of values (kind "cell": its place, its edges on
    a continuous axis, the measure that colours it and its tooltip's texts), then the kick law's boundary points
    (kind "kick")."""
    edges = cell_edges(view.values, view.log) if view.numeric else {}
    edges2 = cell_edges(view.values2, view.log2) if view.numeric2 else {}
    longest = max(int(row["steps"]) for row in view.table.rows)
    out: list[dict] = []
    for k, label in enumerate(view.labels):
        for v in range(view.cell_count):
            row = view.row(k, v)
            x, y = row[view.axis], row[view.axis2]
            shade = row[measure]
            if measure == "escape_rate":
                light = shade
            elif math.isfinite(shade):  # the step scales run from 1 (bright) to the longest run (dark)
                light = 1 - math.log(max(shade, 1.0)) / math.log(max(longest, 2))
            else:
                light = 1.0  # the grey of an undefined cell
            entry: dict[str, Any] = {
                "kind": "cell", "optimizer": label, "x_text": view.value_text(x), "y_text": view.value_text2(y),
                "shade": shade if math.isfinite(shade) else None, "dark": light < 0.6,
                "cell_text": cell_text(measure, shade),
                "rate_text": percent(row["escape_rate"]),
                "interval": f"{percent(row['ci_low'])} to {percent(row['ci_high'])}",
                "escaped": f"{row['escaped']} of {row['runs']}" + (f", {row['diverged']} diverged"
                                                                    if row["diverged"] else ""),
                "median_text": (significant(row["median_escape_step"]) if math.isfinite(row["median_escape_step"])
                                else f"not reached: fewer than half left by step {row['steps']}"),
                "mean_text": f"{significant(row['mean_escape_step'])} (a run still in counts {row['steps']})",
                "kick_text": None}
            if view.numeric:
                entry |= {"x": float(x), "x_low": edges[x][0], "x_high": edges[x][1]}
            if view.numeric2:
                entry |= {"y": float(y), "y_low": edges2[y][0], "y_high": edges2[y][1]}
            out.append(entry)
    for k, points in boundary.items():
        for x, y in points:
            lr, sharpness = (x, y) if view.axis == "lr" else (y, x)
            out.append({"kind": "kick", "optimizer": view.labels[k], "x": float(x), "y": float(y),
                        "kick_text": f"the second step leaves the basin's core above lr = {lr:.3g} at sharpness "
                                     f"{sharpness:g}"})
    return out


def phase_axis(field: Field, symbol: str, values: tuple, numeric: bool, log: bool, texts, channel: str) -> dict:
    """One axis of the phase diagram: continuous with a tick at each swept value (cells spanning their edges), or
    the values as bands in the order given."""
    if not numeric:
        return {"field": f"{channel}_text", "type": "ordinal", "title": symbol,
                "sort": list(dict.fromkeys(texts(value) for value in values)), "axis": {"labelAngle": 0}}
    edges = cell_edges(values, log)
    ticks = sorted(edges)
    return {"field": channel, "type": "quantitative", "title": symbol + (" (log scale)" if log else ""),
            "scale": {"type": "log" if log else "linear", "domain": [edges[ticks[0]][0], edges[ticks[-1]][1]],
                      "nice": False, "zero": False},
            "axis": {**drawing.vega_ticks([float(t) for t in ticks], [texts(t) for t in ticks]), "grid": False}}


def phase_specs(view: EscapeView, measure: str, boundary: dict[int, list[tuple[float, float]]]) -> list[dict]:
    """The phase diagram as a Vega-Lite spec per optimizer (panels of one size, laid side by side as the width
    allows): a rect per combination of the two swept values coloured by `measure` on one scale for all (bright: more
    escapes, or sooner; grey: undefined), its value written inside, the escape rate with its 95% interval, the counts
    and both escape steps in its tooltip; the kick law's boundary drawn over the panels it applies to."""
    x = phase_axis(view.knob, view.symbol, view.values, view.numeric, view.log, view.value_text, "x")
    y = phase_axis(view.knob2, view.symbol2, view.values2, view.numeric2, view.log2, view.value_text2, "y")
    spans = {}
    for channel, axis in (("x", x), ("y", y)):
        spans[channel] = ({channel: {**axis, "field": f"{channel}_low"}, f"{channel}2": {"field": f"{channel}_high"}}
                          if axis["type"] == "quantitative" else {channel: axis})
    if measure == "escape_rate":
        colour_scale = {"domain": [0, 1], "scheme": "viridis"}
        legend = {"format": ".0%", "title": "escape rate"}
    else:
        longest = max(int(row["steps"]) for row in view.table.rows)
        colour_scale = {"type": "log", "domain": [1, max(longest, 2)], "scheme": "viridis", "reverse": True}
        legend = {"format": "d", "title": f"{CELL_MEASURES[measure]} (bright: sooner)"}
    tooltip = [{"field": "optimizer", "title": "optimizer"}, {"field": "x_text", "title": view.symbol},
               {"field": "y_text", "title": view.symbol2}, {"field": "rate_text", "title": "escape rate"},
               {"field": "interval", "title": "95% interval"}, {"field": "escaped", "title": "escaped"},
               {"field": "median_text", "title": "median escape step"},
               {"field": "mean_text", "title": "mean escape step"}]
    cells = [{"filter": "datum.kind === 'cell'"}]
    layers: list[dict] = [
        {"transform": cells, "mark": {"type": "rect", "color": palette.UNASSIGNED_COLOUR},
         "encoding": {**spans["x"], **spans["y"], "tooltip": tooltip}},
        {"transform": [{"filter": "datum.kind === 'cell' && isValid(datum.shade)"}], "mark": {"type": "rect"},
         "encoding": {**spans["x"], **spans["y"], "tooltip": tooltip,
                      "color": {"field": "shade", "type": "quantitative", "scale": colour_scale,
                                "legend": {**legend, "orient": "top", "gradientLength": 150}}}},
        {"transform": cells, "mark": {"type": "text", "fontSize": 11},
         "encoding": {"x": x, "y": y, "text": {"field": "cell_text"}, "tooltip": tooltip,
                      "color": {"condition": {"test": "datum.dark", "value": "#FFFFFF"}, "value": "#000000"}}}]
    kick = [{"filter": "datum.kind === 'kick'"}]
    kick_layers: list[dict] = []
    if boundary:
        line = {"x": x, "y": y, "order": {"field": "y" if view.axis == "lr" else "x", "type": "quantitative"}}
        kick_layers = [
            {"transform": kick, "mark": {"type": "line", "clip": True, "color": "#FFFFFF", "strokeWidth": 5},
             "encoding": line},
            {"transform": kick, "mark": {"type": "line", "clip": True, "color": "#000000", "strokeWidth": 2,
                                         "strokeDash": [6, 3]}, "encoding": line},
            {"transform": kick, "mark": {"type": "point", "clip": True, "filled": True, "color": "#000000",
                                         "size": 40},
             "encoding": {"x": x, "y": y, "tooltip": [{"field": "optimizer", "title": "optimizer"},
                                                      {"field": "kick_text", "title": "kick law"}]}}]
    rows = phase_rows(view, measure, boundary)
    return [{"data": {"values": [row for row in rows if row["optimizer"] == label]}, "usermeta": drawing.VEGA_SVG,
             "title": {"text": label, "fontSize": 13, "fontWeight": "normal", "limit": 0},
             "width": PANEL_SIZE, "height": PANEL_SIZE, "layer": layers + (kick_layers if k in boundary else [])}
            for k, label in enumerate(view.labels)]


def people_table(view: EscapeView) -> pd.DataFrame:
    """The sweep for reading: human labels, rates as percentages, counts as integers, 3 significant digits."""
    undefined = any(row["undefined"] for row in view.table.rows)
    long_runs = any(math.isfinite(row["out_by_100"]) for row in view.table.rows)
    rows = []
    for v in range(view.cell_count):
        for k, label in enumerate(view.labels):
            row = view.row(k, v)
            entry: dict[str, Any] = {"optimizer": label}
            if view.knob is not None:
                entry[view.symbol] = "—" if k in view.lacking else view.value_text(row[view.axis])
            if view.knob2 is not None:
                entry[view.symbol2] = "—" if k in view.lacking2 else view.value_text2(row[view.axis2])
            if view.matched:
                lr = view.lr_used(k, v)
                entry["lr used"] = significant(lr) if lr is not None else "—"
            entry |= {"escape rate": percent(row["escape_rate"]),
                      "95% interval": f"{percent(row['ci_low'])} to {percent(row['ci_high'])}",
                      "escaped": f"{row['escaped']} of {row['runs']}", "diverged": int(row["diverged"])}
            if undefined:
                entry["gradient undefined"] = int(row["undefined"])
            entry |= {"median escape step": significant(row["median_escape_step"]),
                      "mean escape step": significant(row["mean_escape_step"]),
                      "out by step 2": percent(row["out_by_2"])}
            if view.predicted:
                entry["out by step 2 (kick law)"] = percent(row["predicted_out_by_2"])
            entry["out by step 10"] = percent(row["out_by_10"])
            if long_runs:
                entry["out by step 100"] = percent(row["out_by_100"])
            entry |= {"ended in a flatter basin": percent(row["flatter_fraction"]),
                      "ended at a global minimum": percent(row["global_fraction"]),
                      "median final loss": significant(row["final_loss_median"]),
                      "median λmax at the end": significant(row["end_point_sharpness_median"]),
                      "median distance travelled": significant(row["distance_median"]),
                      "steps": int(row["steps"]), "gradient evaluations": int(row["grad_evals"])}
            rows.append(entry)
    return pd.DataFrame(rows)


def labelled_csv(view: EscapeView) -> str:
    """The exact table (SweepTable.to_csv) with each row's human label first."""
    count = len(view.labels)
    rows = tuple({"label": view.sample_label((i % count, i // count)), **row} for i, row in enumerate(view.table.rows))
    return SweepTable(("label", *view.table.columns), rows).to_csv()


def labelled_survival_csv(view: EscapeView) -> str:
    """Every row's survival curve (table.survival, exact) with the row's human label first."""
    count = len(view.labels)
    rows = tuple({"label": view.sample_label((i % count, i // count)), **point}
                 for i, curve in enumerate(view.curves) for point in curve)
    return SweepTable(("label", *view.table.survival.columns), rows).to_csv()


def curve_png(view: EscapeView, measure: str = CELLS.default,
              boundary: dict[int, list[tuple[float, float]]] | None = None) -> bytes:
    """The escape curve as a PNG; with two swept knobs, the phase diagram of `measure` with the kick law's boundary."""
    out = io.BytesIO()
    if view.phase:
        figure = phase_figure(view.table, view.axis, view.axis2, measure,
                              {view.row(k, 0)["optimizer"]: points for k, points in (boundary or {}).items()})
    else:
        figure = escape_curve_figure(view.table, view.axis, labels=view.png_labels(), log=view.log)
    figure.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return out.getvalue()


@compute.cached
def first_starts(surface: Landscape, basin: str, runs: int, seed: int, count: int) -> np.ndarray:
    """The first `count` of the `runs` starts a sweep draws inside `basin` (the same seeded draw: how many are drawn
    decides which come first)."""
    return starts_in_basin(surface, resolve_basin(surface, basin), runs, seed)[:count].copy()


@dataclass(frozen=True)
class SampleRuns:
    """A configuration's first runs as the player draws them, their basin tracks and the landscape's picture."""

    result: RunResult
    tracks: np.ndarray
    picture: Picture


def sample_runs(state: EscapeState, surface: Landscape, method: Optimizer, steps: int, max_work: int) -> SampleRuns:
    """The first runs of a configuration, from the shared cache when shown before (nothing to check then), else the
    whole request checked first: the sweep's starts drawn again, the runs, their basin tracks and the picture."""
    key = (surface.spec, method.spec, state.basin, state.runs, state.seed, steps)
    found = compute.stored("escape samples", key)
    if found is not None:
        return found
    count = min(SAMPLE_RUNS, state.runs)
    every = max(1, -(-steps // compute.RECORDED_POINTS))
    recorded = len(recorded_step_indices(steps, every))
    work.check(work.total([escape_work(surface, method, state.runs, 0, draw_starts=True),
                           work.run_work(surface, method, count, steps, recorded),
                           work.basin_work(surface, count * min(recorded, BASIN_POINTS), "the runs' basin tracks"),
                           work.pixels_work(surface, PICTURE_RESOLUTION**2)]), max_work, work.APP_REQUEST_BYTES)
    starts = tuple(map(tuple, first_starts(surface, state.basin, state.runs, state.seed, count).tolist()))
    return compute.store("escape samples", key, SampleRuns(
        compute.trajectories(surface, method, starts, steps, every).result,
        compute.tracks(surface, method, starts, steps, every), compute.picture(surface)))


def sample_payload(state: EscapeState, view: EscapeView, sample: tuple[int, int], max_work: int) -> dict:
    """The player's payload of one configuration's first runs, in its optimizer's colour, with basin tracks."""
    k, v = sample
    row = view.row(k, v)
    surface = compute.landscape(row["landscape"])
    runs = sample_runs(state, surface, OPTIMIZERS.build(row["optimizer_spec"]), row["steps"], max_work)
    label = view.sample_label(sample)
    basin = basin_names(surface)[resolve_basin(surface, state.basin)]
    note = (f"The first {runs.result.n_runs} of the {state.runs} runs of this configuration: the sweep's own starts, "
            f"drawn inside the {basin}. The status line names the runs that escape; press play.")
    payload = build_payload(surface, {label: runs.result}, runs.picture, basins={label: runs.tracks}, note=note,
                            landscape_label=row["landscape"])
    style = view.styles[k]  # the optimizer's colour among all shown (a second Adam is a shade of the first)
    payload["series"][0] |= {"colour": style.colour, "dash": list(style.dash)}
    return payload


def _choose_sample() -> None:
    """A configuration chosen for the player: rerun the player and the link (which names it), nothing else."""
    st.session_state[CHOICE] = st.session_state[f"{PREFIX}.sample"]
    st.rerun([LINKS_PART, SAMPLE_PART])


@st.fragment(key=SAMPLE_PART)
def sample_player(state: EscapeState, view: EscapeView, max_work: int) -> None:
    """One configuration's first runs in the trajectory player: its own fragment, so choosing another configuration
    reruns only this part and the link (the sweep is not touched)."""
    key = f"{PREFIX}.sample"
    choice = st.session_state.get(CHOICE)  # checked by controls()
    shown = view.shown_sample(choice)
    if choice is not None and not view.has_sample(choice):
        literal.warning(f"The player shows the default configuration: optimizer {choice[0] + 1} at value "
                        f"{choice[1] + 1} is not in this sweep.")
    st.session_state[key] = shown
    chosen = labelled_selectbox("configuration", view.samples(), key, view.sample_label, shown, "configuration",
                                on_change=_choose_sample,
                                help="the optimizer and swept value whose first runs the player shows")
    try:
        payload = sample_payload(state, view, chosen, max_work)
    except SpecError as error:
        literal.error(error)
        return
    player(payload, key=f"{PREFIX}.player")


def _choose_survival() -> None:
    """A swept value chosen for the survival plot: rerun the plot and the link (which names it), nothing else."""
    st.session_state[SURVIVAL_CHOICE] = st.session_state[f"{PREFIX}.survival"]
    st.rerun([LINKS_PART, SURVIVAL_PART])


@st.fragment(key=SURVIVAL_PART)
def survival_plot(view: EscapeView) -> None:
    """The survival curves at one swept value, chosen beside them: its own fragment, so choosing another value
    reruns only this part and the link."""
    key = f"{PREFIX}.survival"
    choice = st.session_state.get(SURVIVAL_CHOICE)  # checked by controls()
    shown = view.shown_cell(choice)
    if choice is not None and choice != shown:
        literal.warning(f"The survival curves show the default value: value {choice + 1} is not in this sweep.")
    if view.cell_count > 1:
        st.session_state[key] = shown
        shown = labelled_selectbox("survival curves at", list(range(view.cell_count)), key, view.cell_label, shown,
                                   "survival curves at", on_change=_choose_survival,
                                   help="the swept value whose runs' escape times the plot shows")
    st.vega_lite_chart(survival_spec(view, shown), key=f"{PREFIX}.survival_curve", width="stretch")


def _choose_measure() -> None:
    """Another measure for the phase diagram's cells: rerun the diagram and the link (which names it), nothing else."""
    st.session_state[CELLS_CHOICE] = st.session_state[f"{PREFIX}.cells"]
    st.rerun([LINKS_PART, PHASE_PART])


@st.fragment(key=PHASE_PART)
def phase_diagram(state: EscapeState, view: EscapeView) -> None:
    """The phase diagram with its measure chosen beside it: its own fragment, so choosing another measure reruns only
    this part and the link."""
    key = f"{PREFIX}.cells"
    shown = st.session_state.get(CELLS_CHOICE) or CELLS.default
    st.session_state[key] = shown
    measure = st.selectbox("cells show", list(CELL_MEASURES), key=key, format_func=CELL_MEASURES.get,
                           on_change=_choose_measure,
                           help="the escape rate, or when runs left: the median escape step (the first checked step "
                                "by which half had left) or the mean (a run still inside counted at the last step)")
    boundary = kick_boundary(view, state.basin)
    with st.container(horizontal=True, gap="medium"):  # a panel per optimizer, wrapping to the next line as needed
        for k, spec in enumerate(phase_specs(view, measure, boundary)):
            st.vega_lite_chart(spec, key=f"{PREFIX}.phase.{k}", width=PANEL_WIDTH, height=PANEL_HEIGHT)
    if boundary:
        literal.caption("Dashed: the kick law's boundary. Above that lr, Adam+CM's held second step (K2 lr per "
                        "coordinate) carries a run from next to the minimum past the basin's nearest edge in two "
                        "steps (experiments.theory.kick_escape_lr).")


def summary(state: EscapeState) -> str:
    surface = compute.landscape(state.landscape_spec)
    index = resolve_basin(surface, state.basin)
    budget = "gradient evaluations each (SAM takes half as many steps)" if state.equalise else "steps each"
    return (f"{state.runs} runs per configuration start inside basin #{index} {minimum_label(surface, index)}, the "
            f"same seeded starts (seed {state.seed}) for every optimizer; {state.steps} {budget}.")


@st.fragment(key=LINKS_PART)
def links(state: EscapeState, view: EscapeView) -> None:
    """The link of what is shown (the settings that ran and the configuration the player shows) and the downloads: a
    fragment, rerun with the player's when another configuration is chosen."""
    measure = st.session_state.get(CELLS_CHOICE) or CELLS.default
    params = replace(state, sample=st.session_state.get(CHOICE), survival=st.session_state.get(SURVIVAL_CHOICE),
                     cells=measure).params()
    url_sync.follow_choice(params)
    with st.container(horizontal=True, gap="small"):
        url_sync.copy_link_control(params)
        st.download_button("table CSV", lambda: labelled_csv(view), "escape-rates.csv", "text/csv",
                           icon=":material/download:", key=f"{PREFIX}.csv", on_click="ignore",
                           help="every column of the sweep with exact floats, each row labelled")
        st.download_button("survival CSV", lambda: labelled_survival_csv(view), "escape-survival.csv", "text/csv",
                           icon=":material/download:", key=f"{PREFIX}.survival_csv", on_click="ignore",
                           help="every configuration's share still in the basin at each checked step, with its "
                                "95% band and the runs at risk, exact floats, each row labelled")
        if view.phase:
            st.download_button("figure PNG", lambda: curve_png(view, measure, kick_boundary(view, state.basin)),
                               "escape-phase.png", "image/png", icon=":material/download:", key=f"{PREFIX}.png",
                               on_click="ignore", help=f"the phase diagram of the {CELL_MEASURES[measure]}, a panel "
                                                       "per optimizer, with the kick law's boundary where it applies")
        else:
            st.download_button("figure PNG", lambda: curve_png(view), "escape-curve.png", "image/png",
                               icon=":material/download:", key=f"{PREFIX}.png", on_click="ignore",
                               help="the escape curve, in the same colours and labels")


def render(settings: Settings) -> None:
    st.title("Escape lab")
    st.caption("Runs start inside one basin; a run escapes when it ends in another basin (a run that diverges never "
               "counts as escaped). Escape rates come with 95% Wilson intervals: error bars, or in a cell's tooltip.")
    shown = url_sync.shown_view(PAGE, *url_sync.synced_state(read_state, put_state, controls),
                                lambda state: compute_view(state, settings.max_work))
    if shown is None:
        return
    state, view = shown
    literal.caption(summary(state))
    links(state, view)
    if view.phase:
        phase_diagram(state, view)
    else:
        st.vega_lite_chart(escape_spec(view), key=f"{PREFIX}.curve", width="stretch")
    st.dataframe(people_table(view), hide_index=True, key=f"{PREFIX}.table",
                 column_config={name: st.column_config.Column(help=text) for name, text in COLUMN_HELP.items()})
    if view.matched:
        literal.caption(f"A row at another optimizer's step ran at the lr whose mean step over the first "
                        f"{EARLY_WINDOW} steps equals that optimizer's, from the same starts (lr used): what is left "
                        "of the difference in escapes is not the longer steps.")
    st.subheader("When runs leave")
    literal.caption("The share of runs still inside their start basin at each step, with its 95% band (Kaplan-Meier: "
                    "a run that diverged leaves the count where it stopped). Membership is checked at steps that "
                    "grow geometrically.")
    survival_plot(view)
    st.subheader("Sample trajectories")
    sample_player(state, view, settings.max_work)
