"""`cmx basins`, `cmx animate` and `cmx figures`: pictures to files."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from experiments.cli_common import add_landscape_arguments, add_work_limit_argument, landscape_from
from experiments.cli_measure import DEFAULT_LR, DEFAULT_OPTIMIZERS, split_specs, with_default_lr
from experiments.cli_run import parse_point, write_output
from experiments.escape import SEED
from experiments.progress import ProgressBar
from experiments.run import check_work, run
from optimizers import build_optimizer
from specs import SpecError


def _optimizers(args: argparse.Namespace) -> list[str]:
    return [with_default_lr(spec, args.lr) for spec in split_specs(args.optimizers)]


def _basins(args: argparse.Namespace) -> None:
    from experiments.basin_map import RESOLUTION, basin_map, flow_map
    from experiments.figures import basin_map_figure

    landscape = landscape_from(args)
    optimizers = _optimizers(args)
    cells = RESOLUTION.check(args.resolution) ** 2
    check_work(cells, args.steps, sum(build_optimizer(spec).grad_evals_per_step for spec in optimizers), args.max_work,
               landscape.step_cost)
    maps = [flow_map(landscape, args.resolution)]
    with ProgressBar("cmx basins") as bar:
        for k, spec in enumerate(optimizers):
            maps.append(basin_map(landscape, spec, args.resolution, args.steps, args.max_work))
            bar((k + 1) / len(optimizers))
    basin_map_figure(maps, landscape).savefig(args.out, dpi=110, metadata={"Software": None})
    lines = ["map" + "".join(f"  {label:>9}" for label in _basin_labels(landscape))]
    for found in maps:
        shares = [np.mean(found.basins == k) for k in (*range(len(landscape.minima)), -1, -2)]
        lines.append(f"{found.optimizer}\n   " + "".join(f"  {share:9.1%}" for share in shares))
    write_output("\n".join(lines), None)


def _basin_labels(landscape) -> list[str]:
    labels = [f"{k}:{m.label}" if m.label else str(k) for k, m in enumerate(landscape.minima)]
    return [*labels, "none", "diverged"]


def _animate(args: argparse.Namespace) -> None:
    from experiments.animate import FRAMES, trajectory_gif

    landscape = landscape_from(args)
    if args.start:
        starts = np.array([parse_point(text, landscape.dim) for text in args.start])
    else:
        if not 1 <= args.runs <= 1000:
            raise SpecError(f"--runs must be an integer in [1, 1000] (got {args.runs})")
        starts = np.random.default_rng(SEED.check(args.seed)).uniform(landscape.domain.low, landscape.domain.high,
                                                          (args.runs, landscape.dim))
    frames = FRAMES.check(args.frames)
    results = {}
    for spec in _optimizers(args):
        results[spec] = run(landscape, spec, starts, args.steps, record=max(1, args.steps // frames),
                            max_work=args.max_work)
    Path(args.out).write_bytes(trajectory_gif(landscape, results, frames=frames, fps=args.fps))


def _figures(args: argparse.Namespace) -> None:
    from experiments.figures import write_study

    with ProgressBar("cmx figures") as bar:
        written = write_study(args.out, quick=args.quick, progress=bar, max_work=args.max_work)
    write_output("\n".join(str(path) for path in written), None)


def _add_optimizer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS,
                        help=f"comma-separated optimizer specs (default {DEFAULT_OPTIMIZERS})")
    parser.add_argument("--lr", type=float, default=DEFAULT_LR,
                        help=f"learning rate of every optimizer whose spec sets none (default {DEFAULT_LR})")


def add_parser(commands: argparse._SubParsersAction) -> None:
    basins = commands.add_parser("basins", help="a basin map: a grid of starts coloured by the basin each ends in "
                                                "(PNG)")
    add_landscape_arguments(basins, default="two_basin")
    _add_optimizer_arguments(basins)
    basins.add_argument("--resolution", type=int, default=60, help="grid points per axis (default 60)")
    basins.add_argument("--steps", type=int, default=300, help="steps per run (default 300)")
    basins.add_argument("--out", required=True, help="PNG file to write")
    add_work_limit_argument(basins)
    basins.set_defaults(handler=_basins)

    animate = commands.add_parser("animate", help="trajectories over the landscape as an animated GIF")
    add_landscape_arguments(animate, default="goldstein_price")
    _add_optimizer_arguments(animate)
    animate.add_argument("--start", action="append", default=[], help="a start point X,Y (repeat; default: --runs "
                                                                      "random starts)")
    animate.add_argument("--runs", type=int, default=8, help="random starts when no --start is given (default 8)")
    animate.add_argument("--seed", type=int, default=0, help="seed of the random starts (default 0)")
    animate.add_argument("--steps", type=int, default=200, help="steps per run (default 200)")
    animate.add_argument("--frames", type=int, default=200, help="frames (default 200)")
    animate.add_argument("--fps", type=int, default=20, help="frames per second (default 20)")
    animate.add_argument("--out", required=True, help="GIF file to write")
    add_work_limit_argument(animate)
    animate.set_defaults(handler=_animate)

    figures = commands.add_parser("figures", help="the paper-style toy study (a)-(e) as PNG + CSV files")
    figures.add_argument("--out", required=True, help="folder to write into (created if missing)")
    figures.add_argument("--quick", action="store_true", help="a tiny version (seconds, for tests and smoke checks)")
    add_work_limit_argument(figures)
    figures.set_defaults(handler=_figures)
