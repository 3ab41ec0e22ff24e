"""Explorer: a landscape, any set of optimizers and some starts; the trajectories animate in the browser, with the
losses, a table per run and teaching overlays at the scrubbed step."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from export.gif import trajectory_gif
from export.tables import result_csv, result_json
from export.figures import trajectories_figure
from experiments import work
from experiments.starts import uniform_starts
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from specs import Field, SpecError
from ui import compute, drawing, literal, url_sync
from ui.optimizer_slots import put_slots, slot_controls, slot_specs
from ui.presets import EXPLORER_DEFAULT, preset_starts
from ui.landscape_picker import FIXED, landscape_controls, put_landscape
from ui.settings import Settings
from ui.url_state import UrlReader, format_numbers, format_points, parse_box, parse_points, spec_text, start_bounds

PREFIX = "ex"
SHARED = ("noise", "seed")  # set once for all optimizers: the page's gradient noise and seed
STEPS = Field("steps", "int", EXPLORER_DEFAULT["steps"], "optimizer steps of every run", low=1, high=1_000_000)
RUNS = Field("runs", "int", 20, "how many random starts", low=1, high=1000)
START_MODE = Field("starts", "choice", "preset", "where the runs start", choices=("preset", "random", "points"))
VIEW = Field("view", "choice", "map", "what the main figure shows", choices=("map", "surface"))
OVERLAYS = Field("overlays", "bool", True, "teaching overlays at the scrubbed step")
OVERLAY_RUN = Field("run", "int", 0, "the run the overlays follow", low=0, high=999)
START_LABELS = {"preset": "preset", "random": "N random in a region", "points": "points I choose (or click)"}
VIEW_LABELS = {"map": "contour map (animated)", "surface": "3-D surface"}


def shared_field(name: str) -> Field:
    """The optimizers' own field for a page-wide value (its range and default), from the first that has it."""
    for entry in OPTIMIZERS.entries():
        for field in entry.fields:
            if field.name == name:
                return field
    raise KeyError(name)


@dataclass(frozen=True)
class ExplorerState:
    landscape: tuple[str, dict[str, Any]]
    optimizers: tuple[tuple[str, dict[str, Any]], ...]
    starts: str
    points: tuple[tuple[float, float], ...]
    runs: int
    region: tuple[float, float, float, float] | None
    steps: int
    shared: dict[str, Any]
    view: str
    overlays: bool
    overlay_run: int

    @property
    def landscape_spec(self) -> str:
        return spec_text(LANDSCAPES, *self.landscape)

    def optimizer_specs(self) -> list[str]:
        return slot_specs(self.optimizers, self.shared)

    def params(self) -> dict[str, str | list[str]]:
        """The URL of this state (only what differs from the defaults, beside the landscape and optimizers)."""
        out: dict[str, str | list[str]] = {"page": "explorer", "landscape": self.landscape_spec,
                                           "optimizer": slot_specs(self.optimizers, {})}
        values = {START_MODE: self.starts, STEPS: self.steps, VIEW: self.view, OVERLAYS: self.overlays,
                  OVERLAY_RUN: self.overlay_run, **{shared_field(k): v for k, v in self.shared.items()}}
        out["starts"] = self.starts
        if self.starts == "points":
            out["points"] = format_points(self.points)
        if self.starts == "random":
            out["runs"] = RUNS.format(self.runs)
            if self.region is not None:
                out["region"] = format_numbers(self.region)
        for field, value in values.items():
            if field is not START_MODE and value != field.default:
                out[field.name] = field.format(value)
        return out


def shared_value(reader: UrlReader, name: str, optimizers: list[tuple[str, dict[str, Any]]]) -> Any:
    """A page-wide value from the link: its own parameter, else the first optimizer spec that sets it.

    A spec that sets it to something else gets a notice, since one value holds for every optimizer here.
    """
    field = shared_field(name)
    set_in_specs = [values[name] for _, values in optimizers if values.get(name, field.default) != field.default]
    value = reader.field(name, field) if reader.raw(name) is not None else (set_in_specs or [field.default])[0]
    if any(other != value for other in set_in_specs):
        reader.notices.append(f"The Explorer uses one {name} for every optimizer; the link's optimizers set "
                              f"different ones, so {name}={field.format(value)} is used for all.")
    return value


def read_state(reader: UrlReader) -> ExplorerState:
    landscape = reader.spec("landscape", LANDSCAPES, EXPLORER_DEFAULT["landscape"], fixed=FIXED,
                            validate=compute.landscape)
    optimizers = reader.specs("optimizer", OPTIMIZERS, EXPLORER_DEFAULT["optimizers"])
    shared = {name: shared_value(reader, name, optimizers) for name in SHARED}
    within = start_bounds(compute.landscape(spec_text(LANDSCAPES, *landscape)))
    return ExplorerState(landscape, tuple(optimizers), reader.field("starts", START_MODE),
                         reader.points("points", ((0.0, 0.0),), within), reader.field("runs", RUNS),
                         reader.box("region", within),
                         reader.field("steps", STEPS), shared, reader.field("view", VIEW),
                         reader.field("overlays", OVERLAYS), reader.field("run", OVERLAY_RUN))


def put_state(state: ExplorerState) -> None:
    """Set every Explorer control to `state` (before the controls are drawn)."""
    put_landscape(PREFIX, *state.landscape)
    put_slots(PREFIX, state.optimizers)
    st.session_state[f"{PREFIX}.starts"] = state.starts
    st.session_state[f"{PREFIX}.points"] = format_points(state.points).replace(";", "; ")
    st.session_state[f"{PREFIX}.runs"] = state.runs
    st.session_state[f"{PREFIX}.region"] = format_numbers(state.region) if state.region else ""
    st.session_state[f"{PREFIX}.steps"] = state.steps
    for key, value in state.shared.items():
        field = shared_field(key)
        st.session_state[f"{PREFIX}.{key}"] = float(value) if field.kind == "float" else value
    st.session_state[f"{PREFIX}.view"] = state.view
    st.session_state[f"{PREFIX}.overlays"] = state.overlays
    st.session_state[f"{PREFIX}.run"] = state.overlay_run


def _number(field: Field, label: str, **kwargs: Any) -> Any:
    bounds = {"min_value": field.low, "max_value": field.high} if field.kind == "int" else {
        "min_value": float(field.low), "max_value": float(field.high)}
    return st.number_input(label, key=f"{PREFIX}.{field.name}", help=literal.help_text(field.help), **bounds, **kwargs)


def controls() -> tuple[ExplorerState | None, list[str]]:
    """Draw the Explorer's controls in the sidebar; return the state they describe and any errors."""
    errors: list[str] = []
    side = st.sidebar
    with side:
        st.subheader("Landscape")
        landscape, landscape_errors = landscape_controls(PREFIX, EXPLORER_DEFAULT["landscape"])
        errors += landscape_errors
        st.subheader("Optimizers")
        optimizers, optimizer_errors = slot_controls(PREFIX, shared=SHARED)
        errors += optimizer_errors
        st.subheader("Runs")
        mode = st.radio("starts", START_MODE.choices, key=f"{PREFIX}.starts", format_func=START_LABELS.get,
                        horizontal=True)
        points: tuple[tuple[float, float], ...] = ((0.0, 0.0),)
        region = None
        runs = st.session_state.get(f"{PREFIX}.runs", RUNS.default)
        try:
            within = None if landscape_errors else start_bounds(compute.landscape(spec_text(LANDSCAPES, *landscape)))
        except SpecError as error:  # a formula that does not parse: said once, where the landscape is drawn
            within = None
            errors.append(str(error))
            literal.error(error)
        if mode == "points":
            text = st.text_input("start points x,y; x,y", key=f"{PREFIX}.points",
                                 help="or click on the map to add a start")
            try:
                points = parse_points(text, within)
            except SpecError as error:
                errors.append(str(error))
                literal.error(error)
        if mode == "random":
            runs = _number(RUNS, "random starts", step=1)
            text = st.text_input("region xmin,xmax,ymin,ymax (empty: the whole domain)", key=f"{PREFIX}.region")
            if text.strip():
                try:
                    region = parse_box(text, within)
                except SpecError as error:
                    errors.append(str(error))
                    literal.error(error)
        steps = _number(STEPS, "steps", step=50)
        shared = {}
        for key in SHARED:
            field = shared_field(key)
            label = "gradient noise σ" if key == "noise" else key
            shared[key] = _number(field, label, step=0.05 if field.kind == "float" else 1,
                                  format="%g" if field.kind == "float" else "%d")
    if errors:
        return None, errors
    return ExplorerState(landscape, tuple(optimizers), mode, points, int(runs), region, int(steps), shared,
                         st.session_state.get(f"{PREFIX}.view", VIEW.default),
                         st.session_state.get(f"{PREFIX}.overlays", OVERLAYS.default),
                         int(st.session_state.get(f"{PREFIX}.run", OVERLAY_RUN.default))), []


def start_points(state: ExplorerState, surface) -> np.ndarray:
    """(N, 2) starts of the state: the landscape's presets, explicit points, or seeded uniform draws in a region."""
    if state.starts == "points":
        return np.array(state.points, dtype=np.float64)
    if state.starts == "random":
        low, high = surface.domain.low, surface.domain.high
        if state.region is not None:
            low, high = np.array(state.region[0::2]), np.array(state.region[1::2])
        return uniform_starts(low, high, state.runs, state.shared.get("seed", 0))
    return preset_starts(surface)


def _add_clicked_start() -> None:
    """A click on the map selects an invisible marker: its point joins the starts."""
    event = st.session_state.get(f"{PREFIX}.map")
    points = (event or {}).get("selection", {}).get("points", [])
    clicked = [(float(p["x"]), float(p["y"])) for p in points if "x" in p and "y" in p]
    if not clicked:
        return
    current = [tuple(p) for p in st.session_state.get(f"{PREFIX}._starts_now", [])]
    combined = (current + clicked[-1:])[-50:]
    st.session_state[f"{PREFIX}.points"] = format_points(combined).replace(";", "; ")
    st.session_state[f"{PREFIX}.starts"] = "points"


def _labels(specs: list[str]) -> list[str]:
    labels = []
    for number, spec in enumerate(specs, start=1):
        labels.append(spec if specs.count(spec) == 1 else f"{spec} #{number}")
    return labels


def basin_text(minima, index: int) -> str:
    if index == -2:
        return "— (diverged)"
    if index < 0:
        return "none found"
    minimum = minima[index]
    return f"#{index} {minimum.label or 'local'} (f = {minimum.value:.4g})"


def path_length_help(steps: int) -> str:
    """What the path length column measures: every step, or the points kept for drawing on long runs."""
    every = compute.record_every(steps)
    if every == 1:
        return "length of the whole path, summed step by step"
    return f"length of the path through every {every}th point (the points kept for drawing): shorter than the true path"


def run_table(labels: list[str], drawn: list[compute.DrawnRuns], minima) -> pd.DataFrame:
    rows = []
    for label, runs in zip(labels, drawn):
        result, measured = runs.result, runs.measured
        for i in range(result.n_runs):
            diverged = int(result.stopped_at[i])
            rows.append({"optimizer": label, "run": i,
                         "start": f"({result.starts[i, 0]:.4g}, {result.starts[i, 1]:.4g})",
                         "final loss": float(result.final_losses[i]) if diverged < 0 else np.nan,
                         "basin reached": basin_text(minima, int(measured["basin"][i])),
                         "largest Hessian eigenvalue": float(measured["sharpness"][i]),
                         "path length": float(measured["path_length"][i]),
                         "diverged": f"at step {diverged}" if diverged >= 0 else "no"})
    return pd.DataFrame(rows)


def _trajectories_csv(labels: list[str], results: list) -> str:
    out = io.StringIO()
    for number, (label, result) in enumerate(zip(labels, results)):
        lines = result_csv(result).splitlines()
        if number == 0:
            out.write("optimizer," + lines[0] + "\n")
        out.writelines(f"{label},{line}\n" for line in lines[1:])
    return out.getvalue()


def _figure_png(surface, labels: list[str], results: list) -> bytes:
    out = io.BytesIO()
    trajectories_figure(surface, dict(zip(labels, results))).savefig(out, format="png", dpi=150)
    return out.getvalue()


def _trajectories_json(results: list) -> str:
    return json.dumps([json.loads(result_json(result)) for result in results], indent=1)


def render(settings: Settings) -> None:
    st.title("Explorer")
    state = url_sync.synced_state(read_state, put_state, controls)
    if state is None:
        return
    try:
        surface = compute.landscape(state.landscape_spec)
        starts = start_points(state, surface)
        specs = state.optimizer_specs()
        methods = [OPTIMIZERS.build(spec) for spec in specs]
        evals = [method.grad_evals_per_step for method in methods]
        work.check(work.total([work.run_work(surface, method, len(starts), state.steps, compute.RECORDED_POINTS)
                               for method in methods]), settings.max_work)
        with st.spinner("Running…"):
            key = tuple(map(tuple, starts))
            drawn = [compute.trajectories(state.landscape_spec, spec, key, state.steps, settings.max_work)
                     for spec in specs]
            results = [runs.result for runs in drawn]
            grid = compute.surface_grid(state.landscape_spec)
            minima = surface.minima
    except SpecError as error:
        literal.error(error)
        return
    st.session_state[f"{PREFIX}._starts_now"] = starts.tolist()
    labels = _labels(specs)
    header = st.columns([3, 2, 1.2, 1.3, 1.2, 1.2, 1.2, 1.2], vertical_alignment="bottom")
    with header[0]:
        view = st.radio("view", VIEW.choices, key=f"{PREFIX}.view", format_func=VIEW_LABELS.get, horizontal=True)
    with header[1]:
        overlays = st.toggle("teaching overlays", key=f"{PREFIX}.overlays",
                             help="at the scrubbed step: −∇f, the CM buffer's stored momenta and their aggregate, "
                                  "SAM's ascent point")
    overlay_run = min(state.overlay_run, len(starts) - 1)
    with header[2]:
        if overlays and view == "map" and len(starts) > 1:
            st.number_input("overlays follow run", min_value=0, max_value=OVERLAY_RUN.high, key=f"{PREFIX}.run",
                            help="which run's optimizer state the arrows show")
    with header[3]:
        url_sync.copy_link_control(state.params())
    with header[4]:
        st.download_button("CSV", lambda: _trajectories_csv(labels, results), "trajectories.csv", "text/csv",
                           icon=":material/download:", help="every recorded point of every run", key=f"{PREFIX}.csv")
    with header[5]:
        st.download_button("JSON", lambda: _trajectories_json(results), "trajectories.json", "application/json",
                           icon=":material/download:", key=f"{PREFIX}.json")
    with header[6]:
        st.download_button("PNG", lambda: _figure_png(surface, labels, results), "trajectories.png", "image/png",
                           icon=":material/download:", key=f"{PREFIX}.png", help="the trajectories, one panel each")
    with header[7]:
        st.download_button("GIF", lambda: trajectory_gif(surface, dict(zip(labels, results))), "trajectories.gif",
                           "image/gif", icon=":material/download:", key=f"{PREFIX}.gif",
                           help="the animation (takes a few seconds to draw)")
    series = []
    for index, (label, spec, result) in enumerate(zip(labels, specs, results)):
        teaching = None
        if overlays and view == "map":
            teaching = compute.teaching(state.landscape_spec, spec, tuple(starts[overlay_run]), state.steps)
        series.append(drawing.Series(label, drawing.colour(index), result, teaching, overlay_run))
    if view == "map":
        figure = drawing.trajectory_map(grid, compute.landscape_picture(state.landscape_spec), minima, series,
                                        overlays=overlays)
        st.plotly_chart(drawing.Prepared(figure), key=f"{PREFIX}.map", on_select=_add_clicked_start, selection_mode="points",
                        config={"displaylogo": False, "scrollZoom": True})
        st.caption("Press play, or drag the step slider. Click anywhere on the map to add a start there. "
                   "Arrows are scaled for display: −∇f (black), stored momenta (dotted) and their aggregate (thick), "
                   "SAM's ascent point (orange ✕).")
    else:
        st.plotly_chart(drawing.Prepared(drawing.surface_view(grid, series)), key=f"{PREFIX}.surface")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(drawing.Prepared(drawing.loss_curves(series, "step", grid.log, evals)), key=f"{PREFIX}.loss_steps")
    with right:
        st.plotly_chart(drawing.Prepared(drawing.loss_curves(series, "grad_evals", grid.log, evals)), key=f"{PREFIX}.loss_evals")
    diverged = sum(int(r.stopped.sum()) for r in results)
    if diverged:
        literal.warning(f"{diverged} run(s) diverged: the point stopped being finite or went more than 10 domain widths "
                   "outside the domain. They are frozen where that happened (✕ on the map) and never counted as "
                   "escaped; try a smaller lr.")
    st.subheader("Runs")
    st.dataframe(run_table(labels, drawn, minima), hide_index=True,
                 key=f"{PREFIX}.table",
                 column_config={"final loss": st.column_config.NumberColumn(format="%.6g"),
                                "largest Hessian eigenvalue": st.column_config.NumberColumn(format="%.4g"),
                                "path length": st.column_config.NumberColumn(format="%.4g", help=path_length_help(
                                    state.steps))})
