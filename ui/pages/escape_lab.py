"""Escape lab: how often each optimizer leaves a basin, swept over one knob, with 95% confidence bands; one
configuration's sample trajectories on the landscape."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from experiments.escape import resolve_basin, starts_in_basin
from export.figures import escape_curve_figure
from experiments.sweep import SweepTable, sweep
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from specs import Field, SpecError
from experiments import work
from export import palette
from export.player import build_payload
from ui import compute, drawing, literal, url_sync
from ui.player_component import player
from ui.landscape_picker import FIXED, landscape_controls, put_landscape
from ui.optimizer_slots import put_slots, slot_controls, slot_specs
from ui.settings import Settings
from ui.url_state import UrlReader, spec_text

PREFIX = "es"
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
VALUES = Field("values", "text", "", "the swept values, comma-separated", max_length=400)
SAMPLE_RUNS = 12
PNG_DPI = 150


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

    @property
    def landscape_spec(self) -> str:
        return spec_text(LANDSCAPES, *self.landscape)

    def params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {"page": "escape", "landscape": self.landscape_spec, "basin": self.basin,
                                           "optimizer": slot_specs(self.optimizers, {}), "axis": self.axis}
        if self.axis != NO_AXIS:
            out["values"] = self.values
        for field, value in ((RUNS, self.runs), (STEPS, self.steps), (SEED, self.seed), (EQUALISE, self.equalise)):
            if value != field.default:
                out[field.name] = field.format(value)
        return out


def read_state(reader: UrlReader) -> EscapeState:
    landscape = reader.spec("landscape", LANDSCAPES, DEFAULT_LANDSCAPE, fixed=FIXED, validate=compute.landscape)
    optimizers = reader.specs("optimizer", OPTIMIZERS, DEFAULT_OPTIMIZERS)
    basin = reader.field("basin", BASIN)
    try:
        resolve_basin(compute.landscape(spec_text(LANDSCAPES, *landscape)), basin)
    except SpecError as error:
        reader.notices.append(f"The link's basin={basin!r} was not used: {error}. Using the sharpest basin.")
        basin = "sharpest"
    knobs = sweepable_fields(landscape[0], [name for name, _ in optimizers])
    axis = reader.field("axis", AXIS)
    if axis != NO_AXIS and axis not in knobs:
        default = "sharpness" if "sharpness" in knobs else NO_AXIS
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
    return EscapeState(landscape, basin, tuple(optimizers), axis, values or "", reader.field("runs", RUNS),
                       reader.field("steps", STEPS), reader.field("seed", SEED), reader.field("equalise", EQUALISE))


def put_state(state: EscapeState) -> None:
    put_landscape(PREFIX, *state.landscape)
    put_slots(PREFIX, state.optimizers)
    for key, value in (("basin", state.basin), ("axis", state.axis), ("values", state.values), ("runs", state.runs),
                       ("steps", state.steps), ("seed", state.seed), ("equalise", state.equalise)):
        st.session_state[f"{PREFIX}.{key}"] = value


def current_values(landscape: tuple[str, dict[str, Any]], optimizers: list[tuple[str, dict[str, Any]]]) -> dict:
    """The value each knob has now: the landscape's, else the first optimizer's that has it."""
    found: dict[str, Any] = {}
    for _, values in [*optimizers[::-1], landscape]:
        found.update(values)
    return found


def _reset_values(knobs: dict[str, Field], centres: dict[str, Any]) -> None:
    axis = st.session_state[f"{PREFIX}.axis"]
    st.session_state[f"{PREFIX}.values"] = (values_text(knobs[axis], default_values(knobs[axis], centres.get(axis)))
                                            if axis in knobs else "")


def basin_choices(surface) -> list[str]:
    labels = sorted({m.label for m in surface.minima if m.label})
    return [*labels, "sharpest", *[str(i) for i in range(len(surface.minima))]]


def _basin_label(surface, choice: str) -> str:
    if choice.isdigit():
        minimum = surface.minima[int(choice)]
        return f"#{choice} {minimum.label or 'local'}: f = {minimum.value:.4g}, sharpness {minimum.sharpness:.3g}"
    return choice


def controls() -> tuple[EscapeState | None, list[str]]:
    errors: list[str] = []
    with st.sidebar:
        st.subheader("Landscape and basin")
        landscape, landscape_errors = landscape_controls(PREFIX, DEFAULT_LANDSCAPE)
        errors += landscape_errors
        if landscape_errors:
            return None, errors
        try:
            surface = compute.landscape(spec_text(LANDSCAPES, *landscape))
        except SpecError as error:
            literal.error(error)
            return None, [str(error)]
        choices = basin_choices(surface)
        if not surface.minima:
            literal.error(f"{surface.spec} has no known minima to start in")
            return None, ["no known minima"]
        if st.session_state.get(f"{PREFIX}.basin") not in choices:
            st.session_state[f"{PREFIX}.basin"] = "sharp" if "sharp" in choices else "sharpest"
        basin = st.selectbox("start in basin", choices, key=f"{PREFIX}.basin",
                             format_func=lambda c: _basin_label(surface, c))
        st.subheader("Optimizers")
        optimizers, optimizer_errors = slot_controls(PREFIX)
        errors += optimizer_errors
        st.subheader("Sweep")
        knobs = sweepable_fields(landscape[0], [name for name, _ in optimizers])
        centres = current_values(landscape, optimizers)
        axes = [NO_AXIS, *knobs]
        if st.session_state.get(f"{PREFIX}.axis") not in axes:
            st.session_state[f"{PREFIX}.axis"] = "sharpness" if "sharpness" in knobs else NO_AXIS
            _reset_values(knobs, centres)
        axis = st.selectbox("sweep axis", axes, key=f"{PREFIX}.axis", on_change=_reset_values, args=(knobs, centres),
                            help="a landscape parameter or an optimizer hyperparameter")
        values = ""
        if axis != NO_AXIS:
            if not st.session_state.get(f"{PREFIX}.values"):
                _reset_values(knobs, centres)
            values = st.text_input(f"{axis} values", key=f"{PREFIX}.values", help=literal.help_text(knobs[axis].help))
            try:
                parse_values(knobs[axis], values)
            except SpecError as error:
                errors.append(str(error))
                literal.error(error)
        numbers = {}
        for field in (RUNS, STEPS, SEED):
            st.session_state.setdefault(f"{PREFIX}.{field.name}", field.default)
            numbers[field.name] = st.number_input(field.name, min_value=int(field.low), max_value=int(field.high),
                                                  key=f"{PREFIX}.{field.name}", help=literal.help_text(field.help))
        st.session_state.setdefault(f"{PREFIX}.equalise", EQUALISE.default)
        equalise = st.checkbox("equal gradient evaluations", key=f"{PREFIX}.equalise", help=literal.help_text(EQUALISE.help))
    if errors:
        return None, errors
    return EscapeState(landscape, basin, tuple(optimizers), axis, values, int(numbers["runs"]), int(numbers["steps"]),
                       int(numbers["seed"]), bool(equalise)), []


def cached_sweep(landscape: str, optimizers: tuple[str, ...], axis: str | None, values: tuple, runs: int, steps: int,
                 seed: int, basin: str, equalise: bool, max_work: int) -> SweepTable:
    """The sweep, from the store when this exact one has run before, else run with a progress bar."""
    key = (landscape, optimizers, axis, values, runs, steps, seed, basin, equalise, max_work)
    table = compute.stored("sweeps", key)
    if table is None:
        bar = st.progress(0.0, text="running the sweep…")
        table = sweep(landscape, list(optimizers), axis, list(values) if axis else None, runs=runs, steps=steps,
                      seed=seed, basin=basin, equalise_grad_evals=equalise, max_work=max_work,
                      progress=lambda done: bar.progress(min(max(done, 0.0), 1.0), text="running the sweep…"))
        bar.empty()
        compute.store("sweeps", key, table)
    return table


def escape_figure(table: SweepTable, axis: str | None, log_axis: bool) -> dict:
    """Escape rate with its 95% band against the swept value, one colour per optimizer (bars without an axis)."""
    traces = []
    names = list(dict.fromkeys(row["optimizer"] for row in table.rows))
    colours = [style.colour for style in palette.styles_for([palette.kind_of(name) for name in names])]
    for index, name in enumerate(names):
        rows = [row for row in table.rows if row["optimizer"] == name]
        colour = colours[index]
        rate = [row["escape_rate"] for row in rows]
        low = [row["escape_rate"] - row["ci_low"] for row in rows]
        high = [row["ci_high"] - row["escape_rate"] for row in rows]
        if axis is None:
            traces.append({"type": "bar", "name": name, "x": [name], "y": rate, "marker": {"color": colour},
                           "error_y": {"type": "data", "symmetric": False, "array": high, "arrayminus": low}})
            continue
        x = [row[axis] if not isinstance(row[axis], bool) else str(row[axis]) for row in rows]
        band_x = x + x[::-1]
        band_y = [row["ci_high"] for row in rows] + [row["ci_low"] for row in rows][::-1]
        traces.append({"type": "scatter", "x": band_x, "y": band_y, "fill": "toself", "line": {"width": 0},
                       "fillcolor": colour, "opacity": 0.18, "hoverinfo": "skip", "showlegend": False,
                       "legendgroup": name})
        traces.append({"type": "scatter", "mode": "lines+markers", "name": name, "x": x, "y": rate,
                       "line": {"color": colour, "width": 2.5}, "legendgroup": name,
                       "hovertemplate": f"{name}<br>{axis} = %{{x}}<br>escape rate %{{y:.3f}}<extra></extra>"})
    return {"data": traces, "layout": {"height": 420, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
                                       "yaxis": {"title": {"text": "escape rate (95% Wilson band)"}, "range": [0, 1.02]},
                                       "xaxis": {"title": {"text": axis or "optimizer"},
                                                 "type": "log" if log_axis else "-"},
                                       "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"}}}


def _row_label(row: dict, axis: str | None) -> str:
    return f"{row['optimizer']}" + (f" at {axis} = {row[axis]}" if axis else "")


def computed_sweep(state: EscapeState, settings: Settings) -> SweepTable:
    knobs = sweepable_fields(state.landscape[0], [name for name, _ in state.optimizers])
    axis = None if state.axis == NO_AXIS else state.axis
    values = tuple(parse_values(knobs[axis], state.values)) if axis else ()
    return cached_sweep(state.landscape_spec, tuple(slot_specs(state.optimizers, {})), axis, values, state.runs,
                        state.steps, state.seed, state.basin, state.equalise, settings.max_work)


def render(settings: Settings) -> None:
    st.title("Escape lab")
    st.caption("Runs start inside one basin; a run escapes when it ends in another basin (a diverged run never "
               "counts as escaped). Bands are 95% Wilson intervals.")
    shown = url_sync.shown_view("escape", *url_sync.synced_state(read_state, put_state, controls),
                                lambda state: computed_sweep(state, settings))
    if shown is None:
        return
    state, table = shown
    knobs = sweepable_fields(state.landscape[0], [name for name, _ in state.optimizers])
    axis = None if state.axis == NO_AXIS else state.axis
    values = tuple(parse_values(knobs[axis], state.values)) if axis else ()
    header = st.columns([1, 1, 1, 3], vertical_alignment="bottom")
    with header[0]:
        url_sync.copy_link_control(state.params())
    with header[1]:
        st.download_button("table CSV", table.to_csv, "escape.csv", "text/csv", icon=":material/download:",
                           key=f"{PREFIX}.csv")
    with header[2]:
        st.download_button("figure PNG", lambda: _png(table, axis), "escape.png", "image/png",
                           icon=":material/download:", key=f"{PREFIX}.png")
    log_axis = bool(axis and knobs[axis].log and all(isinstance(v, (int, float)) and v > 0 for v in values))
    st.plotly_chart(drawing.Prepared(escape_figure(table, axis, log_axis)), key=f"{PREFIX}.curve")
    shown = [c for c in table.columns if c not in ("landscape", "optimizer_spec")]
    st.dataframe(pd.DataFrame([{c: row[c] for c in shown} for row in table.rows]), hide_index=True,
                 key=f"{PREFIX}.table")
    st.subheader("Sample trajectories")
    labels = [_row_label(row, axis) for row in table.rows]
    chosen = st.selectbox("configuration", range(len(labels)), format_func=labels.__getitem__, key=f"{PREFIX}.sample")
    row = table.rows[min(chosen or 0, len(labels) - 1)]
    try:
        surface = compute.landscape(row["landscape"])
        starts = starts_in_basin(surface, resolve_basin(surface, state.basin), min(SAMPLE_RUNS, state.runs),
                                 state.seed)
        method = OPTIMIZERS.build(row["optimizer_spec"])
        work.check(work.run_work(surface, method, len(starts), row["steps"], row["steps"] + 1), settings.max_work)
        key = tuple(map(tuple, starts.tolist()))
        every = max(1, -(-row["steps"] // compute.RECORDED_POINTS))
        result = compute.trajectories(surface, method, key, row["steps"], every).result
        tracks = compute.tracks(surface, method, key, row["steps"], every)
    except SpecError as error:
        literal.error(error)
        return
    label = labels[chosen or 0]
    player(build_payload(surface, {label: result}, compute.picture(surface), basins={label: tracks}),
           key=f"{PREFIX}.player")
    literal.caption(f"The first {len(starts)} starts of this configuration, drawn inside the basin; press play.")


def _png(table: SweepTable, axis: str | None) -> bytes:
    out = io.BytesIO()
    escape_curve_figure(table, axis).savefig(out, format="png", dpi=PNG_DPI)
    return out.getvalue()
