"""`cmx basins` and `cmx animate`: pictures to files, each request checked whole before it starts."""

from __future__ import annotations

import argparse

import numpy as np

from cli.common import (
    IMAGE_FORMATS,
    add_landscape_arguments,
    add_optimizer_arguments,
    add_work_limit_argument,
    landscape_from,
    optimizers_from,
    print_text,
    progress_bar,
)
from cli.run import parse_point
from experiments import work
from experiments.basin_map import RESOLUTION, basin_map, flow_map
from experiments.escape import SEED
from experiments.run import as_steps, recorded_step_indices, run
from experiments.starts import uniform_starts
from export.files import OutputFiles
from export.labels import optimizer_labels
from specs import Field, SpecError

ANIMATED_RUNS = Field("runs", "int", 8, "random starts of an animation", low=1, high=1000)
CONTOUR_PIXELS = 160**2  # the grid a figure's contours are drawn from


def _basins(args: argparse.Namespace) -> None:
    from export.figures import basin_map_figure

    with OutputFiles() as files:
        out = files.claim(args.out, "--out", IMAGE_FORMATS)
        landscape = landscape_from(args)
        optimizers = optimizers_from(args)
        resolution, steps = RESOLUTION.check(args.resolution), as_steps(args.steps)
        request = work.total([flow_map.cost(landscape, resolution),
                              *[basin_map.cost(landscape, method, resolution, steps) for method in optimizers],
                              work.pixels_work(landscape, CONTOUR_PIXELS * (len(optimizers) + 1))])
        work.check(request, args.max_work, lower="the resolution, steps or the number of optimizers")
        maps = [flow_map(landscape, resolution, max_work=None)]
        with progress_bar("cmx basins") as bar:
            for k, method in enumerate(optimizers):
                maps.append(basin_map(landscape, method, resolution, steps, max_work=None))
                bar((k + 1) / len(optimizers))
        files.write_figure(out, basin_map_figure(maps, landscape), dpi=110)
        files.commit()
    lines = ["map" + "".join(f"  {label:>9}" for label in _basin_labels(landscape))]
    for found in maps:
        shares = [np.mean(found.basins == k) for k in (*range(len(landscape.minima)), -1, -2, -3)]
        lines.append(f"{found.optimizer}\n   " + "".join(f"  {share:9.1%}" for share in shares))
    print_text("\n".join(lines))


def _basin_labels(landscape) -> list[str]:
    labels = [f"{k}:{m.label}" if m.label else str(k) for k, m in enumerate(landscape.minima)]
    return [*labels, "none", "diverged", "undefined"]


def _animate(args: argparse.Namespace) -> None:
    from export.figures import require_2d
    from export.gif import FPS, FRAMES, gif_work, trajectory_gif
    from export.player import check_page, default_follow, player_payload, player_work, record_every, standalone_html

    if args.out is None and args.html is None:
        raise SpecError("give --out FILE.gif, --html FILE.html or both")
    with OutputFiles() as files:
        out = files.claim(args.out, "--out", ("gif",)) if args.out is not None else None
        page = files.claim(args.html, "--html", ("html", "htm")) if args.html is not None else None
        landscape = landscape_from(args)
        require_2d(landscape, "an animation")
        optimizers = optimizers_from(args)
        steps, frames, fps = as_steps(args.steps), FRAMES.check(args.frames), FPS.check(args.fps)
        if args.start:
            starts = np.array([parse_point(text, landscape.dim) for text in args.start])
        else:
            starts = uniform_starts(landscape.domain.low, landscape.domain.high, ANIMATED_RUNS.check(args.runs),
                                    SEED.check(args.seed))
        # The GIF keeps a point for each frame; the page at most the player's points (record_every), taken from
        # the GIF's points when there is a GIF (every `stride`-th of them).
        page_every = record_every(steps, len(starts) * len(optimizers))
        every = max(1, steps // frames) if out else page_every
        stride = -(-page_every // every)
        recorded = len(recorded_step_indices(steps, every))
        page_recorded = len(recorded_step_indices(steps, every * stride))
        follow = (default_follow(optimizers), 0)
        if page:
            check_page(optimizers, follow[0], len(starts), page_recorded, True)
        request = work.total([work.setup_work(landscape),
                              *[run.cost(landscape, method, starts, steps, every) for method in optimizers],
                              *([work.pixels_work(landscape, CONTOUR_PIXELS),
                                 gif_work(min(frames, recorded), len(starts) * len(optimizers))] if out else []),
                              *(player_work(landscape, optimizers, follow[0], len(starts), steps, page_recorded, True)
                                if page else [])])
        work.check(request, args.max_work, lower="runs, steps, frames or the number of optimizers")
        labels = optimizer_labels([(method.name, method.params) for method in optimizers])
        results = {label: run(landscape, method, starts, steps, record=every, max_work=None)
                   for label, method in zip(labels, optimizers)}
        if out:
            files.write(out, trajectory_gif(landscape, results, frames=frames, fps=fps))
        if page:
            shown = {label: result.thinned(stride) for label, result in results.items()}
            files.write(page, standalone_html(player_payload(landscape, optimizers, shown, follow,
                                                             title=landscape.spec)))
        files.commit()


def add_parser(commands: argparse._SubParsersAction) -> None:
    basins = commands.add_parser("basins", help="a basin map: a grid of starts coloured by the basin each ends in")
    add_landscape_arguments(basins, default="two_basin")
    add_optimizer_arguments(basins)
    basins.add_argument("--resolution", type=int, default=60, help="grid points per axis (default 60)")
    basins.add_argument("--steps", type=int, default=300, help="steps per run (default 300)")
    basins.add_argument("--out", required=True, help="image file to write (.png, .pdf, .svg, ...)")
    add_work_limit_argument(basins)
    basins.set_defaults(handler=_basins)

    animate = commands.add_parser("animate", help="trajectories over the landscape as an animated GIF and/or an "
                                                  "HTML player")
    add_landscape_arguments(animate, default="goldstein_price")
    add_optimizer_arguments(animate)
    animate.add_argument("--start", action="append", default=[], help="a start point X,Y (repeat; default: --runs "
                                                                      "random starts)")
    animate.add_argument("--runs", type=int, default=8, help="random starts when no --start is given (default 8)")
    animate.add_argument("--seed", type=int, default=0, help="seed of the random starts (default 0)")
    animate.add_argument("--steps", type=int, default=200, help="steps per run (default 200)")
    animate.add_argument("--frames", type=int, default=200, help="frames (default 200)")
    animate.add_argument("--fps", type=int, default=20, help="frames per second (default 20)")
    animate.add_argument("--out", help="GIF file to write")
    animate.add_argument("--html", help="HTML file to write: the same runs in the interactive player, one file that "
                                        "works offline")
    add_work_limit_argument(animate)
    animate.set_defaults(handler=_animate)
