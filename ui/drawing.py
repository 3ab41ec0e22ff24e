"""Plotly figures for the app's static charts: the 3-D surface with the paths over it. (Trajectories animate in
the trajectory player, export.player; escape curves and basin maps are drawn by their pages.)"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from experiments.run import RunResult
from export import palette
from export.figures import LANDSCAPE_COLOURMAP
from ui.compute import DrawnRuns, SurfaceGrid

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
