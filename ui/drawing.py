"""How the app draws its charts. Flat charts (the escape curve, the kick law) are Vega-Lite specs: Vega-Lite ships
inside Streamlit's frontend, where plotly is a 4.7 MB chunk the browser must load and evaluate before its first figure.
The 3-D surface with the paths over it is a plotly figure, loaded only when a visitor picks that view. (Trajectories
animate in the trajectory player, export.player; basin maps are pictures drawn by export.figures.)"""

from __future__ import annotations

import base64
import json
import math
import re
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
LEGEND_DASH_OFFSET = 15  # pixels: a sample starts inside its pattern, so that a long dash shows its gap in 24 pixels
VEGA_SHAPES = {"circle": "circle", "square": "square", "triangle": "triangle-up", "diamond": "diamond",
               "triangle-down": "triangle-down",  # Vega has no pentagon or hexagon: SVG paths on the unit circle
               "pentagon": "M0.000,-1.000L0.951,-0.309L0.588,0.809L-0.588,0.809L-0.951,-0.309Z",
               "hexagon": "M1.000,0.000L0.500,0.866L-0.500,0.866L-1.000,0.000L-0.500,-0.866L0.500,-0.866Z"}
END_LABEL_GAP = 15  # pixels between the names at the lines' ends
END_LABEL_LIMIT = 230  # pixels: a longer name ends in …
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


def marker_layers(layer: dict, series: dict, styles: Sequence[palette.Style], area: float) -> list[dict]:
    """The point `layer` as two layers drawing each series (`series`: its field, `sort` the series in order) in its
    palette marker: the filled markers with a white rim, `area` square pixels for the smallest and nested in order,
    then the hollow ones (outlines in the series' colour) above them. The marker channels read a copy of the series
    field, which keeps them out of the series' legend."""
    field, copy = series["field"], f"{series['field']}_marker"

    def by_series(values: list, kind: str = "nominal") -> dict:  # size: an ordinal field, value by value
        return {"field": copy, "type": kind, "sort": series["sort"], "legend": None,
                "scale": {"type": "ordinal", "domain": series["sort"], "range": values}}

    encoding = {**layer["encoding"], "shape": by_series([VEGA_SHAPES[style.marker] for style in styles]),
                "size": by_series([area * style.size ** 2 for style in styles], "ordinal")}
    hollow = json.dumps([name for name, style in zip(series["sort"], styles) if style.hollow], ensure_ascii=False)
    copying = {"calculate": f"datum[{json.dumps(field)}]", "as": copy}

    def drawn(test: str, mark: dict) -> dict:
        return {**layer, "transform": [*layer.get("transform", []), copying,
                                       {"filter": f"indexof({hollow}, datum[{json.dumps(copy)}]) {test} 0"}],
                "mark": {**layer["mark"], "type": "point", **mark}, "encoding": encoding}

    return [drawn("<", {"filled": True, "stroke": "#FFFFFF", "strokeWidth": 1}),  # nested discs, a white rim apart
            drawn(">=", {"filled": False, "strokeWidth": 2})]


def spread(targets: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Places as near `targets` as they can be while at least `gap` apart and within [low, high] (when they fit):
    targets closer than `gap` form a group centred on their mean, groups that then overlap merge."""
    order = sorted(range(len(targets)), key=lambda i: targets[i])
    groups: list[list[int]] = []  # each a run of consecutive indices into `order`
    for k in range(len(order)):
        groups.append([k])
        while len(groups) > 1 and _group_start(groups[-1], order, targets, gap, low, high) < (
                _group_start(groups[-2], order, targets, gap, low, high) + len(groups[-2]) * gap):
            groups[-2:] = [groups[-2] + groups[-1]]
    places = [0.0] * len(targets)
    for group in groups:
        start = _group_start(group, order, targets, gap, low, high)
        for j, k in enumerate(group):
            places[order[k]] = start + j * gap
    return places


def _group_start(group: list[int], order: list[int], targets: Sequence[float], gap: float, low: float,
                 high: float) -> float:
    """Where the lowest of a group of labels goes: the group centred on its targets' mean, kept within bounds."""
    centre = sum(targets[order[k]] for k in group) / len(group)
    start = centre - (len(group) - 1) * gap / 2
    return max(low, min(start, high - (len(group) - 1) * gap))


def short_labels(labels: Sequence[str]) -> list[str]:
    """Each label without its bracketed parameters where that still tells it apart from the others (a line's name
    at its end, beside a legend of whole labels): 'Adam+CM (lr=0.05)' -> 'Adam+CM', while 'Adam+CM (C=1, lr=0.05)'
    stays whole beside 'Adam+CM (C=5, lr=0.05)'."""
    bare = [re.sub(r" \([^()]*\)", "", label) for label in labels]
    return [short if bare.count(short) == 1 else label for short, label in zip(bare, labels)]


def vega_end_labels(ends: Sequence[dict], y: dict, height: float) -> dict:
    """A layer naming each line right of its end, in its colour: `ends` holds one row per line with its series and
    x fields, its last value as `end` and its `name`; `y` is the chart's y encoding (its scale's domain given) on a
    plot `height` pixels tall. Names that would overlap are moved apart."""
    low, high = y["scale"]["domain"]
    places = spread([row["end"] for row in ends], END_LABEL_GAP * (high - low) / height, low, high)
    return {"data": {"values": [{**row, "label_y": place} for row, place in zip(ends, places)]},
            "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 10, "fontSize": 12,
                     "limit": END_LABEL_LIMIT},
            "encoding": {"y": {**y, "field": "label_y"}, "text": {"field": "name"}}}


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
            "symbolDashOffset": LEGEND_DASH_OFFSET, "symbolOpacity": 1,  # not a band's faint fill
            "columns": {"expr": f"clamp(floor(width / {entry:g}), 1, {len(labels)})"}}


@dataclass(frozen=True)
class Series:
    """One optimizer's runs as drawn: its label, colour and result."""

    label: str
    colour: str
    result: RunResult


def styles(drawn: Sequence[DrawnRuns]) -> list[palette.Style]:
    """The palette's style of each optimizer's runs, in the order shown."""
    return palette.styles_for([runs.result.kind for runs in drawn])


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
