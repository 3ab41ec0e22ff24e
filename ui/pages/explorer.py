"""Explorer: a landscape, any set of optimizers and some starts. The trajectory player draws and plays them in the
browser (play, scrub, zoom, overlays and hover never come back to the server); a click on the map adds a start.
Below it: a table per run and the downloads.

The player's live controls rerun the runs in the browser; the settings come back (`_live_changed`) into the
controls and the link, and the rerun they cause draws nothing new for the player (`browser_view`): the table and the
downloads wait for the server to run those settings, on request."""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from experiments import work
from experiments.basins import DIVERGED_BASIN, NO_BASIN, UNDEFINED_BASIN
from experiments.run import DIVERGED, STOP_REASONS, as_starts, run
from experiments.starts import uniform_starts
from export.figures import trajectories_figure
from export.gif import trajectory_gif
from export.labels import optimizer_labels
from export.player import build_payload, standalone_html
from export.player.explore import default_follow, exploration_work, points_per_run, record_every
from export.player.live import live_part
from export.player.payload import basin_names
from export.tables import result_csv, result_json
from landscapes import LANDSCAPES, Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import Field, SpecError
from ui import compute, drawing, first_look, literal, url_sync
from ui.code_snippets import code_control, explorer_code
from ui.landscape_picker import FIXED, landscape_controls, put_landscape
from ui.optimizer_slots import put_slots, slot_controls
from ui.player_component import LiveChange, player
from ui.presets import DEMOS, EXPLORER_DEFAULT, Demo, preset_starts
from ui.session_values import held, held_by, labelled_selectbox, optional_pair
from ui.settings import Settings
from ui.url_state import (
    MAX_POINTS,
    UrlReader,
    format_numbers,
    format_points,
    parse_box,
    parse_pair,
    parse_points,
    start_bounds,
)

PREFIX = "ex"
PAGE = "explorer"
SHARED = ("noise", "seed")  # set once for all optimizers: the page's gradient noise and seed
STEPS = Field("steps", "int", 300, "optimizer steps of every run", low=1, high=1_000_000)
RUNS = Field("runs", "int", 20, "how many random starts", low=1, high=1000)
START_MODE = Field("starts", "choice", "preset", "where the runs start", choices=("preset", "random", "points"))
VIEW = Field("view", "choice", "map", "what the main figure shows", choices=("map", "surface"))
FOLLOW = Field("follow", "text", "", "the optimizer and run the overlays follow, as k,r", max_length=20)
ADDED_KEY = f"{PREFIX}.added"  # session state: the starts added by clicks on the map, in order (undo drops the last)
FOLLOW_KEY = f"{PREFIX}.follow"  # session state: (optimizer slot, run) the overlays follow, or None: the default
START_LABELS = {"preset": "preset", "random": "N random in a region", "points": "points I choose (or click)"}
VIEW_LABELS = {"map": "map", "surface": "3-D surface"}
FOLLOW_CHOICES = 20  # runs of each optimizer offered to the overlays


def shared_field(name: str) -> Field:
    """The optimizers' own field for a page-wide value (its range and default), from the first that has it."""
    return next(f for entry in OPTIMIZERS.entries() for f in entry.fields if f.name == name)


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
    view: str = "map"
    follow: tuple[int, int] | None = None  # (optimizer, run) the overlays follow; None: the default
    added: tuple[tuple[float, float], ...] = ()  # starts added by clicks on the map, after the others
    slots: tuple[int, ...] = ()  # the optimizers' slots in the controls (a followed run keeps its slot), not a link's

    def base(self) -> ExplorerState:
        """The state without the starts added by clicks (a demonstration is recognised by it)."""
        return replace(self, added=(), follow=None, view=VIEW.default, slots=())

    @property
    def landscape_spec(self) -> str:
        return LANDSCAPES.format(*self.landscape)

    def methods(self) -> list[Optimizer]:
        """The optimizers, built from their values (no spec string is parsed), with the page-wide values set; built
        once per state (a rerun asks for them several times)."""
        return list(self.built)

    @functools.cached_property
    def built(self) -> tuple[Optimizer, ...]:
        out = []
        for name, values in self.optimizers:
            own = {f.name for f in OPTIMIZERS.entry(name).fields}
            out.append(OPTIMIZERS.build({"name": name, **values, **{k: v for k, v in self.shared.items() if k in own}}))
        return tuple(out)

    def runs_key(self) -> tuple:
        """What decides the runs (not how they are shown)."""
        return (self.landscape_spec, tuple(method.spec for method in self.methods()), self.starts, self.points,
                self.runs, self.region, self.steps, self.added)

    def params(self) -> dict[str, str | list[str]]:
        """The URL of this state (only what differs from the defaults, beside the landscape and optimizers)."""
        out: dict[str, str | list[str]] = {"page": PAGE, "landscape": self.landscape_spec,
                                           "optimizer": [OPTIMIZERS.format(*o) for o in self.optimizers],
                                           "starts": self.starts}
        if self.starts == "points":
            out["points"] = format_points(self.points)
        if self.starts == "random":
            out["runs"] = RUNS.format(self.runs)
            if self.region is not None:
                out["region"] = format_numbers(self.region)
        for field, value in ((STEPS, self.steps), (VIEW, self.view), *((shared_field(k), v)
                                                                        for k, v in self.shared.items())):
            if value != field.default:
                out[field.name] = field.format(value)
        if self.added:
            out["added"] = format_points(self.added)
        if self.follow is not None and self.follow != (default_follow(self.methods()), 0):
            out["follow"] = f"{self.follow[0]},{self.follow[1]}"
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


def parse_follow(text: str) -> tuple[int, int] | None:
    return parse_pair(text, "follow", "the optimizer and the run, k,r")


def read_state(reader: UrlReader) -> ExplorerState:
    defaults = EXPLORER_DEFAULT.params
    if reader.raw("landscape") is None and not reader.params.get("optimizer"):  # a fresh visit: the opening demo
        reader.params = {**{key: [value] if isinstance(value, str) else list(value) for key, value in defaults.items()},
                         **reader.params}
    landscape = reader.spec("landscape", LANDSCAPES, str(defaults["landscape"]), fixed=FIXED,
                            validate=compute.landscape)
    optimizers = reader.specs("optimizer", OPTIMIZERS, list(defaults["optimizer"]))
    shared = {name: shared_value(reader, name, optimizers) for name in SHARED}
    within = start_bounds(compute.landscape(LANDSCAPES.format(*landscape)))
    follow = reader.parsed("follow", FOLLOW, parse_follow, "The overlays follow the default run.")
    if follow is not None and follow[0] >= len(optimizers):
        reader.notices.append(f"The link's follow={follow[0]},{follow[1]} was not used: it names optimizer "
                              f"{follow[0] + 1} of {len(optimizers)}. The overlays follow the default run.")
        follow = None
    return ExplorerState(landscape, tuple(optimizers), reader.field("starts", START_MODE),
                         reader.points("points", ((0.0, 0.0),), within), reader.field("runs", RUNS),
                         reader.box("region", within), reader.field("steps", STEPS), shared,
                         reader.field("view", VIEW), follow, reader.points("added", (), within),
                         tuple(range(len(optimizers))))


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
        st.session_state[f"{PREFIX}.{key}"] = float(value) if shared_field(key).kind == "float" else value
    st.session_state[f"{PREFIX}.view"] = state.view
    st.session_state[FOLLOW_KEY] = state.follow  # put_slots numbers the slots 0, 1, ...: a slot is its position here
    st.session_state[ADDED_KEY] = state.added


def _number(field: Field, label: str, **kwargs: Any) -> Any:
    held(f"{PREFIX}.{field.name}", field, label)
    bounds = {"min_value": field.low, "max_value": field.high} if field.kind == "int" else {
        "min_value": float(field.low), "max_value": float(field.high)}
    return st.number_input(label, key=f"{PREFIX}.{field.name}", help=literal.help_text(field.help), **bounds,
                           **kwargs)


def kept_follow(value: Any, slots: list[int]) -> tuple[int, int] | None:
    """The kept follow choice: None, or (slot, run) with a slot shown and a run number >= 0 (SpecError otherwise)."""
    pair = optional_pair(value)
    if pair is not None and pair[0] not in slots:
        raise SpecError("that optimizer was removed")
    return pair


def kept_points(value: Any, within: tuple[float, float, float, float] | None) -> tuple[tuple[float, float], ...]:
    """The kept added starts: at most MAX_POINTS finite points inside `within` (SpecError otherwise)."""
    if not isinstance(value, (tuple, list)) or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in value):
        raise SpecError("they must be points x,y")
    if not value:
        return ()
    return parse_points(format_points(value), within)


def controls() -> tuple[ExplorerState | None, list[str]]:
    """Draw the Explorer's controls in the sidebar; return the state they describe and any errors (each also shown
    beside its input)."""
    errors: list[str] = []
    with st.sidebar:
        st.subheader("Landscape")
        landscape, landscape_errors = landscape_controls(PREFIX, str(EXPLORER_DEFAULT.params["landscape"]))
        errors += landscape_errors
        within = None
        if not landscape_errors:
            try:
                within = start_bounds(compute.landscape(LANDSCAPES.format(*landscape)))
            except SpecError as error:  # a formula that does not parse: said beside the formula
                errors.append(str(error))
                literal.error(error)
        st.subheader("Optimizers")
        optimizers, optimizer_errors = slot_controls(PREFIX, shared=SHARED)
        errors += optimizer_errors
        st.subheader("Runs")
        mode = held(f"{PREFIX}.starts", START_MODE, "starts")
        mode = st.radio("starts", START_MODE.choices, key=f"{PREFIX}.starts", format_func=START_LABELS.get,
                        horizontal=True)
        points: tuple[tuple[float, float], ...] = ((0.0, 0.0),)
        region = None
        runs = st.session_state.get(f"{PREFIX}.runs", RUNS.default)
        if mode == "points":
            held(f"{PREFIX}.points", Field("points", "text", "0,0", "start points", max_length=2000), "start points")
            text = st.text_input("start points x,y; x,y", key=f"{PREFIX}.points",
                                 help="or click on the map to add a start")
            try:
                points = parse_points(text, within)
            except SpecError as error:
                errors.append(str(error))
                literal.error(error)
        if mode == "random":
            runs = _number(RUNS, "random starts", step=1)
            held(f"{PREFIX}.region", Field("region", "text", "", "region", max_length=2000), "region")
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
                                  format="%.12g" if field.kind == "float" else "%d")
    slots = st.session_state[f"{PREFIX}.slots"]  # checked by slot_controls
    follow = held_by(FOLLOW_KEY, lambda value: kept_follow(value, slots), None, "overlays follow",
                     "the default run")
    added = held_by(ADDED_KEY, lambda value: kept_points(value, within), (), "added starts", "none")
    view = held(f"{PREFIX}.view", VIEW, "view")
    if errors:
        return None, errors
    return ExplorerState(landscape, tuple(optimizers), mode, points, int(runs), region, int(steps), shared, view,
                         None if follow is None else (slots.index(follow[0]), follow[1]), added, tuple(slots)), []


@functools.cache
def demo_runs() -> dict[tuple, Demo]:
    """Each demonstration by the runs it shows (read from its link once per process)."""
    return {read_state(UrlReader(demo.link())).runs_key(): demo for demo in DEMOS}


def demo_of(state: ExplorerState) -> Demo | None:
    """The demonstration whose runs are the ones shown (starts added by clicks aside), if any: its note holds for
    them."""
    return demo_runs().get(state.base().runs_key())


def start_points(state: ExplorerState, surface: Landscape) -> np.ndarray:
    """(N, 2) starts of the state: the landscape's presets, explicit points, or seeded uniform draws in a region;
    then the starts added by clicks."""
    if state.starts == "points":
        chosen = np.array(state.points, dtype=np.float64)
    elif state.starts == "random":
        low, high = surface.domain.low, surface.domain.high
        if state.region is not None:
            low, high = np.array(state.region[0::2]), np.array(state.region[1::2])
        chosen = uniform_starts(low, high, state.runs, state.shared.get("seed", 0))
    else:
        chosen = preset_starts(surface)
    return np.concatenate([chosen, np.array(state.added, dtype=np.float64).reshape(-1, 2)])


@dataclass(frozen=True)
class ExplorerView:
    """What the page draws for a state: the runs (float32, measured in float64), their labels and the payload."""

    surface: Landscape
    methods: list[Optimizer]
    labels: list[str]
    starts: np.ndarray
    drawn: list[compute.DrawnRuns]
    follow: tuple[int, int]
    payload: dict[str, Any]
    notices: tuple[str, ...] = ()  # what the view did instead of what was asked (a followed run not shown)
    by_browser: bool = False  # the player's runs are the ones the browser drew: no runs here, `drawn` is empty


def follow_of(state: ExplorerState, methods: list[Optimizer], runs: int) -> tuple[tuple[int, int], str | None]:
    """The (optimizer, run) the overlays follow, and a notice when the one asked for is not shown (the default is
    followed instead, never a neighbour)."""
    default = (default_follow(methods), 0)
    if state.follow is None:
        return default, None
    k, r = state.follow
    if k < len(methods) and r < runs:
        return (k, r), None
    return default, (f"The overlays follow the default run: optimizer {k + 1}, run {r + 1} is not shown "
                     f"({len(methods)} optimizers, {runs} runs each).")


def compute_view(state: ExplorerState, max_work: int) -> ExplorerView:
    """The runs, the followed run's overlays and the basin tracks (each cached), the whole request checked first."""
    surface = compute.landscape(state.landscape_spec)
    methods = state.methods()
    starts = as_starts(start_points(state, surface), surface.dim)
    follow, follow_notice = follow_of(state, methods, len(starts))
    every = record_every(state.steps, len(starts) * len(methods))
    work.check(exploration_work(surface, methods, starts, state.steps, follow[0], True), max_work,
               work.APP_REQUEST_BYTES)
    key = tuple(map(tuple, starts.tolist()))
    drawn = [compute.trajectories(surface, method, key, state.steps, every) for method in methods]
    labels = optimizer_labels([(method.name, method.params) for method in methods])
    trace = compute.teaching(surface, methods[follow[0]], key[follow[1]], state.steps)
    tracks = {label: compute.tracks(surface, method, key, state.steps, every) for label, method in zip(labels, methods)}
    demo = demo_of(state)
    payload = build_payload(surface, {label: runs.result for label, runs in zip(labels, drawn)},
                            compute.picture(surface), teaching=trace,
                            follow=(labels[follow[0]], follow[1]) if trace is not None else None, basins=tracks,
                            note=" ".join(filter(None, (demo.note if demo else "", added_text(len(state.added))))),
                            title=demo.title if demo else "", landscape_label=state.landscape_spec, open_at_end=True,
                            live=live_part(surface, methods, starts, state.steps,
                                           points_per_run(len(starts) * len(methods)), MAX_POINTS, STEPS.high))
    return ExplorerView(surface, methods, labels, starts, drawn, follow, payload,
                        (follow_notice,) if follow_notice else ())


def added_text(count: int) -> str:
    """What the note says of the starts added by clicks."""
    if not count:
        return ""
    return f"{count} start{'s' if count > 1 else ''} added by clicks (undo: the button below, or Backspace)."


def stopped_warning(view: ExplorerView) -> None:
    """Say how many runs stopped early and why, in words that fit the case (all of them, or some)."""
    stopped = sum(int(runs.result.stopped.sum()) for runs in view.drawn)
    if not stopped:
        return
    total = sum(runs.result.n_runs for runs in view.drawn)
    diverged = sum(int((runs.result.stop_reason == DIVERGED).sum()) for runs in view.drawn)
    undefined = stopped - diverged
    reasons = " and ".join(filter(None, (
        f"{diverged} diverged (a point stopped being finite or went more than 10 domain widths outside the box)"
        if diverged else "", f"{undefined} reached a point where the gradient is undefined" if undefined else "")))
    whole = "Every run stopped early" if stopped == total else f"{stopped} of {total} runs stopped early"
    literal.warning(f"{whole}: {reasons}. Each is marked ✕ where it stopped and is never counted as escaped; the "
                    "loss plots scale to the runs that went on. A smaller lr usually helps.")


def status_text(result, run_index: int) -> str:
    reason = int(result.stop_reason[run_index])
    if not result.stopped[run_index]:
        return "ran every step"
    return f"{STOP_REASONS[reason]} at step {int(result.stopped_at[run_index])}"


def basin_text(names: list[str], index: int) -> str:
    if index == DIVERGED_BASIN:
        return "— (diverged)"
    if index == UNDEFINED_BASIN:
        return "— (gradient undefined)"
    if index == NO_BASIN:
        return "no listed minimum"
    return names[index]


def run_table(view: ExplorerView) -> pd.DataFrame:
    names = basin_names(view.surface)
    rows = []
    for label, runs in zip(view.labels, view.drawn):
        result, measured = runs.result, runs.measured
        for i in range(result.n_runs):
            ran = not result.stopped[i]
            rows.append({"optimizer": label, "run": i + 1,
                         "start": f"({view.starts[i, 0]:.4g}, {view.starts[i, 1]:.4g})",
                         "final loss": float(result.final_losses[i]) if ran else None,
                         "basin reached": basin_text(names, int(measured["basin"][i])),
                         "largest Hessian eigenvalue": float(measured["sharpness"][i]) if ran else None,
                         "path length": float(measured["path_length"][i]) if ran else None,
                         "status": status_text(result, i)})
    return pd.DataFrame(rows)


def full_results(view: ExplorerView, steps: int) -> list:
    """The runs again in float64, every step (for the CSV and JSON downloads, computed when asked for)."""
    return [run(view.surface, method, view.starts, steps, max_work=None) for method in view.methods]


def _trajectories_csv(view: ExplorerView, steps: int) -> str:
    out = io.StringIO()
    for number, (label, result) in enumerate(zip(view.labels, full_results(view, steps))):
        lines = result_csv(result).splitlines()
        if number == 0:
            out.write("optimizer," + lines[0] + "\n")
        out.writelines(f"\"{label}\",{line}\n" for line in lines[1:])
    return out.getvalue()


def _trajectories_json(view: ExplorerView, steps: int) -> str:
    return json.dumps([{"label": label, **json.loads(result_json(result))}
                       for label, result in zip(view.labels, full_results(view, steps))], indent=1)


def _figure_png(view: ExplorerView) -> bytes:
    out = io.BytesIO()
    results = {label: runs.result for label, runs in zip(view.labels, view.drawn)}
    trajectories_figure(view.surface, results).savefig(out, format="png", dpi=150, metadata={"Software": None})
    return out.getvalue()


def _gif(view: ExplorerView) -> bytes:
    return trajectory_gif(view.surface, {label: runs.result for label, runs in zip(view.labels, view.drawn)})


def follow_choices(state: ExplorerState, view: ExplorerView) -> list[tuple[int, int]]:
    """(slot, run) of every run the overlays can follow: the first FOLLOW_CHOICES of each optimizer, and the one
    followed."""
    runs = len(view.starts)
    choices = [(k, r) for k in range(len(view.methods)) for r in range(min(runs, FOLLOW_CHOICES))]
    if view.follow not in choices:
        choices.append(view.follow)
    return [(state.slots[k], r) for k, r in choices]


_ADD_REFUSED = "_ex.add_refused"  # session state: a click was refused (the added starts are full)


def _add_clicked_start(x: float, y: float) -> None:
    """A click on the map adds a start there, after the ones shown (the player rounds it to the view's resolution);
    runs before the rerun the click causes. At MAX_POINTS added starts a click is refused with a notice."""
    added = tuple(st.session_state.get(ADDED_KEY) or ())
    if len(added) >= MAX_POINTS:
        st.session_state[_ADD_REFUSED] = True
        return
    st.session_state[ADDED_KEY] = (*added, (x, y))


def _undo_added_start() -> None:
    """Remove the start added last (the undo button, or Backspace on the player)."""
    added = tuple(st.session_state.get(ADDED_KEY) or ())
    st.session_state[ADDED_KEY] = added[:-1]


def downloads(view: ExplorerView, state: ExplorerState) -> None:
    """Every export of this view, each made only when its button is pressed (the link and the code alone when the
    runs are the browser's)."""
    items = [("CSV", lambda: _trajectories_csv(view, state.steps), "trajectories.csv", "text/csv",
              "every step of every run, exact floats"),
             ("JSON", lambda: _trajectories_json(view, state.steps), "trajectories.json", "application/json",
              "every step of every run, with where and why a run stopped"),
             ("PNG", lambda: _figure_png(view), "trajectories.png", "image/png", "one panel per optimizer"),
             ("GIF", lambda: _gif(view), "trajectories.gif", "image/gif", "the animation (a few seconds to draw)"),
             ("HTML", lambda: standalone_html(view.payload), "trajectories.html", "text/html",
              "this player as one file: plays offline, for slides and course pages")]
    with st.container(horizontal=True, gap="small"):  # buttons as wide as their words, wrapping on a narrow page
        url_sync.copy_link_control(state.params())
        code_control(explorer_code(state.landscape_spec, [method.spec for method in view.methods], view.starts,
                                   state.steps))
        for label, data, name, mime, help_text in items if not view.by_browser else ():
            st.download_button(label, data, name, mime, key=f"{PREFIX}.download.{label}", help=help_text,
                               icon=":material/download:", on_click="ignore", width="content")


DRAWN_BY_BROWSER = f"{PREFIX}.drawn_by_browser"  # session state: the state (slots aside) whose runs the player drew
PLAYER_PAYLOAD = f"{PREFIX}.player_payload"  # session state: the payload the player was last given


def live_state(state: ExplorerState, change: LiveChange) -> ExplorerState:
    """The state the player's live controls describe: the state shown with their knobs, steps and starts. Starts
    added after the ones shown stay added starts (undo takes them back); moved starts become points."""
    optimizers = tuple((name, {**values, **changed}) for (name, values), (_, changed) in
                       zip(state.optimizers, change.optimizers))
    shown = tuple(map(tuple, start_points(state, compute.landscape(state.landscape_spec)).tolist()))
    chosen = shown[:len(shown) - len(state.added)]
    starts: dict[str, Any] = {}
    if change.starts != shown:
        if change.starts[:len(chosen)] == chosen and len(change.starts) - len(chosen) <= MAX_POINTS:
            starts = {"added": change.starts[len(chosen):]}
        else:
            starts = {"starts": "points", "points": change.starts, "added": ()}
    return replace(state, optimizers=optimizers, steps=change.steps, **starts)


def _live_changed(state: ExplorerState, change: LiveChange) -> None:
    """Settings changed in the player (before the rerun they cause): the controls, and so the link, take them; when
    the browser has drawn their runs, that rerun draws nothing new for the player (`browser_view`)."""
    changed = live_state(state, change)
    put_state(changed)
    if change.drawn:
        st.session_state[DRAWN_BY_BROWSER] = replace(changed, slots=())


def browser_view(state: ExplorerState) -> ExplorerView | None:
    """The view of a state whose runs the player has just drawn (the rerun its change caused): the payload it was last
    given, marked page_runs (the player keeps its own runs over it), and no runs here. None for any other state, and
    on any later rerun."""
    drawn = st.session_state.pop(DRAWN_BY_BROWSER, None)
    payload = st.session_state.get(PLAYER_PAYLOAD)
    if drawn is None or payload is None or state.view != "map" or replace(state, slots=()) != drawn:
        return None
    surface = compute.landscape(state.landscape_spec)
    methods = list(state.methods())
    starts = as_starts(start_points(state, surface), surface.dim)
    labels = optimizer_labels([(method.name, method.params) for method in methods])
    # marked, so that it differs from the payload a later server rerun sends for these same runs (after an undo back to
    # them): the player keeps its own runs over this one only
    return ExplorerView(surface, methods, labels, starts, [], follow_of(state, methods, len(starts))[0],
                        {**payload, "page_runs": True}, by_browser=True)


@st.fragment
def surface_view(view: ExplorerView) -> None:
    """The landscape in 3-D with the whole paths lifted just above it (its own part: rotating it reruns nothing)."""
    grid = compute.surface_grid(view.surface.spec)
    series = [drawing.Series(label, style.colour, runs.result) for label, runs, style in
              zip(view.labels, view.drawn, drawing.styles(view.drawn))]
    st.plotly_chart(drawing.Prepared(drawing.surface_view(grid, series)), key=f"{PREFIX}.surface",
                    config={"displaylogo": False})
    literal.caption("The 3-D view shows the whole paths and does not play; back on the map, the player is where you "
                    "left it.")


def view_choices(state: ExplorerState, view: ExplorerView) -> None:
    """What the main figure shows (map or 3-D surface) and the run the overlays follow."""
    row = st.columns([1, 1], vertical_alignment="bottom")
    with row[0]:
        st.segmented_control("view", VIEW.choices, key=f"{PREFIX}.view", format_func=VIEW_LABELS.get,
                             required=True, label_visibility="collapsed")
    with row[1]:
        choices = follow_choices(state, view)
        followed = (state.slots[view.follow[0]], view.follow[1])
        if st.session_state.get(FOLLOW_KEY) not in choices:  # the default, or a run the view said it cannot follow
            st.session_state[FOLLOW_KEY] = followed
        labelled_selectbox("overlays follow", choices, FOLLOW_KEY,
                           lambda sr: f"{view.labels[state.slots.index(sr[0])]}, run {sr[1] + 1}", followed,
                           "overlays follow",
                           help="the run whose gradient, stored momenta, aggregate and ascent point the map shows")


def render(settings: Settings) -> None:
    st.title("Explorer")
    figure_first = first_look.figure_first()
    shown = url_sync.shown_view(PAGE, *url_sync.synced_state(read_state, put_state, controls, figure_first),
                                lambda state: browser_view(state) or compute_view(state, settings.max_work))
    if figure_first and (shown is None or shown[0].view != "map"):
        first_look.no_figure()
    if shown is None:
        return
    state, view = shown
    for notice in view.notices:
        literal.warning(notice)
    if state.view == "map":
        events = player(view.payload, key=f"{PREFIX}.player", on_click=_add_clicked_start,
                        on_undo=_undo_added_start, on_live=functools.partial(_live_changed, state),
                        report_shown=figure_first)
        st.session_state[PLAYER_PAYLOAD] = view.payload
        if figure_first:
            first_look.wait_for_figure()
            return
        if events.ignored_live:
            literal.info("Settings from the player that this page does not offer were ignored.")
        if events.ignored_click:
            literal.info("A click the map could not place (outside the landscape's box, or not a number) was ignored.")
        if st.session_state.pop(_ADD_REFUSED, False):
            literal.warning(f"A click adds at most {MAX_POINTS} starts: undo one before adding another.")
        if state.added:
            st.button(f"undo the last added start ({len(state.added)} added)", icon=":material/undo:",
                      key=f"{PREFIX}.undo", on_click=_undo_added_start,
                      help="removes the start added last by a click on the map (Backspace on the player does too)")
    else:
        surface_view(view)
    view_choices(state, view)
    downloads(view, state)
    if view.by_browser:
        literal.info("The player shows runs your browser computed for these settings (the link names them). The "
                     "table of runs, the downloads, the teaching overlays and the basin lanes come from the server's "
                     "runs.")
        st.button("run these settings on the server", icon=":material/dns:", key=f"{PREFIX}.serve",
                  help="the server runs them, as after any other change, and the table, the downloads, the overlays "
                       "and the basin lanes follow")
        return
    stopped_warning(view)
    # In a popover, which the browser draws only when it is opened: drawn eagerly, the table's code (1.2 MB) held the
    # player's first draw back by 0.4 s.
    with st.popover(f"table of runs ({len(view.starts) * len(view.methods)})", icon=":material/table:",
                    width="stretch"):
        st.dataframe(run_table(view), hide_index=True, key=f"{PREFIX}.table",
                     column_config={"final loss": st.column_config.NumberColumn(format="%.4g"),
                                    "largest Hessian eigenvalue": st.column_config.NumberColumn(format="%.4g"),
                                    "path length": st.column_config.NumberColumn(
                                        format="%.4g",
                                        help="through the recorded points (every step up to 1,000 steps)")})
