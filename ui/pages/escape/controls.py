"""The Escape lab's sidebar: every control drawn from its schema and checked; the state it describes."""

from __future__ import annotations

from typing import Any

import streamlit as st

from experiments.watch import EARLY_WINDOW
from export.labels import optimizer_labels
from landscapes import LANDSCAPES
from specs import Field, SpecError
from ui import compute, literal
from ui.landscape_picker import landscape_controls, put_landscape
from ui.optimizer_slots import put_slots, slot_controls
from ui.pages.escape.state import (
    AXIS,
    BASIN,
    CELLS,
    CELLS_CHOICE,
    CHOICE,
    DEFAULT_LANDSCAPE,
    EQUALISE,
    MATCH,
    NO_AXIS,
    PREFIX,
    RUNS,
    SEED,
    STEPS,
    SURVIVAL_CHOICE,
    VALUES,
    EscapeState,
    axis_label,
    basin_choices,
    basin_label,
    current_values,
    default_values,
    match_reference,
    match_targets,
    match_unavailable,
    parse_values,
    sweepable_fields,
    values_text,
)
from ui.session_values import held, held_by, labelled_selectbox, optional_index, optional_pair
from ui.url_state import spec_text


def put_state(state: EscapeState) -> None:
    put_landscape(PREFIX, *state.landscape)
    put_slots(PREFIX, state.optimizers)
    for key, value in (("basin", state.basin), ("axis", state.axis), ("values", state.values), ("runs", state.runs),
                       ("steps", state.steps), ("seed", state.seed), ("equalise", state.equalise),
                       ("sample.choice", state.sample), ("survival.choice", state.survival),
                       ("axis2", state.axis2), ("values2", state.values2), ("cells.choice", state.cells),
                       ("match", state.match)):
        st.session_state[f"{PREFIX}.{key}"] = value


def _reset_values(knobs: dict[str, Field], centres: dict[str, Any], which: str = "") -> None:
    """A new axis (`which`: "" the first, "2" the second): its values around the knob's current one, and the
    player and the survival plot back to the sweep's telling value."""
    axis = st.session_state[f"{PREFIX}.axis{which}"]
    st.session_state[CHOICE] = st.session_state[SURVIVAL_CHOICE] = None
    st.session_state[f"{PREFIX}.values{which}"] = (
        values_text(knobs[axis], default_values(knobs[axis], centres.get(axis))) if axis in knobs else "")


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
