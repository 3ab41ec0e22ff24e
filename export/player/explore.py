"""Runs shown in the player: `explore` runs optimizers and returns a notebook-ready player, `player_payload` adds
the teaching overlays and basin tracks to runs someone else made (the `cmx animate --html` path).

What reaches a browser is bounded: at most RECORDED_POINTS points of a trajectory and PLAYER_POINTS of all of them
together (`record_every`), and a page refused above MAX_PAGE_BYTES (`check_page`), before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from experiments import work
from experiments.escape import SEED
from experiments.run import (
    STEPS,
    RunResult,
    as_landscape,
    as_optimizer,
    as_starts,
    as_steps,
    recorded_step_indices,
    run,
)
from experiments.starts import uniform_starts
from experiments.teaching import REPLAY_STEPS, teaching_trace
from export.figures import require_2d
from export.files import OutputFiles
from export.labels import optimizer_labels
from export.player.html import PLAYER_ASSETS, asset, notebook_html, standalone_html
from export.player.live import live_part
from export.player.payload import BASIN_POINTS, BASIN_RUNS, basin_tracks, build_payload, payload_text
from export.player.picture import LONG_SIDE, RESOLUTION, landscape_picture
from landscapes import Landscape
from optimizers import Optimizer
from specs import Field, SpecError

RECORDED_POINTS = 1000  # at most this many points of each trajectory are kept (every k-th step)
PLAYER_POINTS = 400_000  # ... and of all trajectories together (float32 positions and losses: about 5 MB)
MIN_RECORDED = 50  # ... but at least this many a trajectory, whatever the runs (the page's size says the rest)
MAX_PAGE_BYTES = 50 * 1024**2  # a player page above this is refused: a browser parses its JSON whole, in one string
ENCODING_COPIES = 6  # the payload's text held at once while it becomes a page: payload, JSON, escaped, page, bytes
PICTURE_BYTES = LONG_SIDE**2 * 4  # the landscape's PNG at most (RGBA, uncompressed)
RUNS = Field("runs", "int", 3, "random starts when none are given", low=1, high=1000)
TITLE = Field("title", "text", "", "the player's title", max_length=200)
NOTE = Field("note", "text", "", "a line of text shown under the player", max_length=2000)
BASINS = Field("basins", "bool", True, "show the basin track of the first runs of each optimizer")
PAGE_FORMATS = ("html",)


class Exploration:
    """The player of one set of runs: shown by a notebook (`_repr_html_`) or saved as a standalone HTML file."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload

    def _repr_html_(self) -> str:
        return notebook_html(self.payload)

    def html(self) -> str:
        return standalone_html(self.payload)

    def save(self, path: str | Path) -> Path:
        """Write the standalone player to `path` (.html), whole or not at all, and return it."""
        with OutputFiles() as files:
            target = files.claim(path, "path", PAGE_FORMATS)
            files.write(target, self.html())
            files.commit()
        return target


def points_per_run(total_runs: int) -> int:
    """The recorded points a trajectory keeps when `total_runs` are shown: at most RECORDED_POINTS, all of them
    together at most PLAYER_POINTS (but each at least MIN_RECORDED)."""
    return max(MIN_RECORDED, min(RECORDED_POINTS, PLAYER_POINTS // max(total_runs, 1)))


def record_every(steps: int, total_runs: int) -> int:
    """Record every k-th step so that each of `total_runs` trajectories keeps `points_per_run` points."""
    return max(1, -(-steps // points_per_run(total_runs)))


def default_follow(methods: Sequence[Optimizer]) -> int:
    """The optimizer whose overlays teach most: the first with a critical buffer, else the first."""
    return next((k for k, method in enumerate(methods) if method.buffer_capacity), 0)


def page_text(methods: Sequence[Optimizer], follow: int, runs: int, recorded: int, basins: bool) -> float:
    """An upper bound on the characters of a player page of these runs: the payload `player_payload` builds (the
    followed run's overlays hold 5 vectors and its buffer's) and the player's own code."""
    capacity = methods[follow].buffer_capacity
    return payload_text(len(methods), runs, recorded, min(BASIN_RUNS, runs) if basins else 0, 5 + capacity,
                        PICTURE_BYTES) + sum(len(asset(name)) for name in PLAYER_ASSETS)


def check_page(methods: Sequence[Optimizer], follow: int, runs: int, recorded: int, basins: bool) -> None:
    """Refuse, before anything runs, a player page that would pass MAX_PAGE_BYTES."""
    size = page_text(methods, follow, runs, recorded, basins)
    if size > MAX_PAGE_BYTES:
        raise SpecError(f"the player's page would be about {size / 1024**2:,.0f} MB, more than the "
                        f"{MAX_PAGE_BYTES // 1024**2} MB a browser opens reliably; lower runs or the number of "
                        "optimizers")


def player_work(surface: Landscape, methods: Sequence[Optimizer], follow: int, runs: int, steps: int,
                recorded: int, basins: bool) -> list[work.Work]:
    """What `player_payload` adds to the runs: the picture, the replayed run, the basin tracks, and the payload's
    text as it becomes JSON and a page."""
    text = page_text(methods, follow, runs, recorded, basins)
    parts = [work.pixels_work(surface, RESOLUTION**2), work.Work(peak_bytes=ENCODING_COPIES * text)]
    if steps <= REPLAY_STEPS.high:
        parts.append(work.run_work(surface, methods[follow], 1, steps, steps + 1))
    if basins:
        parts.append(work.basin_work(surface, min(BASIN_RUNS, runs) * min(recorded, BASIN_POINTS) * len(methods)))
    return parts


def exploration_work(surface: Landscape, methods: Sequence[Optimizer], starts: np.ndarray, steps: int, follow: int,
                     basins: bool) -> work.Work:
    """What showing these runs takes, as explore and the app's Explorer do: the landscape's minima, each optimizer's
    runs from `starts` (N, d) keeping every record_every-th step, and the player's page (picture, replayed run, basin
    tracks, text)."""
    every = record_every(steps, len(starts) * len(methods))
    recorded = len(recorded_step_indices(steps, every))
    return work.total([work.setup_work(surface), *[run.cost(surface, m, starts, steps, every) for m in methods],
                       *player_work(surface, methods, follow, len(starts), steps, recorded, basins)])


def player_payload(surface: Landscape, methods: Sequence[Optimizer], results: Mapping[str, RunResult],
                   follow: tuple[int, int], basins: bool = True, note: str = "", title: str = "") -> dict[str, Any]:
    """The payload of `results` (label -> result of methods[k], from the same starts): the landscape's picture, the
    teaching overlays of run follow[1] of optimizer follow[0] (if its steps can be replayed), basin tracks and what
    the page needs to rerun them (export.player.live)."""
    labels = list(results)
    series, run_index = follow
    followed = results[labels[series]]
    trace = None
    if followed.steps <= REPLAY_STEPS.high:
        trace = teaching_trace(surface, methods[series], followed.starts[run_index], followed.steps)
    tracks = {label: basin_tracks(surface, result) for label, result in results.items()} if basins else None
    live = live_part(surface, methods, followed.starts, followed.steps,
                     points_per_run(followed.n_runs * len(methods)), RUNS.high, STEPS.high)
    return build_payload(surface, results, landscape_picture(surface), teaching=trace,
                         follow=(labels[series], run_index) if trace is not None else None, basins=tracks,
                         note=note, title=title, live=live)


def checked_follow(follow: object, methods: int, runs: int) -> tuple[int, int]:
    """`follow` as (optimizer index, run index), two integers in range, or one SpecError naming them."""
    shown = repr(follow) if len(repr(follow)) <= 40 else repr(follow)[:37] + "..."
    refused = SpecError(f"follow must be (optimizer index, run index), integers in [0, {methods - 1}] and "
                        f"[0, {runs - 1}] (got {shown})")
    if not isinstance(follow, (tuple, list)) or len(follow) != 2:
        raise refused
    try:
        return (Field("follow", "int", 0, "", low=0, high=methods - 1).check(follow[0]),
                Field("follow", "int", 0, "", low=0, high=runs - 1).check(follow[1]))
    except SpecError:
        raise refused from None


def explore(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | Optimizer | str,
            starts: object = None, steps: int = 300, *, runs: int = 3, seed: int = 0,
            follow: tuple[int, int] | None = None, basins: bool = True, note: str = "", title: str = "",
            max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> Exploration:
    """Run every optimizer from the same starts ((N, 2); default `runs` seeded random points in the box) and show
    them in the player, with the teaching overlays of run follow[1] of optimizer follow[0] (default: the first run
    of the first optimizer with a critical buffer, else of the first) and, if `basins`, the basin track of the first
    runs of each optimizer. Every argument, the work and the page's size are checked before anything runs; the
    trajectories keep every k-th step (record_every)."""
    surface = as_landscape(landscape)
    require_2d(surface, "the trajectory player")
    given = [optimizers] if isinstance(optimizers, (str, Mapping, Optimizer)) else optimizers
    if not isinstance(given, Sequence) or isinstance(given, bytes):
        raise SpecError(f"optimizers must be a list of specs such as ['adam', 'adam_cm:lr=0.01'] (got "
                        f"{type(optimizers).__name__})")
    methods = [as_optimizer(m) for m in given]
    if not methods:
        raise SpecError("explore needs at least one optimizer")
    steps = as_steps(steps)
    title, note, basins, seed = TITLE.check(title), NOTE.check(note), BASINS.check(basins), SEED.check(seed)
    if starts is None:
        starts = uniform_starts(surface.domain.low, surface.domain.high, RUNS.check(runs), seed)
    x = as_starts(starts, surface.dim)
    follow = (default_follow(methods), 0) if follow is None else checked_follow(follow, len(methods), len(x))
    every = record_every(steps, len(x) * len(methods))
    recorded = len(recorded_step_indices(steps, every))
    check_page(methods, follow[0], len(x), recorded, basins)
    if max_work is not None:
        work.check(exploration_work(surface, methods, x, steps, follow[0], basins), max_work,
                   lower="runs, steps or the number of optimizers")
    labels = optimizer_labels([(m.name, m.params) for m in methods])
    results = {label: run(surface, m, x, steps, record=every, max_work=None) for label, m in zip(labels, methods)}
    return Exploration(player_payload(surface, methods, results, follow, basins, note, title))


__all__ = ["Exploration", "check_page", "default_follow", "exploration_work", "explore", "player_payload",
           "player_work", "points_per_run", "record_every"]
