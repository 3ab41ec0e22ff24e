"""`python -m benchmarks` (what `make bench` runs): every speed and ratio, the escape measurement's speed, the wall
times, how fast over-limit requests are refused, a grid of cells on one core, on threads and on worker processes,
then the targets (benchmarks/targets.py).

Exit status 1 if a target is missed. `--quick` measures only N = 100 without PyTorch (a smoke run, no targets).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

from benchmarks import escape_speed, grid_speed, refusals, speed, wall_times
from benchmarks.targets import (
    TARGET_RUNS,
    Verdict,
    bookkeeping_verdicts,
    escape_verdicts,
    grid_verdicts,
    refusal_verdicts,
    speed_verdicts,
    wall_verdicts,
)


def number(value: float | None, digits: int = 3) -> str:
    return "na" if value is None else f"{value:.{digits}g}"


def print_speed(s: speed.Speed) -> None:
    rates = " ".join(f"{name}={number(getattr(s, name))}" for name in ("cmx", "numpy_limit", "torch_batched",
                                                                        "torch_loop"))
    setting = f" (batched PyTorch: {s.torch_batched_setting})" if s.torch_batched_setting else ""
    print(f"speed {s.optimizer} {s.landscape} {s.n_runs} run-steps/s {rates}{setting}")
    print(f"ratio {s.optimizer} {s.landscape} {s.n_runs} vs_torch_loop={number(s.ratio('torch_loop'), 4)} "
          f"vs_torch_batched={number(s.ratio('torch_batched'), 3)} vs_numpy_limit={number(s.ratio('numpy_limit'), 3)}",
          flush=True)


def print_table(speeds: list[speed.Speed]) -> None:
    """The N = 10,000 cases side by side: run-steps per second and cmx's ratio to each baseline."""
    print(f"# at N = {TARGET_RUNS:,}: run-steps/s of cmx, the NumPy limit, batched PyTorch and the PyTorch loop; "
          "cmx's ratio to each (the PyTorch loop's is reported, not judged)")
    print(f"{'optimizer':12} {'landscape':16} {'cmx':>8} {'limit':>8} {'batched':>8} {'loop':>8} {'vs_limit':>8} "
          f"{'vs_batched':>10} {'vs_loop':>8}")
    for s in speeds:
        if s.n_runs == TARGET_RUNS:
            print(f"{s.optimizer:12} {s.landscape:16} {number(s.cmx):>8} {number(s.numpy_limit):>8} "
                  f"{number(s.torch_batched):>8} {number(s.torch_loop):>8} {number(s.ratio('numpy_limit')):>8} "
                  f"{number(s.ratio('torch_batched')):>10} {number(s.ratio('torch_loop'), 4):>8}")


def print_escape(case: escape_speed.EscapeSpeed) -> None:
    print(f"escape {escape_speed.LANDSCAPE} {escape_speed.OPTIMIZER} {case.runs} runs x {case.steps} steps: "
          f"run-steps/s one core={number(case.run_steps / case.serial)} "
          f"every core={number(case.run_steps / case.parallel)} "
          f"(seconds: whole {number(case.serial)}, {number(case.parallel)} on every core; optimizer loop "
          f"{number(case.loop)}, starts {number(case.starts)}, end basins {number(case.ends)})")
    print(f"escape outside_loop_share={number(case.outside_share, 2)} "
          f"basin_steps_per_point={number(case.basin_steps_per_point, 3)}", flush=True)


def print_grid(grid: grid_speed.GridSpeed) -> None:
    cells = len(grid_speed.GRID["axis"]["lr"]) * len(grid_speed.GRID["axis"]["sharpness"])
    print(f"grid {cells} cells x {len(grid_speed.GRID['optimizers'])} optimizers x {grid_speed.GRID['runs']:,} runs x "
          f"{grid_speed.GRID['steps']} steps ({grid.tasks} jobs, {grid.units:.3g} run-steps of work): serial "
          f"{number(grid.serial)} s; dask threads {number(grid.threads)} s ({number(grid.ratio('threads'))}x); "
          f"{grid.workers} worker processes {number(grid.processes)} s ({number(grid.ratio('processes'))}x); "
          f"same table {'yes' if grid.same_tables else 'NO'}; starting the cluster {number(grid.cluster_start)} s")
    print(f"grid overhead per job {number(1000 * grid.overhead_per_task)} ms (core-seconds beyond serial); a no-op "
          f"task {number(1000 * grid.no_op)} ms; memory per task at most {number(grid.task_bytes / 2**20)} MB "
          f"(chunk_bytes), worker peak resident {number(grid.worker_peak_mb)} MB "
          f"({number(grid.worker_start_mb)} MB before its first task)")
    units = grid_speed.big_grid_units()
    projected = grid.projected_seconds(units, grid_speed.BIG_CELLS, grid_speed.MACHINES)
    print(f"grid projection: {grid_speed.BIG_CELLS:,} cells of Adam+CM x {grid_speed.BIG_CELL['runs']:,} runs x "
          f"{grid_speed.BIG_CELL['steps']:,} steps ({units:.3g} run-steps of work) on {grid_speed.MACHINES} machines "
          f"like this one: {number(projected / 60)} min (one machine: "
          f"{number(grid.projected_seconds(units, grid_speed.BIG_CELLS, 1) / 60)} min)", flush=True)


def header(with_torch: bool) -> None:
    torch_text = "not measured"
    if with_torch:
        import torch

        torch_text = f"{torch.__version__} ({torch.get_num_threads()} threads by default)"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# cmx speed: {speed.STEPS} steps per run, lr={speed.LR}, rho={speed.RHO}, float64; best of 5 wall-clock "
          f"rounds; run-steps/s = runs x steps / seconds; ratio > 1: cmx is faster")
    print(f"# python {platform.python_version()}, numpy {np.__version__}, torch {torch_text}, {os.cpu_count()} cores, "
          f"load average {load}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 only, no PyTorch, no wall times, no targets")
    parser.add_argument("--grid", action="store_true", help="only the 400-cell grid on every scheduler, its targets")
    args = parser.parse_args(argv)
    with_torch = not args.quick and not args.grid
    header(with_torch)
    if args.grid:
        return judged(grid_verdicts(measured_grid()))
    speeds = speed.measure_all(with_torch, print_speed, (100,) if args.quick else speed.RUN_COUNTS)
    if args.quick:
        return 0
    print_table(speeds)
    case = escape_speed.measure_escape_case()
    print_escape(case)
    bookkeeping = escape_speed.measure_escape_time_bookkeeping()
    print(f"escape escape_time_bookkeeping {number(bookkeeping)} s added to the default cmx escape's runs", flush=True)
    million_seconds, million_mb, note = escape_speed.measure_million()
    print(f"wall million_run_escape {number(million_seconds)} s, peak resident {number(million_mb)} MB  {note}",
          flush=True)
    walls = wall_times.measure_all(lambda name, secs, note: print(f"wall {name} {number(secs, 3)} s  {note}",
                                                                    flush=True))
    refused = refusals.measure_all(lambda name, secs, note: print(f"refusal {name} {number(secs, 3)} s  {note}",
                                                                  flush=True))
    verdicts: list[Verdict] = (speed_verdicts(speeds) + escape_verdicts(case, million_seconds, million_mb)
                               + wall_verdicts(walls) + bookkeeping_verdicts(bookkeeping, walls.get("cmx_escape"))
                               + refusal_verdicts(refused) + grid_verdicts(measured_grid()))
    return judged(verdicts)


def measured_grid() -> grid_speed.GridSpeed:
    grid = grid_speed.measure_grid()
    print_grid(grid)
    return grid


def judged(verdicts: list[Verdict]) -> int:
    """Print every verdict and the load; exit status 1 if a target is missed."""
    for verdict in verdicts:
        print(verdict.line())
    missed = [v for v in verdicts if not v.met]
    print(f"# load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"targets met: {len(verdicts) - len(missed)} of {len(verdicts)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
