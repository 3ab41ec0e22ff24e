"""Basin map: a grid of starts coloured by the basin each optimizer's run ends in, beside the landscape's own basins
(where plain gradient flow goes), with a key naming every colour and the share of starts each basin gets.

Each map is kept in the shared cache under what decides it, so a change recomputes only the maps it touches and a
revisit recomputes none; only the maps not yet computed are counted against the work limit, with a progress bar.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from matplotlib.figure import Figure

from experiments import work
from experiments.basin_map import RESOLUTION, BasinMap, basin_map, flow_map
from experiments.basins import DIVERGED_BASIN, UNDEFINED_BASIN
from export.figures import basin_key, basin_map_figure, draw_basin_map, percent
from export.labels import optimizer_labels
from landscapes import LANDSCAPES, Landscape
from optimizers import OPTIMIZERS
from specs import Field
from ui import compute, literal, url_sync
from ui.code_snippets import basins_code, code_control
from ui.landscape_picker import FIXED, landscape_controls, put_landscape
from ui.optimizer_slots import put_slots, slot_controls, slot_specs
from ui.session_values import held
from ui.settings import Settings
from ui.url_state import UrlReader

PREFIX = "bm"
PAGE = "basins"
DEFAULT_LANDSCAPE = "goldstein_price"
DEFAULT_OPTIMIZERS = ("adam:lr=0.05", "adam_cm:lr=0.05")
GRID = Field("resolution", "int", 40, "grid points along each axis", low=2, high=int(RESOLUTION.high))
STEPS = Field("steps", "int", 300, "steps of every run", low=1, high=1_000_000)
LEFT = Field("left", "bool", False, "mark the starts each optimizer carried out of their own basin")
FLOW_TITLE = ("gradient flow", "the landscape's own basins")
MAP_WIDTH = 300  # pixels: three maps side by side at 1400 px, one per row at 800 px, never squeezed
MAP_INCHES = 2.5  # a map picture's width: shown MAP_WIDTH pixels wide an inch is 120 pixels (7-point text is 12)
PICTURE_DPI = 2 * MAP_WIDTH / MAP_INCHES  # twice the pixels shown: sharp on a high-density screen too
PNG_DPI = 150
LINKS_PART, MAPS_PART = "basins-links", "basins-maps"  # the page's fragments, rerun by key
SWATCH = ('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect x="0.5" y="0.5" width="15" height="15" '
          'fill="{colour}" stroke="#4D4D4D"/></svg>')


@dataclass(frozen=True)
class MapState:
    landscape: tuple[str, dict[str, Any]]
    optimizers: tuple[tuple[str, dict[str, Any]], ...]
    resolution: int
    steps: int
    left: bool = False  # the optimizers' maps wash out the starts that end where gradient flow ends

    @property
    def landscape_spec(self) -> str:
        return LANDSCAPES.format(*self.landscape)

    def params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {"page": PAGE, "landscape": self.landscape_spec,
                                           "optimizer": slot_specs(self.optimizers, {})}
        for field, value in ((GRID, self.resolution), (STEPS, self.steps), (LEFT, self.left)):
            if value != field.default:
                out[field.name] = field.format(value)
        return out


def read_state(reader: UrlReader) -> MapState:
    landscape = reader.spec("landscape", LANDSCAPES, DEFAULT_LANDSCAPE, fixed=FIXED, validate=compute.landscape)
    return MapState(landscape, tuple(reader.specs("optimizer", OPTIMIZERS, DEFAULT_OPTIMIZERS)),
                    reader.field("resolution", GRID), reader.field("steps", STEPS), reader.field("left", LEFT))


def put_state(state: MapState) -> None:
    put_landscape(PREFIX, *state.landscape)
    put_slots(PREFIX, state.optimizers)
    st.session_state[f"{PREFIX}.resolution"] = state.resolution
    st.session_state[f"{PREFIX}.steps"] = state.steps
    st.session_state[f"{PREFIX}.left"] = state.left


def controls() -> tuple[MapState | None, list[str]]:
    with st.sidebar:
        st.subheader("Landscape")
        landscape, errors = landscape_controls(PREFIX, DEFAULT_LANDSCAPE)
        st.subheader("Optimizers")
        optimizers, optimizer_errors = slot_controls(PREFIX)
        errors += optimizer_errors
        st.subheader("Grid")
        numbers = {}
        for field, label in ((GRID, "grid points per axis"), (STEPS, "steps")):
            held(f"{PREFIX}.{field.name}", field, label)
            numbers[field.name] = st.number_input(label, min_value=int(field.low), max_value=int(field.high),
                                                  key=f"{PREFIX}.{field.name}", help=literal.help_text(field.help))
        left = held(f"{PREFIX}.left", LEFT, "mark the starts carried out")
    if errors:
        return None, errors
    return MapState(landscape, tuple(optimizers), int(numbers["resolution"]), int(numbers["steps"]), left), []


@dataclass(frozen=True)
class MapView:
    """The landscape, its maps (the gradient flow's, then one per optimizer) and each map's title (name, detail)."""

    surface: Landscape
    maps: tuple[BasinMap, ...]
    titles: tuple[tuple[str, str], ...]

    def title_lines(self) -> list[str]:
        """Each title on one line: 'Adam+CM (lr=0.05)', 'gradient flow: the landscape's own basins'."""
        return [FLOW_TITLE[0] + ": " + FLOW_TITLE[1], *(f"{name} ({detail})" if detail else name
                                                        for name, detail in self.titles[1:])]


def title_parts(label: str) -> tuple[str, str]:
    """'Adam+CM (C=5, lr=0.05)' -> ('Adam+CM', 'C=5, lr=0.05'): the name, and the settings drawn smaller under it."""
    name, _, detail = label.partition(" (")
    return name, detail.removesuffix(")")


def compute_view(state: MapState, max_work: int) -> MapView:
    """The maps, each from the shared cache when computed before; the ones still missing are checked against the work
    limit together, then computed with a progress bar."""
    surface = compute.landscape(state.landscape_spec)
    specs = slot_specs(state.optimizers, {})
    keys = [("flow", state.landscape_spec, state.resolution),
            *((state.landscape_spec, spec, state.resolution, state.steps) for spec in specs)]
    found: list[BasinMap | None] = [compute.stored("basin_maps", key) for key in keys]
    missing = [i for i, result in enumerate(found) if result is None]
    methods = {i: OPTIMIZERS.build(specs[i - 1]) for i in missing if i > 0}
    work.check(work.total([basin_map.cost(surface, methods[i], state.resolution, state.steps) if i
                           else flow_map.cost(surface, state.resolution) for i in missing]), max_work,
               work.APP_REQUEST_BYTES)
    if missing:
        bar = st.progress(0.0, text="mapping the basins…")
        for number, i in enumerate(missing):
            bar.progress(number / len(missing), text=f"mapping the basins… ({number + 1} of {len(missing)})")
            result = (basin_map(surface, methods[i], state.resolution, state.steps, max_work=None) if i
                      else flow_map(surface, state.resolution, max_work=None))
            found[i] = compute.store("basin_maps", keys[i], result)
        bar.empty()
    labels = optimizer_labels([(name, values) for name, values in state.optimizers])
    return MapView(surface, tuple(found), (FLOW_TITLE, *map(title_parts, labels)))


def map_figure(view: MapView, index: int, left: bool = False) -> Figure:
    """One map drawn as each panel of the PNG download is (export.figures.draw_basin_map: the basin colours, the
    landscape's contour lines, the domain with equal axes, minima as ★ with their values). With `left`, an optimizer's
    map washes out the starts that end in the basin gradient flow takes them to, so the ones it carried out stand
    out."""
    found, flow = view.maps[index], view.maps[0]
    low, high = view.surface.domain.low, view.surface.domain.high
    # as tall as the domain is for its width (the axes are equal), within reason: a thin domain gets white space
    aspect = min(max(float(high[1] - low[1]) / float(high[0] - low[0]), 0.5), 2.0)
    figure = Figure(figsize=(MAP_INCHES, MAP_INCHES * aspect), layout="constrained")
    figure.get_layout_engine().set(w_pad=0.01, h_pad=0.01)  # the map takes the picture; ticks say x and y
    ax = figure.subplots()
    draw_basin_map(ax, found, view.surface, washed=found.basins == flow.basins if left and index > 0 else None)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(labelsize=7, pad=1.5, length=2.5)
    return figure


def map_picture(view: MapView, index: int, left: bool = False) -> bytes:
    """The PNG of `map_figure` the page shows, kept in the shared cache: a revisit or the switch turned back draws
    nothing."""
    found = view.maps[index]
    key = (found.landscape, found.optimizer, found.basins.shape, found.steps, left and index > 0)
    picture = compute.stored("basin map pictures", key)
    if picture is None:
        out = io.BytesIO()
        map_figure(view, index, left).savefig(out, format="png", dpi=PICTURE_DPI, metadata={"Software": None})
        picture = compute.store("basin map pictures", key, out.getvalue())
    return picture


def shown_codes(view: MapView) -> set[int]:
    """The basin codes some map shows (stopped where undefined counted as stopped)."""
    return {DIVERGED_BASIN if code == UNDEFINED_BASIN else int(code) for found in view.maps
            for code in np.unique(found.basins)}


def basin_legend(view: MapView) -> None:
    """The key: each basin's colour and name (every minimum's, and none or stopped when a map shows them), and ★."""
    shown = shown_codes(view)
    with st.container(horizontal=True, gap="medium", key=f"{PREFIX}.key"):
        for code, colour, text in basin_key(view.surface):
            if code >= 0 or code in shown:
                with st.container(horizontal=True, gap="small", width="content", vertical_alignment="center"):
                    st.image(SWATCH.format(colour=colour), width=16)
                    literal.caption(text)
        literal.caption("★ a minimum, with its value f")


def shares_table(view: MapView) -> pd.DataFrame:
    """The share of the grid's starts ending in each basin, per map, as percentages; one column per key entry."""
    rows = []
    for title, found in zip(view.title_lines(), view.maps):
        codes, counts = np.unique(np.where(found.basins == UNDEFINED_BASIN, DIVERGED_BASIN, found.basins),
                                  return_counts=True)
        share = {int(code): int(count) / found.basins.size for code, count in zip(codes, counts)}
        rows.append({"map": title, **{text: percent(share.get(code, 0.0)) for code, _, text in
                                      basin_key(view.surface)}})
    return pd.DataFrame(rows)


def maps_png(view: MapView) -> bytes:
    out = io.BytesIO()
    basin_map_figure(list(view.maps), view.surface, titles=view.title_lines()).savefig(
        out, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return out.getvalue()


def render(settings: Settings) -> None:
    st.title("Basin map")
    st.caption("Every start on a grid, coloured by the basin its run ends in. The first map is the landscape's own "
               "basins: where plain gradient flow from each start goes; a start coloured differently in an optimizer's "
               "map is one that optimizer carried into another basin.")
    shown = url_sync.shown_view(PAGE, *url_sync.synced_state(read_state, put_state, controls),
                                lambda state: compute_view(state, settings.max_work))
    if shown is None:
        return
    state, view = shown
    links(state, view)
    basin_legend(view)
    maps(state, view)
    st.dataframe(shares_table(view), hide_index=True, key=f"{PREFIX}.table")


def marked(state: MapState) -> MapState:
    """The state with the switch as it is now (it may have changed in the maps' fragment since the full run)."""
    return replace(state, left=held(f"{PREFIX}.left", LEFT, "mark the starts carried out"))


@st.fragment(key=LINKS_PART)
def links(state: MapState, view: MapView) -> None:
    """The link of what is shown and the PNG: a fragment, rerun with the maps' when the switch changes."""
    params = marked(state).params()
    url_sync.follow_choice(params)
    with st.container(horizontal=True, gap="small"):
        url_sync.copy_link_control(params)
        code_control(basins_code(state.landscape_spec, slot_specs(state.optimizers, {}), state.resolution,
                                 state.steps))
        st.download_button("figure PNG", lambda: maps_png(view), "basin-maps.png", "image/png",
                           icon=":material/download:", key=f"{PREFIX}.png", on_click="ignore",
                           help="the maps and their key, in the same colours")


@st.fragment(key=MAPS_PART)
def maps(state: MapState, view: MapView) -> None:
    """The maps side by side, and the switch that marks the starts carried out of their basin: a fragment, so the
    switch redraws only the maps and the link."""
    left = st.toggle("mark the starts each optimizer carried out of their own basin", key=f"{PREFIX}.left",
                     on_change=st.rerun, args=([LINKS_PART, MAPS_PART],),
                     help="the other starts are washed out: where gradient flow from a start ends is its own basin")
    with st.container(horizontal=True, gap="small"):
        for index, (name, detail) in enumerate(view.titles):
            with st.container(width=MAP_WIDTH, gap=None):
                literal.bold(name)
                literal.caption(detail)
                st.image(map_picture(view, index, left), width="stretch",
                         alt=f"basin map of {view.title_lines()[index]}")
