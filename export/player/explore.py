"""Runs shown in the player: `explore` runs optimizers and returns a notebook-ready player, `player_payload` adds
the teaching overlays and basin tracks to runs someone else made (the `cmx animate --html` path)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from experiments import work
from experiments.run import RunResult, as_landscape, as_optimizer, as_starts, as_steps, recorded_step_indices, run
from experiments.starts import uniform_starts
from experiments.teaching import REPLAY_STEPS, teaching_trace
from export.labels import optimizer_labels
from export.player.html import notebook_html, standalone_html
from export.player.payload import BASIN_POINTS, BASIN_RUNS, basin_tracks, build_payload
from export.player.picture import RESOLUTION, landscape_picture
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


def default_follow(methods: Sequence[Optimizer]) -> int:
    """The optimizer whose overlays teach most: the first with a critical buffer, else the first."""
    return next((k for k, method in enumerate(methods) if "top_c" in method.params), 0)


def player_work(surface: Landscape, methods: Sequence[Optimizer], follow: int, runs: int, steps: int,
                recorded: int, basins: bool) -> list[work.Work]:
    """What `player_payload` adds to the runs: the picture, the replayed run and the basin tracks."""
    parts = [work.pixels_work(surface, RESOLUTION**2)]
    if steps <= REPLAY_STEPS.high:
        parts.append(work.run_work(surface, methods[follow], 1, steps, steps + 1))
    if basins:
        parts.append(work.basin_work(surface, min(BASIN_RUNS, runs) * min(recorded, BASIN_POINTS) * len(methods)))
    return parts


def player_payload(surface: Landscape, methods: Sequence[Optimizer], results: Mapping[str, RunResult],
                   follow: tuple[int, int], basins: bool = True, note: str = "", title: str = "") -> dict[str, Any]:
    """The payload of `results` (label -> result of methods[k], from the same starts): the landscape's picture, the
    teaching overlays of run follow[1] of optimizer follow[0] (if its steps can be replayed) and basin tracks."""
    labels = list(results)
    series, run_index = follow
    followed = results[labels[series]]
    trace = None
    if followed.steps <= REPLAY_STEPS.high:
        trace = teaching_trace(surface, methods[series], followed.starts[run_index], followed.steps)
    tracks = {label: basin_tracks(surface, result) for label, result in results.items()} if basins else None
    return build_payload(surface, results, landscape_picture(surface), teaching=trace,
                         follow=(labels[series], run_index) if trace is not None else None, basins=tracks,
                         note=note, title=title)


def explore(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | Optimizer | str,
            starts: object = None, steps: int = 300, *, runs: int = 3, seed: int = 0,
            follow: tuple[int, int] | None = None, basins: bool = True, note: str = "", title: str = "",
            max_work: int | None = work.DEFAULT_MAX_WORK) -> Exploration:
    """Run every optimizer from the same starts ((N, 2); default `runs` seeded random points in the box) and show
    them in the player, with the teaching overlays of run follow[1] of optimizer follow[0] (default: the first run
    of the first optimizer with a critical buffer, else of the first) and, if `basins`, the basin track of the first
    runs of each optimizer."""
    surface = as_landscape(landscape)
    methods = [as_optimizer(m) for m in ([optimizers] if isinstance(optimizers, (str, Optimizer)) else optimizers)]
    if not methods:
        raise SpecError("explore needs at least one optimizer")
    steps = as_steps(steps)
    if starts is None:
        starts = uniform_starts(surface.domain.low, surface.domain.high, RUNS.check(runs), seed)
    x = as_starts(starts, surface.dim)
    follow = (default_follow(methods), 0) if follow is None else (int(follow[0]), int(follow[1]))
    if not (0 <= follow[0] < len(methods) and 0 <= follow[1] < len(x)):
        raise SpecError(f"follow must be (optimizer index < {len(methods)}, run index < {len(x)}) (got {follow})")
    every = max(1, math.ceil(steps / RECORDED_POINTS))
    recorded = len(recorded_step_indices(steps, every))
    if max_work is not None:
        work.check(work.total([work.setup_work(surface),
                               *[work.run_work(surface, m, len(x), steps, recorded) for m in methods],
                               *player_work(surface, methods, follow[0], len(x), steps, recorded, basins)]), max_work)
    labels = optimizer_labels([(m.name, m.params) for m in methods])
    results = {label: run(surface, m, x, steps, record=every, max_work=None) for label, m in zip(labels, methods)}
    return Exploration(player_payload(surface, methods, results, follow, basins, note, title))


__all__ = ["Exploration", "default_follow", "explore", "player_payload", "player_work"]
