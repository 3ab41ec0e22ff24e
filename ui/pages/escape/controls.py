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
    AXIS_SUFFIXES,
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
    Axis,
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


def put_state(state: EscapeState) -> None:
    put_landscape(PREFIX, *state.landscape)
    put_slots(PREFIX, state.optimizers)
    for key, value in (("basin", state.basin), ("runs", state.runs), ("steps", state.steps), ("seed", state.seed),
                       ("equalise", state.equalise), ("sample.choice", state.sample),
                       ("survival.choice", state.survival), ("cells.choice", state.cells), ("match", state.match)):
        st.session_state[f"{PREFIX}.{key}"] = value
    for n, suffix in enumerate(AXIS_SUFFIXES):  # an axis not swept: its controls say none
        axis = state.axes[n] if n < len(state.axes) else Axis(NO_AXIS, "")
        st.session_state[f"{PREFIX}.axis{suffix}"] = axis.name
        st.session_state[f"{PREFIX}.values{suffix}"] = axis.values


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
                surface = compute.landscape(LANDSCAPES.format(*landscape))
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
        axes: list[Axis] = []
        for suffix in AXIS_SUFFIXES:  # a second knob is offered once a first is swept: a phase diagram over both
            chosen = axis_control(suffix, [name for name in knobs if name not in {a.name for a in axes}], knobs,
                                  centres, landscape[0], errors)
            if chosen is None:
                break
            axes.append(chosen)
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
    return EscapeState(landscape, basin, tuple(optimizers), tuple(axes), int(numbers["runs"]), int(numbers["steps"]),
                       int(numbers["seed"]), bool(equalise), sample, survival, cells, match), []


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


AXIS_LABELS = {  # an axis's control: its label, its help and what "none" reads as
    "": ("sweep axis", "a landscape parameter or an optimizer hyperparameter", "none: one configuration each"),
    "2": ("second axis (phase diagram)", "sweep a second knob too: every combination runs, shown as a heatmap per "
          "optimizer", "none: one axis")}


def axis_control(suffix: str, offered: list[str], knobs: dict[str, Field], centres: dict[str, Any], landscape: str,
                 errors: list[str]) -> Axis | None:
    """One swept knob's choice and its values (`suffix` "" the first, "2" the second); None when it is none."""
    label, help_text, none_label = AXIS_LABELS[suffix]
    key = f"{PREFIX}.axis{suffix}"
    default = "sharpness" if "sharpness" in offered and not suffix else NO_AXIS
    choices = [NO_AXIS, *offered]
    if held(key, AXIS, label, default) not in choices:  # another landscape's or optimizer's knob, or the first's
        st.session_state[key] = default
        _reset_values(knobs, centres, suffix)
    name = labelled_selectbox(label, choices, key, lambda a: none_label if a == NO_AXIS else axis_label(landscape, a),
                              default, label, on_change=_reset_values, args=(knobs, centres, suffix),
                              help=help_text)
    if name == NO_AXIS:
        return None
    if not held(f"{PREFIX}.values{suffix}", VALUES, f"{name} values"):
        _reset_values(knobs, centres, suffix)
    values = st.text_input(f"{name} values", key=f"{PREFIX}.values{suffix}", help=literal.help_text(knobs[name].help))
    try:
        parse_values(knobs[name], values)
    except SpecError as error:
        errors.append(str(error))
        literal.error(error)
    return Axis(name, values)
