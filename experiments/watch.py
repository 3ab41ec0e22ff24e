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
SHARES_AT = (2, 10, 100)  # the steps whose share of runs out of their basin every escape table reports
FLUSH_POINTS = 100_000  # points beyond a basin's core gathered before they are assigned together
EARLY_WINDOW = 20  # the escape window: where Adam+CM's long early steps fall (docs/theory.md)


def check_steps(steps: int) -> np.ndarray:
    """The steps at which basin membership is checked: 1 to 5, then about a quarter further each time (a geometric
    ladder: an escape time is known to within a quarter of itself), with 2, 10 and 100 (whose shares out every table
    reports) and the last step always among them. A membership check costs a basin assignment of the runs beyond the
    basin's core; 22 checks over 200 steps keep the bookkeeping a small part of a run."""
    top = max(steps, 5)
    ladder = np.round(np.geomspace(5, top, max(2, int(np.log(top / 5) / np.log(1.25)) + 1)))
    schedule = np.concatenate([np.arange(1, 6), ladder, list(SHARES_AT), [steps]]).astype(int)
    return np.unique(schedule[(schedule >= 1) & (schedule <= steps)])


class Exits:
    """The first checked step at which each run's point lies outside its start basin (NOT_YET if it never did).

    A point within `core_radius` of the basin's minimum lies in the basin (the radius is the distance to the basin's
    nearest edge, experiments.escape.basin_core_radius), so only points beyond it need a basin assignment. Those
    are gathered and assigned together (FLUSH_POINTS at a time, and the rest by `finish`): one assignment of many
    points costs a fraction of many small ones. The escape time is a first passage: a run that left and came back
    still left at that step.
    """

    def __init__(self, landscape: Landscape, basin: int, core_radius: float, checks: np.ndarray, runs: int) -> None:
        self.landscape, self.basin = landscape, basin
        self.centre = landscape.minima[basin].location
        self.core_radius = core_radius
        self.checks = frozenset(int(t) for t in checks)
        self.exit_steps = np.full(runs, NOT_YET, dtype=np.int64)
        self._pending: list[tuple[int, np.ndarray, np.ndarray]] = []  # (step, rows, points) beyond the core
        self._pending_points = 0

    def observe(self, t: int, before: np.ndarray, after: np.ndarray, alive: np.ndarray) -> None:
        if t not in self.checks:
            return
        looking = np.flatnonzero(alive & (self.exit_steps == NOT_YET))
        beyond = looking[row_norms(after[looking] - self.centre) > self.core_radius] if looking.size else looking
        if beyond.size:
            self._pending.append((t, beyond, after[beyond]))
            self._pending_points += beyond.size
            if self._pending_points >= FLUSH_POINTS:
                self.finish()

    def finish(self) -> None:
        """Assign the gathered points and keep, per run, the first step found outside the basin."""
        if not self._pending:
            return
        steps = np.concatenate([np.full(len(rows), t) for t, rows, _ in self._pending])
        rows = np.concatenate([rows for _, rows, _ in self._pending])
        out = assign_basins(self.landscape, np.concatenate([points for _, _, points in self._pending])) != self.basin
        self._pending, self._pending_points = [], 0
        first = np.where(self.exit_steps == NOT_YET, np.iinfo(np.int64).max, self.exit_steps)
        np.minimum.at(first, rows[out], steps[out])  # per run, the earliest step found outside
        self.exit_steps = np.where(first == np.iinfo(np.int64).max, NOT_YET, first)


class StepLengths:
    """Each run's summed step length over its first `window` steps and over all its steps."""

    def __init__(self, runs: int, window: int = EARLY_WINDOW) -> None:
        self.window = window
        self.early = np.zeros(runs)
        self.total = np.zeros(runs)
        self._step: np.ndarray | None = None  # scratch for each step's displacement

    def observe(self, t: int, before: np.ndarray, after: np.ndarray, alive: np.ndarray) -> None:
        if self._step is None or self._step.shape != after.shape:
            self._step = np.empty_like(after)
        np.subtract(after, before, out=self._step)  # 0 for a stopped run: its point is frozen
        length = row_norms(self._step)
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
