"""The escape measurement's own speed (issue 11): the runs and the basin assignment together.

`measure_escape_case`: escape_experiment on two_basin:sharpness=16 with Adam+CM, 100,000 runs x 200 steps, in this
process: run-steps per second of the whole measurement (on one core and on every core), the share of its time spent
outside the optimizer loop, and what drawing and checking the starts and assigning the end points cost per point, in
optimizer steps of the same runs. `measure_million`: the million-run `cmx escape` as a fresh process, its wall time
and peak resident memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.speed import seconds
from experiments.basins import assign_basins
from experiments.escape import CHUNK_RUNS, escape_experiment, resolve_basin, run_to_ends, starts_in_basin
from experiments.run import advance, as_optimizer, recorded_step_indices
from landscapes import build_landscape

LANDSCAPE, OPTIMIZER, RUNS, STEPS = "two_basin:sharpness=16", "adam_cm:lr=0.05", 100_000, 200
ROUNDS = 2
MILLION = ["escape", "--landscape", "two_basin", "--optimizers", "adam,adam_cm", "--sweep", "sharpness=16",
           "--runs", "1000000", "--steps", "200", "--max-work", "10000000000"]
PROJECT = Path(__file__).resolve().parents[1]
# Runs a command and prints its wall time and its peak resident memory (the only child this process waits for).
MEASURED_CHILD = ("import json, resource, subprocess, sys, time; start = time.perf_counter(); "
                  "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
                  "print(json.dumps({'seconds': time.perf_counter() - start, 'returncode': done.returncode, "
                  "'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
                  "'error': (done.stderr.strip().splitlines() or [''])[-1]}))")


@dataclass(frozen=True)
class EscapeSpeed:
    """Seconds of one escape measurement and of its parts, each the best of ROUNDS."""

    runs: int
    steps: int
    serial: float  # escape_experiment on one core: edge search, starts, runs, basins, summary
    parallel: float  # the same with its default threads
    loop: float  # the optimizer loop alone, on the same starts and chunks (one core)
    starts: float  # the basin's edge and the starts drawn inside it, each draw checked (one core)
    ends: float  # the end points' basins (one core)

    @property
    def run_steps(self) -> int:
        return self.runs * self.steps

    @property
    def outside_share(self) -> float:
        """The share of the measurement's time (one core) spent outside the optimizer loop."""
        return 1.0 - self.loop / self.serial

    @property
    def basin_steps_per_point(self) -> float:
        """Drawing and checking the starts plus assigning the end points, per run, in optimizer steps of the run."""
        return (self.starts + self.ends) / self.runs / (self.loop / self.run_steps)


def measure_escape_case(runs: int = RUNS, steps: int = STEPS, rounds: int = ROUNDS) -> EscapeSpeed:
    landscape, method = build_landscape(LANDSCAPE), as_optimizer(OPTIMIZER)
    basin = resolve_basin(landscape, "sharp")  # finds the minima, once, as the cached landscape of a session would
    keep = recorded_step_indices(steps, "final")
    starts = starts_in_basin(landscape, basin, runs, 0)
    finals = np.empty_like(starts)

    def loop() -> None:
        for low in range(0, runs, CHUNK_RUNS):
            rows = slice(low, min(low + CHUNK_RUNS, runs))
            finals[rows] = advance(landscape, method, starts[rows], steps, keep, np.arange(rows.start, rows.stop)).final

    parts = {"serial": lambda: escape_experiment(landscape, method, runs=runs, steps=steps, max_work=None, workers=1),
             "parallel": lambda: escape_experiment(landscape, method, runs=runs, steps=steps, max_work=None),
             "loop": loop, "starts": lambda: starts_in_basin(landscape, basin, runs, 0),
             "ends": lambda: assign_basins(landscape, finals)}
    best = {name: float("inf") for name in parts}
    for _ in range(rounds):
        for name, part in parts.items():
            best[name] = min(best[name], seconds(part))
    return EscapeSpeed(runs, steps, **best)


def measure_million() -> tuple[float | None, float | None, str]:
    """(wall seconds, peak resident MB, note) of the million-run `cmx escape` in a fresh process; None on failure."""
    command = [sys.executable, "-m", "cli", *MILLION]
    done = subprocess.run([sys.executable, "-c", MEASURED_CHILD, *command], capture_output=True, text=True,
                          cwd=PROJECT)
    note = f"(cmx {' '.join(MILLION)}, a fresh process)"
    try:
        measured = json.loads(done.stdout)
    except json.JSONDecodeError:
        return None, None, f"(could not measure: {done.stderr.strip()[-200:]})"
    if measured["returncode"] != 0:
        return None, None, f"(cmx {' '.join(MILLION)} failed: {measured['error']})"
    return measured["seconds"], measured["peak_kib"] * 1024 / 1e6, note


DEFAULT_ESCAPE = ("two_basin", ("adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05", "adam_sam_cm:lr=0.05"), 1000,
                  200)  # what the default `cmx escape` measures


def measure_escape_time_bookkeeping(rounds: int = 5) -> float:
    """Seconds the escape times (issue 14: each run's first exit, checked on a ladder of steps) add to the default
    `cmx escape`'s runs: its four optimizers' runs with and without the exit watcher, best of `rounds`."""
    spec, optimizers, runs, steps = DEFAULT_ESCAPE
    landscape = build_landscape(spec)
    basin = resolve_basin(landscape, "sharp")
    starts = starts_in_basin(landscape, basin, runs, 0)
    methods = [as_optimizer(name) for name in optimizers]

    def measured(watched: int | None) -> float:
        return min(seconds(lambda: [run_to_ends(landscape, m, starts, steps, 1, watched) for m in methods])
                   for _ in range(rounds))

    return measured(basin) - measured(None)
