"""`explore`: run optimizers on a landscape and show them in the player, in a notebook cell or as an HTML file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

from experiments import work
from experiments.run import as_landscape, as_optimizer, as_starts, as_steps, recorded_step_indices, run
from experiments.starts import uniform_starts
from experiments.teaching import REPLAY_STEPS, teaching_trace
from export.labels import optimizer_labels
from export.player.html import notebook_html, standalone_html
from export.player.payload import BASIN_POINTS, BASIN_RUNS, basin_tracks, build_payload
from export.player.picture import LONG_SIDE, RESOLUTION, landscape_picture
from landscapes import Landscape
from optimizers import Optimizer
from specs import Field, SpecError

RECORDED_POINTS = 1000  # at most this many points of each trajectory are kept (every k-th step)
RUNS = Field("runs", "int", 3, "random starts when none are given", low=1, high=1000)


class Exploration:
    """The player of one set of runs: shown by a notebook (`_repr_html_`) or saved as a standalone HTML file."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def _repr_html_(self) -> str:
        return notebook_html(self.payload)

    def html(self) -> str:
        return standalone_html(self.payload)

    def save(self, path: str | Path) -> Path:
        """Write the standalone player to `path` (.html) and return it."""
        path = Path(path)
        path.write_text(self.html(), encoding="utf-8")
        return path


def explore(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | Optimizer | str,
            starts: object = None, steps: int = 300, *, runs: int = 3, seed: int = 0,
            follow: tuple[int, int] | None = None, basins: bool = True, note: str = "", title: str = "", max_work: int | None = work.DEFAULT_MAX_WORK
            ) -> Exploration:
    """Run every optimizer from the same starts ((N, 2); default `runs` seeded random points in the box) and show
    them in the player, with the teaching overlays of run follow[1] of optimizer follow[0] (default: the first run of
    the first optimizer with a critical buffer, else of the first) and, if `basins`, the basin track of the first
    runs of each optimizer."""
    surface = as_landscape(landscape)
    methods = [as_optimizer(m) for m in ([optimizers] if isinstance(optimizers, (str, Optimizer)) else optimizers)]
    if not methods:
        raise SpecError("explore needs at least one optimizer")
    steps = as_steps(steps)
    if starts is None:
        starts = uniform_starts(surface.domain.low, surface.domain.high, RUNS.check(runs), seed)
    x = as_starts(starts, surface.dim)
    if follow is None:
        follow = (next((k for k, m in enumerate(methods) if "top_c" in m.params), 0), 0)
    series, run_index = int(follow[0]), int(follow[1])
    if not (0 <= series < len(methods) and 0 <= run_index < len(x)):
        raise SpecError(f"follow must be (optimizer index < {len(methods)}, run index < {len(x)}) (got {follow})")
    every = max(1, math.ceil(steps / RECORDED_POINTS))
    recorded = len(recorded_step_indices(steps, every))
    overlays = steps <= REPLAY_STEPS.high
    tracked = min(BASIN_RUNS, len(x)) * min(recorded, BASIN_POINTS) if basins else 0
    if max_work is not None:
        work.check(work.total([work.setup_work(surface), work.pixels_work(surface, RESOLUTION**2),
                               *[work.run_work(surface, m, len(x), steps, recorded) for m in methods],
                               *([work.run_work(surface, methods[series], 1, steps, steps + 1)] if overlays else []),
                               *([work.basin_work(surface, tracked * len(methods))] if tracked else [])]), max_work)
    labels = optimizer_labels([(m.name, m.params) for m in methods])
    results = {label: run(surface, m, x, steps, record=every, max_work=None) for label, m in zip(labels, methods)}
    trace = teaching_trace(surface, methods[series], x[run_index], steps) if overlays else None
    tracks = {label: basin_tracks(surface, result) for label, result in results.items()} if basins else None
    payload = build_payload(surface, results, landscape_picture(surface, LONG_SIDE), teaching=trace,
                            follow=(labels[series], run_index) if trace is not None else None, basins=tracks,
                            note=note, title=title)
    return Exploration(payload)


__all__ = ["Exploration", "explore"]
