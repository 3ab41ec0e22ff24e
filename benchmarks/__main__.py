"""`python -m benchmarks` (what `make bench` runs): every speed, ratio and wall time of issue 6, then the targets.

Exit status 1 if a target is missed. `--quick` measures only N = 100 without PyTorch (a smoke run, no targets).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

from benchmarks import speed, wall_times
from benchmarks.targets import Verdict, speed_verdicts, wall_verdicts


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
    args = parser.parse_args(argv)
    with_torch = not args.quick
    header(with_torch)
    speeds = speed.measure_all(with_torch, print_speed, (100,) if args.quick else speed.RUN_COUNTS)
    if args.quick:
        return 0
    walls = wall_times.measure_all(lambda name, secs, note: print(f"wall {name} {number(secs, 3)} s  {note}",
                                                                    flush=True))
    verdicts: list[Verdict] = speed_verdicts(speeds) + wall_verdicts(walls)
    for verdict in verdicts:
        print(verdict.line())
    missed = [v for v in verdicts if not v.met]
    print(f"targets met: {len(verdicts) - len(missed)} of {len(verdicts)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
