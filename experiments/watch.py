"""What a measurement notes about each run while it advances, without keeping its trajectory (memory O(N)).

`experiments.run.advance` calls every watcher's `observe(t, before, after, alive)` after step t with the points
before and after the step, (N, d) each (a stopped run's point is frozen), and which runs still run. Each watcher
keeps per-run arrays and looks only at the steps it needs:
- `Exits`: the first checked step at which a run is out of its start basin (its escape time);
- `StepLengths`: the mean step length over the first `window` steps and over the whole run (the effective step);
- `Tail`: how far a run moved over its last `length` steps (whether it converged).
"""

from __future__ import annotations

import numpy as np

from experiments.basins import assign_basins
from landscapes import Landscape
from optimizers.base import row_norms

NOT_YET = -1
EARLY_WINDOW = 20  # the escape window: where Adam+CM's long early steps fall (docs/theory.md)


def check_steps(steps: int) -> np.ndarray:
    """The steps at which basin membership is checked: every step up to 20, every 5th up to 200, every 25th after,
    and the last; so the share out by steps 2, 10 and 100 is exact."""
    schedule = np.concatenate([np.arange(1, 21), np.arange(25, 201, 5), np.arange(225, steps + 1, 25), [steps]])
    return np.unique(schedule[(schedule >= 1) & (schedule <= steps)])


class Exits:
    """The first checked step at which each run's point lies outside its start basin (NOT_YET if it never did).

    A point within `core_radius` of the basin's minimum lies in the basin (the radius is the distance to the basin's
    nearest edge, experiments.escape.basin_core_radius), so only points beyond it are assigned; a run that has left
    is not checked again (the escape time is a first passage).
    """

    def __init__(self, landscape: Landscape, basin: int, core_radius: float, checks: np.ndarray, runs: int) -> None:
        self.landscape, self.basin = landscape, basin
        self.centre = landscape.minima[basin].location
        self.core_radius = core_radius
        self.checks = frozenset(int(t) for t in checks)
        self.exit_steps = np.full(runs, NOT_YET, dtype=np.int64)

    def observe(self, t: int, before: np.ndarray, after: np.ndarray, alive: np.ndarray) -> None:
        if t not in self.checks:
            return
        looking = np.flatnonzero(alive & (self.exit_steps == NOT_YET))
        if looking.size == 0:
            return
        beyond = looking[row_norms(after[looking] - self.centre) > self.core_radius]
        if beyond.size:
            out = assign_basins(self.landscape, after[beyond]) != self.basin
            self.exit_steps[beyond[out]] = t


class StepLengths:
    """Each run's summed step length over its first `window` steps and over all its steps."""

    def __init__(self, runs: int, window: int = EARLY_WINDOW) -> None:
        self.window = window
        self.early = np.zeros(runs)
        self.total = np.zeros(runs)

    def observe(self, t: int, before: np.ndarray, after: np.ndarray, alive: np.ndarray) -> None:
        length = row_norms(after - before)  # 0 for a stopped run: its point is frozen
        self.total += length
        if t <= self.window:
            self.early += length

    def means(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean step length over the window and over the run, (N,) each (nan over no steps)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.early / min(self.window, steps), self.total / steps


class Tail:
    """How far each run moved from where it was `length` steps before the end: the largest distance over those
    steps (an oscillation that returns to its point still counts its swing)."""

    def __init__(self, runs: int, steps: int, length: int) -> None:
        self.start = max(steps - length, 0)
        self.anchor: np.ndarray | None = None
        self.motion = np.zeros(runs)

    def observe(self, t: int, before: np.ndarray, after: np.ndarray, alive: np.ndarray) -> None:
        if t == self.start + 1:
            self.anchor = before.copy()
        if self.anchor is not None:
            np.maximum(self.motion, row_norms(after - self.anchor), out=self.motion)
