"""Plotly figures for the app, as plain dicts: the animated contour map with trajectories and teaching overlays,
the 3-D surface, loss curves, escape curves and basin maps.

The animation runs in the browser: every frame is sent once with the figure, and play/pause, the speed buttons and
the step scrubber are plotly's own controls, so no frame costs a round trip to the server.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from experiments.teaching import TeachingTrace
from experiments.run import RunResult
from landscapes import Minimum
from ui.compute import SurfaceGrid

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
FRAME_POINT_BUDGET = 50_000  # points of trajectory carried by all frames together
MAX_FRAMES = 100
CLICK_GRID = 36  # invisible markers per axis that turn a click on the map into a start point
GRADIENT_COLOUR, ASCENT_COLOUR = "#111111", "#ff7f0e"
SPEEDS = (("▶ slow", 160), ("▶ play", 60), ("▶ fast", 15))


class Prepared(go.Figure):
    """A figure dict handed to Streamlit as it is.

    Streamlit re-validates a dict figure object by object, which costs about a second for an animation's frames;
    a Figure instance is only asked for `to_dict()`. The dicts here are checked against plotly's schema in the tests.
    """

    def __init__(self, figure: dict) -> None:
        super().__init__()
        self._prepared = figure

    def to_dict(self) -> dict:
        return self._prepared


@dataclass(frozen=True)
class Series:
    """One optimizer's runs as drawn: its label, colour and result, and the replayed run for the overlays."""

    label: str
    colour: str
    result: RunResult
    teaching: TeachingTrace | None = None
    teaching_run: int = 0


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


SMALL = 64  # arrays shorter than this go as JSON lists (cheaper to encode than plotly's binary form)


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


def _polylines(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """paths (R, N, 2) -> x and y lists with a None between runs."""
    R, N, _ = paths.shape
    padded = np.full((N, R + 1, 2), np.nan)
    padded[:, :R] = np.swapaxes(paths, 0, 1)
    flat = padded.reshape(-1, 2)
    return _clean(flat[:, 0]), _clean(flat[:, 1])


def _log_colourbar(grid: SurfaceGrid) -> dict:
    top = float(np.nanmax(grid.shown)) if np.isfinite(grid.shown).any() else 1.0
    ticks = np.arange(0, math.floor(top) + 1)
    return {"title": {"text": "f (log scale)"}, "tickvals": ticks.tolist(),
            "ticktext": [f"{grid.floor + 10.0 ** t - 1.0:.3g}" for t in ticks]}


def colour_scale_key(grid: SurfaceGrid) -> dict:
    """An invisible marker whose colour bar explains the background picture's colours."""
    finite = grid.shown[np.isfinite(grid.shown)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "showlegend": False, "hoverinfo": "skip",
            "marker": {"color": [low], "cmin": low, "cmax": high, "colorscale": "Viridis", "showscale": True,
                       "colorbar": _log_colourbar(grid) if grid.log else {"title": {"text": "f"}}}}


def background(grid: SurfaceGrid, picture: str) -> dict:
    """A layout image covering exactly the grid's box, below the traces."""
    return {"source": picture, "xref": "x", "yref": "y", "x": float(grid.xs[0]), "y": float(grid.ys[-1]),
            "sizex": float(grid.xs[-1] - grid.xs[0]), "sizey": float(grid.ys[-1] - grid.ys[0]),
            "sizing": "stretch", "layer": "below"}


def click_targets(grid: SurfaceGrid) -> dict:
    """Invisible markers on a grid: a click on one selects it, and the page adds it as a start."""
    xs = np.linspace(grid.xs[0], grid.xs[-1], CLICK_GRID)
    ys = np.linspace(grid.ys[0], grid.ys[-1], CLICK_GRID)
    X, Y = np.meshgrid(xs, ys)
    ix = np.searchsorted(grid.xs, X.ravel()).clip(0, len(grid.xs) - 1)
    iy = np.searchsorted(grid.ys, Y.ravel()).clip(0, len(grid.ys) - 1)
    return {"type": "scatter", "mode": "markers", "x": _clean(X.ravel()), "y": _clean(Y.ravel()),
            "customdata": _clean(grid.values[iy, ix]), "marker": {"size": 14, "opacity": 0},
            "hovertemplate": "(%{x:.2f}, %{y:.2f})  f = %{customdata:.4g}<br>click: start a run here<extra></extra>",
            "showlegend": False, "name": "click to add a start"}


def minima_trace(minima: Sequence[Minimum]) -> dict:
    shown = [m for m in minima if m.location.shape[0] == 2]
    return {"type": "scatter", "mode": "markers", "name": "known minima",
            "x": [float(m.location[0]) for m in shown], "y": [float(m.location[1]) for m in shown],
            "marker": {"symbol": ["star" if m.label == "global" else "diamond-open" for m in shown], "size": 12,
                       "color": "white", "line": {"color": "black", "width": 1}},
            "customdata": [[m.value, m.sharpness, m.label or "local"] for m in shown],
            "hovertemplate": "%{customdata[2]} minimum f = %{customdata[0]:.4g}<br>largest curvature "
                             "%{customdata[1]:.4g}<extra></extra>"}


def frame_indices(recorded: int, runs: int) -> np.ndarray:
    """Which recorded points become frames: as many as the point budget allows, evenly spaced, the last included."""
    affordable = int(math.sqrt(2 * FRAME_POINT_BUDGET / max(runs, 1)))
    count = max(2, min(recorded, MAX_FRAMES, affordable))
    return np.unique(np.round(np.linspace(0, recorded - 1, count)).astype(int))


def _arrow_trace(name: str, colour: str, width: float, count: int, opacity: float = 1.0,
                 dash: str = "solid") -> dict:
    """A trace of `count` arrows; frames change only their coordinates."""
    return {"type": "scatter", "mode": "lines+markers", "name": name, "x": [], "y": [], "opacity": opacity,
            "line": {"color": colour, "width": width, "dash": dash},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 11, 0] * count, "color": colour},
            "hoverinfo": "skip", "legendgroup": name}


def _arrows(origin: np.ndarray, vectors: np.ndarray, scale: float, longest: float) -> dict:
    """Segments origin -> origin + scale * vector, at most `longest` long, three points per arrow (the third a
    gap); nan rows draw nothing."""
    vectors = np.atleast_2d(vectors)
    with np.errstate(all="ignore"):
        lengths = scale * np.linalg.norm(vectors, axis=1)
        shrink = np.where(lengths > longest, longest / lengths, 1.0)
    segments = np.full((len(vectors), 3, 2), np.nan)
    segments[:, 0] = origin
    segments[:, 1] = origin + (scale * shrink)[:, None] * vectors
    return {"x": _clean(segments[:, :, 0].ravel()), "y": _clean(segments[:, :, 1].ravel())}


def _display_scale(vectors: np.ndarray, length: float) -> float:
    """A factor that draws the typical (90th percentile) non-zero vector `length` long."""
    norms = np.linalg.norm(vectors.reshape(-1, vectors.shape[-1]), axis=1)
    norms = norms[np.isfinite(norms) & (norms > 0)]
    return length / float(np.percentile(norms, 90)) if norms.size else 0.0


class _Overlay:
    """The teaching overlays of one series: which traces it adds and their data at a step."""

    def __init__(self, series: Series, arrow_length: float, first: bool) -> None:
        trace = series.teaching
        assert trace is not None
        self.trace = trace
        self.longest = 1.5 * arrow_length
        self.gradient_scale = _display_scale(trace.gradients, arrow_length)
        memory = np.concatenate([trace.buffer.reshape(-1, trace.positions.shape[1]), trace.aggregates])
        self.memory_scale = _display_scale(memory, arrow_length)
        self.has_buffer = trace.buffer.shape[1] > 0
        self.has_aggregate = bool(np.isfinite(trace.aggregates).any())
        self.has_ascent = bool(np.isfinite(trace.ascent_points).any())
        label = series.label
        gradient = _arrow_trace(f"−∇f at run {series.teaching_run}", GRADIENT_COLOUR, 2, 1)
        self.traces = [{**gradient, "legendgroup": "gradient", "showlegend": first}]
        if self.has_buffer:
            self.traces.append(_arrow_trace(f"{label}: stored momenta", series.colour, 1.5, trace.buffer.shape[1],
                                            0.6, "dot"))
        if self.has_aggregate:
            self.traces.append(_arrow_trace(f"{label}: aggregate", series.colour, 3.5, 1))
        if self.has_ascent:
            self.traces.append({"type": "scatter", "mode": "lines+markers", "name": f"{label}: ascent point",
                                "x": [], "y": [], "line": {"color": ASCENT_COLOUR, "width": 1.5, "dash": "dot"},
                                "marker": {"symbol": ["circle", "x"], "size": [0, 11], "color": ASCENT_COLOUR},
                                "hoverinfo": "skip"})

    def at(self, step: int) -> list[dict]:
        t = min(step, self.trace.positions.shape[0] - 1)
        x = self.trace.positions[t]
        data = [_arrows(x, -self.trace.gradients[t], self.gradient_scale, self.longest)]
        if self.has_buffer:
            data.append(_arrows(x, self.trace.buffer[t], self.memory_scale, self.longest))
        if self.has_aggregate:
            data.append(_arrows(x, self.trace.aggregates[t], self.memory_scale, self.longest))
        if self.has_ascent:
            point = self.trace.ascent_points[t]
            shown = np.all(np.isfinite(point))
            data.append({"x": _clean([x[0], point[0]] if shown else []),
                         "y": _clean([x[1], point[1]] if shown else [])})
        return data


def _animation_controls(labels: list[str]) -> tuple[list, list]:
    still = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    buttons = [{"label": text, "method": "animate",
                "args": [None, {"frame": {"duration": ms, "redraw": False}, "transition": {"duration": 0},
                                "fromcurrent": True, "mode": "immediate"}]} for text, ms in SPEEDS]
    buttons.append({"label": "❚❚ pause", "method": "animate", "args": [[None], still]})
    menus = [{"type": "buttons", "direction": "left", "showactive": False, "x": 0.0, "xanchor": "left",
              "y": -0.06, "yanchor": "top", "pad": {"t": 0, "r": 8}, "buttons": buttons}]
    slider = {"active": 0, "x": 0.0, "len": 1.0, "y": -0.14, "yanchor": "top", "pad": {"t": 8},
              "currentvalue": {"prefix": "step ", "visible": True},
              "steps": [{"label": label, "method": "animate", "args": [[label], still]} for label in labels]}
    return menus, [slider]


def trajectory_map(grid: SurfaceGrid, picture: str, minima: Sequence[Minimum], series: Sequence[Series],
                   title: str = "", overlays: bool = True, clickable: bool = True) -> dict:
    """The landscape (the picture of its contours) with every series' trajectories animated over the steps, and
    the teaching overlays per frame."""
    width = float(max(grid.xs[-1] - grid.xs[0], grid.ys[-1] - grid.ys[0]))
    traces = [colour_scale_key(grid)]
    if clickable:
        traces.append(click_targets(grid))
    traces.append(minima_trace(minima))
    animated: list[int] = []
    recorded = min(s.result.positions.shape[0] for s in series) if series else 1
    total_runs = sum(s.result.n_runs for s in series)
    frames_at = frame_indices(recorded, total_runs)
    paths_per_series = []
    for s in series:
        positions = s.result.positions
        x, y = _polylines(positions)
        traces.append({"type": "scatter", "mode": "lines", "x": x, "y": y, "legendgroup": s.label,
                       "showlegend": False, "hoverinfo": "skip",
                       "line": {"color": s.colour, "width": 1.5}, "opacity": 0.45, "name": f"{s.label} (whole path)"})
        diverged = s.result.stopped
        if diverged.any():
            where = positions[-1, diverged]
            traces.append({"type": "scatter", "mode": "markers", "name": f"{s.label}: diverged",
                           "x": _clean(np.clip(where[:, 0], grid.xs[0], grid.xs[-1])),
                           "y": _clean(np.clip(where[:, 1], grid.ys[0], grid.ys[-1])), "legendgroup": s.label,
                           "marker": {"symbol": "x-thin-open", "size": 14, "color": "red", "line": {"width": 3}},
                           "hovertemplate": "diverged (drawn at the domain edge)<extra></extra>"})
        paths_per_series.append(positions[frames_at])
        animated.append(len(traces))
        traces.append({"type": "scatter", "mode": "lines", "x": [], "y": [], "name": s.label,
                       "legendgroup": s.label, "line": {"color": s.colour, "width": 2.5}, "hoverinfo": "skip"})
        animated.append(len(traces))
        traces.append({"type": "scatter", "mode": "markers", "x": [], "y": [], "showlegend": False,
                       "legendgroup": s.label, "name": f"{s.label} now",
                       "marker": {"color": s.colour, "size": 10, "line": {"color": "white", "width": 1.5}},
                       "hovertemplate": f"{s.label}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>"})
    overlay_parts = []
    if overlays:
        for s in series:
            if s.teaching is not None:
                part = _Overlay(s, 0.12 * width, not overlay_parts)
                overlay_parts.append(part)
                for trace in part.traces:
                    animated.append(len(traces))
                    traces.append(trace)
    steps_at = [int(series[0].result.recorded_steps[j]) for j in frames_at] if series else [0]
    frames = []
    for f, j in enumerate(frames_at):
        data = []
        for paths in paths_per_series:
            x, y = _polylines(paths[: f + 1])
            data.append({"x": x, "y": y})
            head = paths[f]
            data.append({"x": _clean(head[:, 0]), "y": _clean(head[:, 1])})
        for part in overlay_parts:
            data.extend(part.at(steps_at[f]))
        frames.append({"name": str(steps_at[f]), "data": data, "traces": animated})
    # The opening view is the first frame.
    for index, update in zip(animated, frames[0]["data"] if frames else []):
        traces[index] = {**traces[index], **update}
    menus, sliders = _animation_controls([frame["name"] for frame in frames])
    layout = {"title": {"text": title}, "height": 720, "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
              "xaxis": {"range": [grid.xs[0], grid.xs[-1]], "title": {"text": "x"}, "constrain": "domain",
                        "showgrid": False, "zeroline": False},
              "yaxis": {"range": [grid.ys[0], grid.ys[-1]], "title": {"text": "y"}, "scaleanchor": "x",
                        "constrain": "domain", "showgrid": False, "zeroline": False},
              "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
              "hovermode": "closest", "updatemenus": menus, "sliders": sliders, "clickmode": "event+select",
              "uirevision": "map", "images": [background(grid, picture)], "plot_bgcolor": "white"}
    return {"data": traces, "layout": layout, "frames": frames}


def surface_view(grid: SurfaceGrid, series: Sequence[Series]) -> dict:
    """The landscape as a 3-D surface with the whole trajectories drawn on it (height = the coloured value)."""
    traces = [{"type": "surface", "x": _clean(grid.xs), "y": _clean(grid.ys), "z": _clean(grid.shown), "colorscale": "Viridis", "opacity": 0.92,
               "showscale": False, "hoverinfo": "skip"}]
    for s in series:
        positions = s.result.positions
        losses = s.result.losses
        with np.errstate(all="ignore"):
            height = np.log10(losses - grid.floor + 1.0) if grid.log else losses
        R, N, _ = positions.shape
        xyz = np.full((N, R + 1, 3), np.nan)
        xyz[:, :R, :2] = np.swapaxes(positions, 0, 1)
        xyz[:, :R, 2] = height.T
        inside = ((xyz[..., 0] >= grid.xs[0]) & (xyz[..., 0] <= grid.xs[-1]) & (xyz[..., 1] >= grid.ys[0])
                  & (xyz[..., 1] <= grid.ys[-1]))
        xyz[~inside] = np.nan
        flat = xyz.reshape(-1, 3)
        traces.append({"type": "scatter3d", "mode": "lines", "name": s.label, "x": _clean(flat[:, 0]),
                       "y": _clean(flat[:, 1]), "z": _clean(flat[:, 2]), "line": {"color": s.colour, "width": 5}})
    ztitle = "log10(f − min + 1)" if grid.log else "f"
    return {"data": traces, "layout": {"height": 640, "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
                                       "scene": {"xaxis": {"title": {"text": "x"}}, "yaxis": {"title": {"text": "y"}},
                                                 "zaxis": {"title": {"text": ztitle}}},
                                       "legend": {"orientation": "h"}, "uirevision": "surface"}}


def loss_curves(series: Sequence[Series], against: str, log: bool, evals_per_step: Sequence[int]) -> dict:
    """Loss of every run against the step or against gradient evaluations (SAM's count twice per step)."""
    traces = []
    for s, per_step in zip(series, evals_per_step):
        steps = s.result.recorded_steps * (per_step if against == "grad_evals" else 1)
        losses = s.result.losses.copy()
        for i, at in enumerate(s.result.stopped_at):
            if at >= 0:
                losses[s.result.recorded_steps > at, i] = np.nan
        N = losses.shape[1]
        x = np.tile(np.append(steps.astype(float), np.nan), N)
        y = np.vstack([losses, np.full((1, N), np.nan)]).T.ravel()
        traces.append({"type": "scatter", "mode": "lines", "name": s.label, "x": _clean(x), "y": _clean(y),
                       "line": {"color": s.colour, "width": 1.5}, "opacity": 0.8 if N <= 10 else 0.35})
    title = "gradient evaluations" if against == "grad_evals" else "step"
    return {"data": traces, "layout": {"height": 320, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
                                       "title": {"text": f"loss against {title}"},
                                       "xaxis": {"title": {"text": title}},
                                       "yaxis": {"title": {"text": "f"}, "type": "log" if log else "linear"},
                                       "showlegend": False}}
