"""How the app draws its charts. Flat charts (the escape curve, the kick law) are Vega-Lite specs: Vega-Lite ships
inside Streamlit's frontend, where plotly is a 4.7 MB chunk the browser must load and evaluate before its first figure.
The 3-D surface with the paths over it is a plotly figure, loaded only when a visitor picks that view. (Trajectories
animate in the trajectory player, export.player; basin maps are pictures drawn by export.figures.)"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from experiments.run import RunResult
from export import palette
from export.figures import LANDSCAPE_COLOURMAP
from ui.compute import DrawnRuns, SurfaceGrid

VEGA_SVG = {"embedOptions": {"renderer": "svg"}}  # a spec's usermeta: drawn as SVG, whose text tests can read
VEGA_FIT_WIDTH = {"type": "fit-x", "contains": "padding"}  # the chart fills the width; `height` is the plot's alone
LEGEND_CHARACTER_PIXELS = 7.5  # a legend label's width per character at the app's font (generous, so none is cut)
LEGEND_ENTRY_PIXELS = 50  # a legend entry's symbol and the gaps around it
LEGEND_LINE_AREA = 600  # a legend's line sample: Vega sizes symbols by area, this is a line about 24 pixels long
SMALL = 64  # arrays shorter than this go as JSON lists (cheaper to encode than plotly's binary form)
LIFT = 0.015  # paths are drawn this fraction of the surface's height above it, so the surface never hides them
COLOUR_STOPS = 9


class Prepared(go.Figure):
    """A figure dict handed to Streamlit as it is.

    Streamlit re-validates a dict figure object by object, which costs about a second for large figures; a Figure
    instance is only asked for `to_dict()`. The dicts here are checked against plotly's schema in the tests.
    """

    def __init__(self, figure: dict) -> None:
        super().__init__()
        self._prepared = figure

    def to_dict(self) -> dict:
        return self._prepared


def vega_dash(style: palette.Style, line_width: float) -> list[float]:
    """The palette's dash (on/off lengths in line widths) as Vega's strokeDash in pixels; [1, 0], solid, without one."""
    return [length * line_width for length in style.dash] or [1, 0]


def vega_ticks(values: Sequence[float], texts: Sequence[str]) -> dict:
    """Axis properties for ticks exactly at `values`, labelled with `texts` (each tick looks its text up)."""
    values_json, texts_json = (json.dumps(list(items), ensure_ascii=False) for items in (values, texts))
    return {"values": list(values), "labelExpr": f"{texts_json}[indexof({values_json}, datum.value)]"}


def vega_legend(labels: Sequence[str], lines: bool) -> dict:
    """A legend above the chart, whole labels in as many columns as fit the plot's width (Vega never wraps a legend
    by itself, and cuts a label at 160 pixels unless told otherwise); a line sample per entry when `lines` (its dash
    too when the dash encodes the same field with this legend), else a dot."""
    entry = LEGEND_CHARACTER_PIXELS * max(map(len, labels)) + LEGEND_ENTRY_PIXELS
    return {"title": None, "orient": "top", "labelLimit": 0, "symbolType": "stroke" if lines else "circle",
            "symbolStrokeWidth": 2.5, "symbolSize": LEGEND_LINE_AREA if lines else 100,
            "columns": {"expr": f"clamp(floor(width / {entry:g}), 1, {len(labels)})"}}


@dataclass(frozen=True)
class Series:
    """One optimizer's runs as drawn: its label, colour and result."""

    label: str
    colour: str
    result: RunResult


def styles(drawn: Sequence[DrawnRuns]) -> list[palette.Style]:
    """The palette's style of each optimizer's runs, in the order shown."""
    return palette.styles_for([palette.kind_of(runs.result.optimizer) for runs in drawn])


def _clean(values: object) -> dict | list:
    """Values for the browser: plotly.js's binary float32 form, or a list when short; non-finite ones become a gap."""
    array = np.asarray(values, dtype=np.float64)
    if array.size < SMALL:
        return [round(v, 6) if math.isfinite(v) else None for v in array.ravel().tolist()]
    with np.errstate(all="ignore"):
        single = np.ascontiguousarray(np.where(np.isfinite(array), array, np.nan), dtype=np.float32)
    typed = {"dtype": "f4", "bdata": base64.b64encode(single.tobytes()).decode("ascii")}
    if single.ndim > 1:
        typed["shape"] = ", ".join(map(str, single.shape))
    return typed


def _colourscale() -> list[list]:
    return [[t, "#{:02X}{:02X}{:02X}".format(*(round(255 * c) for c in LANDSCAPE_COLOURMAP(t)[:3]))]
            for t in np.linspace(0.0, 1.0, COLOUR_STOPS)]


def surface_view(grid: SurfaceGrid, series: Sequence[Series]) -> dict:
    """The landscape as a translucent 3-D surface (height = the coloured value) with every path lifted just above it,
    start ○ and end ●; dragging rotates it freely."""
    finite = grid.shown[np.isfinite(grid.shown)]
    span = float(finite.max() - finite.min()) if finite.size else 1.0
    traces = [{"type": "surface", "x": _clean(grid.xs), "y": _clean(grid.ys), "z": _clean(grid.shown),
               "colorscale": _colourscale(), "opacity": 0.8, "showscale": False, "hoverinfo": "skip",
               "contours": {"z": {"show": True, "color": "#5C6670", "width": 1, "start": float(finite.min()),
                                  "end": float(finite.max()), "size": span / 15}} if finite.size else {}}]
    for s in series:
        positions, losses = s.result.positions, s.result.losses
        with np.errstate(all="ignore"):
            height = (np.log10(losses - grid.floor + 1.0) if grid.log else losses) + LIFT * span
        R, N, _ = positions.shape
        xyz = np.full((N, R + 1, 3), np.nan)
        xyz[:, :R, :2] = np.swapaxes(positions, 0, 1)
        xyz[:, :R, 2] = height.T
        inside = ((xyz[..., 0] >= grid.xs[0]) & (xyz[..., 0] <= grid.xs[-1]) & (xyz[..., 1] >= grid.ys[0])
                  & (xyz[..., 1] <= grid.ys[-1]))
        xyz[~inside] = np.nan
        flat = xyz.reshape(-1, 3)
        traces.append({"type": "scatter3d", "mode": "lines", "name": s.label, "legendgroup": s.label,
                       "x": _clean(flat[:, 0]), "y": _clean(flat[:, 1]), "z": _clean(flat[:, 2]),
                       "line": {"color": s.colour, "width": 6}, "hoverinfo": "skip"})
        ends = xyz[:, [0, R - 1]]  # (N, 2, 3): start and end of each run
        for which, symbol, fill in ((0, "circle-open", s.colour), (1, "circle", s.colour)):
            traces.append({"type": "scatter3d", "mode": "markers", "showlegend": False, "legendgroup": s.label,
                           "x": _clean(ends[:, which, 0]), "y": _clean(ends[:, which, 1]),
                           "z": _clean(ends[:, which, 2]), "marker": {"symbol": symbol, "size": 5, "color": fill},
                           "hoverinfo": "skip"})
    ztitle = "log10(f − min + 1)" if grid.log else "f"
    return {"data": traces,
            "layout": {"height": 760, "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
                       "scene": {"xaxis": {"title": {"text": "x"}}, "yaxis": {"title": {"text": "y"}},
                                 "zaxis": {"title": {"text": ztitle}}, "dragmode": "orbit",
                                 "aspectmode": "manual", "aspectratio": {"x": 1.2, "y": 1.2, "z": 0.7},
                                 "camera": {"eye": {"x": 1.35, "y": -1.35, "z": 1.0}}},
                       "legend": {"orientation": "h", "y": 1.0}, "uirevision": "surface"}}
