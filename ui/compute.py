"""Results cached on their specs: canonical spec strings, starts, steps and the work cap are the keys.

Display options never reach these functions, so changing one never recomputes a run. Every cache is bounded, so a
long session (or many users) cannot grow the server's memory without limit. Landscapes are shared objects
(`cache_resource`: built once, read only); results are plain arrays (`cache_data`: each session gets a copy).
"""

from __future__ import annotations

import base64
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np
import streamlit as st

from experiments.metrics import run_measurements as measure_runs
from experiments.teaching import REPLAY_STEPS, TeachingTrace, teaching_trace
from experiments.run import RunResult, run
from landscapes import Landscape, build_landscape
from ui.raster import contour_png

RECORDED_POINTS = 1000  # the Explorer keeps at most this many points of each trajectory
GRID_RESOLUTION = 160


@st.cache_resource(max_entries=48, show_spinner=False)
def landscape(spec: str) -> Landscape:
    """The landscape of a canonical spec, built once and shared (its minima are found once too)."""
    return build_landscape(spec)


@dataclass(frozen=True)
class SurfaceGrid:
    """f on a regular grid over the domain, and what the colour scale shows."""

    xs: np.ndarray  # (nx,)
    ys: np.ndarray  # (ny,)
    values: np.ndarray  # (ny, nx) f, nan where it is not finite
    shown: np.ndarray  # (ny, nx) what is coloured: f, or log10(f - min + 1) on a log scale
    log: bool
    floor: float  # the smallest finite value on the grid


@st.cache_data(max_entries=48, show_spinner=False)
def surface_grid(spec: str, resolution: int = GRID_RESOLUTION) -> SurfaceGrid:
    surface = landscape(spec)
    low, high = surface.domain.low, surface.domain.high
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    values = surface.f(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    values = np.where(np.isfinite(values), values, np.nan)
    floor = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    log = surface.color_scale == "log"
    with np.errstate(all="ignore"):
        shown = np.log10(values - floor + 1.0) if log else values
    return SurfaceGrid(xs, ys, values, shown, log, floor)


@st.cache_data(max_entries=48, show_spinner=False)
def landscape_picture(spec: str) -> str:
    """The landscape's filled contours as a PNG data URI (drawn once per landscape)."""
    grid = surface_grid(spec)
    return "data:image/png;base64," + base64.b64encode(contour_png(grid.xs, grid.ys, grid.shown)).decode("ascii")


def record_every(steps: int) -> int:
    """Keep at most about RECORDED_POINTS points of a trajectory."""
    return max(1, math.ceil(steps / RECORDED_POINTS))


@st.cache_data(max_entries=96, show_spinner=False)
def trajectories(landscape_spec: str, optimizer_spec: str, starts: tuple[tuple[float, ...], ...], steps: int,
                 max_work: int) -> RunResult:
    """Every start run for `steps` steps; at most RECORDED_POINTS points of each trajectory are kept."""
    every = record_every(steps)
    return run(landscape(landscape_spec), optimizer_spec, np.array(starts, dtype=np.float64), steps,
               record="all" if every == 1 else every, max_work=max_work)


@st.cache_data(max_entries=96, show_spinner=False)
def teaching(landscape_spec: str, optimizer_spec: str, start: tuple[float, ...], steps: int) -> TeachingTrace | None:
    """One run replayed for the teaching overlays, or None when it is too long to replay."""
    if steps > REPLAY_STEPS.high:
        return None
    return teaching_trace(landscape(landscape_spec), optimizer_spec, np.array(start), steps)


@st.cache_data(max_entries=96, show_spinner=False)
def run_measurements(landscape_spec: str, optimizer_spec: str, starts: tuple[tuple[float, ...], ...], steps: int,
                     max_work: int) -> dict[str, np.ndarray]:
    """Per run: the basin its end point lies in, the largest Hessian eigenvalue there and the path length.

    A diverged run has no basin (-2) and no curvature (nan).
    """
    return measure_runs(landscape(landscape_spec), trajectories(landscape_spec, optimizer_spec, starts, steps, max_work))


class BoundedStore:
    """A small thread-safe least-recently-used store, for results computed with a progress bar.

    st.cache_data cannot hold those: it replays the Streamlit calls a cached function made, and the progress bar
    lives outside the function. Values are shared between sessions, so they must never be mutated.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def store(name: str, capacity: int = 32) -> BoundedStore:
    """The process-wide store called `name`."""
    return BoundedStore(capacity)
