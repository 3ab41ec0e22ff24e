"""Basin map: a grid of starts coloured by the basin each optimizer ends in, optimizers side by side, next to the
landscape's own basins (where plain gradient flow goes)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from experiments.basin_map import RESOLUTION, BasinMap, basin_map, flow_map
from experiments import work
from experiments.basin_map import basin_map_work
from export.figures import basin_map_figure
from export.palette import BASIN_COLOURS, DIVERGED_COLOUR, UNASSIGNED_COLOUR as UNASSIGNED
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from specs import Field, SpecError
from ui import compute, drawing, literal, url_sync
from ui.landscape_picker import FIXED, landscape_controls, put_landscape
from ui.optimizer_slots import put_slots, slot_controls, slot_specs
from ui.settings import Settings
from ui.url_state import UrlReader, spec_text

PREFIX = "bm"
DEFAULT_LANDSCAPE = "goldstein_price"
DEFAULT_OPTIMIZERS = ("adam:lr=0.05", "adam_cm:lr=0.05")
GRID = Field("resolution", "int", 40, "grid points along each axis", low=2, high=int(RESOLUTION.high))
STEPS = Field("steps", "int", 300, "steps of every run", low=1, high=1_000_000)
PNG_DPI = 150


@dataclass(frozen=True)
class MapState:
    landscape: tuple[str, dict[str, Any]]
    optimizers: tuple[tuple[str, dict[str, Any]], ...]
    resolution: int
    steps: int

    @property
    def landscape_spec(self) -> str:
        return spec_text(LANDSCAPES, *self.landscape)

    def params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {"page": "basins", "landscape": self.landscape_spec,
                                           "optimizer": slot_specs(self.optimizers, {})}
        for field, value in ((GRID, self.resolution), (STEPS, self.steps)):
            if value != field.default:
                out[field.name] = field.format(value)
        return out


def read_state(reader: UrlReader) -> MapState:
    landscape = reader.spec("landscape", LANDSCAPES, DEFAULT_LANDSCAPE, fixed=FIXED, validate=compute.landscape)
    return MapState(landscape, tuple(reader.specs("optimizer", OPTIMIZERS, DEFAULT_OPTIMIZERS)),
                    reader.field("resolution", GRID), reader.field("steps", STEPS))


def put_state(state: MapState) -> None:
    put_landscape(PREFIX, *state.landscape)
    put_slots(PREFIX, state.optimizers)
    st.session_state[f"{PREFIX}.resolution"] = state.resolution
    st.session_state[f"{PREFIX}.steps"] = state.steps


def controls() -> tuple[MapState | None, list[str]]:
    with st.sidebar:
        st.subheader("Landscape")
        landscape, errors = landscape_controls(PREFIX, DEFAULT_LANDSCAPE)
        st.subheader("Optimizers")
        optimizers, optimizer_errors = slot_controls(PREFIX)
        errors += optimizer_errors
        st.subheader("Grid")
        numbers = {}
        for field in (GRID, STEPS):
            st.session_state.setdefault(f"{PREFIX}.{field.name}", field.default)
            numbers[field.name] = st.number_input(field.name, min_value=int(field.low), max_value=int(field.high),
                                                  key=f"{PREFIX}.{field.name}", help=literal.help_text(field.help))
    if errors:
        return None, errors
    return MapState(landscape, tuple(optimizers), int(numbers["resolution"]), int(numbers["steps"])), []


def maps_with_progress(landscape: str, specs: list[str], resolution: int, steps: int,
                       max_work: int) -> list[BasinMap]:
    """The landscape's own basins and one map per optimizer, from the store when computed before."""
    found: list[BasinMap] = []
    bar = None
    keys = [("flow", landscape, resolution)] + [(landscape, spec, resolution, steps, max_work) for spec in specs]
    for number, key in enumerate(keys):
        result = compute.stored("basin_maps", key)
        if result is None:
            if bar is None:
                bar = st.progress(0.0, text="mapping the basins…")
            bar.progress(number / len(keys), text=f"mapping the basins… ({number + 1} of {len(keys)})")
            result = (flow_map(landscape, resolution) if number == 0
                      else basin_map(landscape, key[1], resolution, steps, max_work))
            compute.store("basin_maps", key, result)
        found.append(result)
    if bar is not None:
        bar.empty()
    return found


def basin_heatmaps(maps: list[BasinMap], minima, titles: list[str]) -> dict:
    """Side-by-side heatmaps of basin indices with one fixed colour per basin (grey: none, black: diverged)."""
    count = max(len(minima), 1)
    colours = [DIVERGED_COLOUR, UNASSIGNED] + [BASIN_COLOURS[k % len(BASIN_COLOURS)] for k in range(count)]
    scale = []
    for k, colour in enumerate(colours):  # a stepped scale over the values -2 .. count-1
        scale += [[k / len(colours), colour], [(k + 1) / len(colours), colour]]
    columns = len(maps)
    gap = 0.04
    width = (1 - gap * (columns - 1)) / columns
    traces, layout = [], {"height": 460, "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "annotations": []}
    for i, (found, title) in enumerate(zip(maps, titles)):
        axis = "" if i == 0 else str(i + 1)
        label = np.vectorize(lambda b: "diverged" if b == -2 else "no listed basin" if b == -1 else
                             f"#{b} {minima[b].label or 'local'} f = {minima[b].value:.4g}")(found.basins)
        traces.append({"type": "heatmap", "x": found.xs.tolist(), "y": found.ys.tolist(), "z": found.basins.tolist(),
                       "zmin": -2.5, "zmax": count - 0.5, "colorscale": scale, "showscale": False,
                       "customdata": label.tolist(), "xaxis": f"x{axis}", "yaxis": f"y{axis}",
                       "hovertemplate": "start (%{x:.2f}, %{y:.2f})<br>ends in %{customdata}<extra></extra>"})
        traces.append({"type": "scatter", "mode": "markers+text", "x": [float(m.location[0]) for m in minima],
                       "y": [float(m.location[1]) for m in minima], "text": [str(k) for k in range(len(minima))],
                       "textposition": "top center", "marker": {"symbol": "x", "color": "white", "size": 8},
                       "xaxis": f"x{axis}", "yaxis": f"y{axis}", "showlegend": False, "hoverinfo": "skip"})
        low = i * (width + gap)
        layout[f"xaxis{axis}"] = {"domain": [low, low + width], "range": [found.xs[0], found.xs[-1]],
                                  "showgrid": False, "zeroline": False}
        layout[f"yaxis{axis}"] = {"scaleanchor": f"x{axis}", "range": [found.ys[0], found.ys[-1]], "showgrid": False,
                                  "zeroline": False, "anchor": f"x{axis}"}
        layout["annotations"].append({"text": title, "x": low + width / 2, "xref": "paper", "y": 1.0, "yref": "paper",
                                      "yanchor": "bottom", "showarrow": False})
    return {"data": traces, "layout": layout}


def computed_maps(state: MapState, settings: Settings) -> tuple:
    """The landscape and its maps (the flow's, then one per optimizer), the whole request checked first."""
    specs = slot_specs(state.optimizers, {})
    surface = compute.landscape(state.landscape_spec)
    work.check(work.total([basin_map_work(surface, None, state.resolution, 0)] + [
        basin_map_work(surface, OPTIMIZERS.build(spec), state.resolution, state.steps) for spec in specs]),
        settings.max_work)
    return surface, maps_with_progress(state.landscape_spec, specs, state.resolution, state.steps, settings.max_work)


def render(settings: Settings) -> None:
    st.title("Basin map")
    st.caption("Every start on a grid, coloured by the basin the run ends in (grey: no listed basin, black: "
               "diverged). The first panel is the landscape's own basins: where plain gradient flow goes.")
    shown = url_sync.shown_view("basins", *url_sync.synced_state(read_state, put_state, controls),
                                lambda state: computed_maps(state, settings))
    if shown is None:
        return
    state, (surface, maps) = shown
    specs = slot_specs(state.optimizers, {})
    header = st.columns([1, 1, 4], vertical_alignment="bottom")
    with header[0]:
        url_sync.copy_link_control(state.params())
    with header[1]:
        st.download_button("figure PNG", lambda: _png(maps, surface), "basins.png", "image/png",
                           icon=":material/download:", key=f"{PREFIX}.png")
    titles = ["gradient flow (the basins)", *specs]
    st.plotly_chart(drawing.Prepared(basin_heatmaps(maps, surface.minima, titles)), key=f"{PREFIX}.maps")
    rows = []
    for title, found in zip(titles, maps):
        counts = {int(k): int(v) for k, v in zip(*np.unique(found.basins, return_counts=True))}
        total = found.basins.size
        rows.append({"map": title, **{_column(surface.minima, k): counts.get(k, 0) / total
                                      for k in [*range(len(surface.minima)), -1, -2]}})
    st.dataframe(rows, hide_index=True, key=f"{PREFIX}.table")


def _column(minima, index: int) -> str:
    if index == -2:
        return "diverged"
    if index == -1:
        return "no listed basin"
    return f"#{index} {minima[index].label or 'local'} (f = {minima[index].value:.3g})"


def _png(maps: list[BasinMap], surface) -> bytes:
    out = io.BytesIO()
    basin_map_figure(maps, surface).savefig(out, format="png", dpi=PNG_DPI)
    return out.getvalue()
