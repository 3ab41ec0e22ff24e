"""Results cached on their specs: canonical spec strings, starts, steps and the work cap are the keys.

Display options never reach these functions, so changing one never recomputes a run. Everything is kept in one
least-recently-used cache shared by every session and bounded by bytes (CACHE_BYTES, measured with `nbytes`), so
no series of links can grow the server's memory without limit; trajectories are kept as float32, which is plenty
for drawing (the measurements shown beside them are taken in float64 before the conversion). Cached values are
shared between sessions: their arrays are made read-only.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from experiments.metrics import run_measurements as measure_runs
from experiments.run import RunResult, run
from experiments.teaching import REPLAY_STEPS, TeachingTrace, teaching_trace
from export.figures import shown_values
from export.player.payload import basin_tracks
from export.player.picture import Picture, landscape_picture
from landscapes import LANDSCAPES, Landscape
from optimizers import Optimizer

GRID_RESOLUTION = 160
CACHE_BYTES = 256 * 1024**2  # every cached result of every session together
LANDSCAPES_KEPT = 48


class ByteBudgetCache:
    """A thread-safe least-recently-used cache whose values together take at most `budget` bytes.

    A value larger than half the budget is returned but not kept (it would evict everything else).
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key][0]

    def put(self, key: Hashable, value: Any) -> Any:
        size = size_of(value)
        if size > self.budget // 2:
            return value
        freeze(value)
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.budget:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def _children(value: Any) -> list:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [getattr(value, f.name) for f in dataclasses.fields(value)]
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return []


def size_of(value: Any) -> int:
    """Bytes held by a cached value: its NumPy arrays and byte strings, through dataclasses, dicts and sequences."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (bytes, str)):
        return len(value)
    return 64 + sum(size_of(child) for child in _children(value))


def freeze(value: Any) -> None:
    """Make every array of a shared value read-only, so that no session can change what another sees."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    for child in _children(value):
        freeze(child)


@st.cache_resource(show_spinner=False)
def shared_cache() -> ByteBudgetCache:
    """The process-wide cache of results."""
    return ByteBudgetCache(CACHE_BYTES)


def _key_part(value: Any) -> Hashable:
    """A landscape or an optimizer is named by its canonical spec; anything else must be hashable itself."""
    spec = getattr(value, "spec", None)
    return spec if isinstance(spec, str) and not isinstance(value, str) else value


def cached(function: Callable) -> Callable:
    """Memoise `function` in the shared byte-bounded cache, keyed by its name and its arguments (built landscapes
    and optimizers by their canonical specs)."""

    def key(args: tuple) -> tuple:
        return (function.__qualname__, *map(_key_part, args))

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        cache = shared_cache()
        found = cache.get(key(args))
        return found if found is not None else cache.put(key(args), function(*args))

    wrapper.holds = lambda *args: shared_cache().get(key(args)) is not None  # computed before: costs nothing now
    return wrapper


@st.cache_resource(max_entries=LANDSCAPES_KEPT, show_spinner=False)
def landscape(spec: str) -> Landscape:
    """The landscape of a canonical spec, built once and shared (its minima are found once too)."""
    return LANDSCAPES.build(spec)


@dataclass(frozen=True)
class SurfaceGrid:
    """f on a regular grid over the domain, and what the colour scale shows."""

    xs: np.ndarray  # (nx,)
    ys: np.ndarray  # (ny,)
    values: np.ndarray  # (ny, nx) f, nan where it is not finite
    shown: np.ndarray  # (ny, nx) what is coloured: f, or log10(f - min + 1) on a log scale
    log: bool
    floor: float  # the smallest finite value on the grid


@cached
def surface_grid(spec: str, resolution: int = GRID_RESOLUTION) -> SurfaceGrid:
    surface = landscape(spec)
    low, high = surface.domain.low, surface.domain.high
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    values = surface.f(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    values = np.where(np.isfinite(values), values, np.nan)
    floor = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    log = surface.color_scale == "log"
    return SurfaceGrid(xs, ys, values, shown_values(values, log), log, floor)


@dataclass(frozen=True)
class DrawnRuns:
    """Runs as the app keeps them: float32 trajectories for drawing, and float64 measurements of every run."""

    result: RunResult  # positions and losses in float32
    measured: dict[str, np.ndarray]  # basin, sharpness, path_length, max_distance per run


@cached
def trajectories(surface: Landscape, method: Optimizer, starts: tuple[tuple[float, ...], ...], steps: int,
                 every: int) -> DrawnRuns:
    """Every start run for `steps` steps, every `every`-th point kept, and measured (the caller checked the work)."""
    result = run(surface, method, np.array(starts, dtype=np.float64), steps, record="all" if every == 1 else every,
                 max_work=None)
    measured = measure_runs(surface, result)
    with np.errstate(over="ignore"):  # beyond float32's range a value draws as infinite, as it is for drawing
        drawn = dataclasses.replace(result, positions=result.positions.astype(np.float32),
                                    losses=result.losses.astype(np.float32))
    return DrawnRuns(drawn, measured)


@cached
def teaching(surface: Landscape, method: Optimizer, start: tuple[float, ...], steps: int) -> TeachingTrace | None:
    """One run replayed for the teaching overlays, or None when it is too long to replay."""
    if steps > REPLAY_STEPS.high:
        return None
    return teaching_trace(surface, method, np.array(start), steps)


@cached
def tracks(surface: Landscape, method: Optimizer, starts: tuple[tuple[float, ...], ...], steps: int,
           every: int) -> np.ndarray:
    """The basin of every recorded point of the first runs (bounded: export.player.payload.basin_tracks)."""
    return basin_tracks(surface, trajectories(surface, method, starts, steps, every).result)


@cached
def picture(surface: Landscape) -> Picture:
    """The landscape's picture for the player, drawn once per landscape."""
    return landscape_picture(surface)


def stored(namespace: str, key: Hashable) -> Any:
    """A result some page computed with a progress bar (st.cache_data cannot hold those), or None."""
    return shared_cache().get((namespace, key))


def store(namespace: str, key: Hashable, value: Any) -> Any:
    return shared_cache().put((namespace, key), value)
