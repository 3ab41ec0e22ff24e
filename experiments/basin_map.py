"""Basin maps: a grid of starts over a 2D landscape, each coloured by the basin its run ends in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments import work
from experiments.basins import assign_basins, final_basins
from experiments.run import advance, as_landscape, as_optimizer, as_steps, recorded_step_indices
from landscapes import Landscape
from optimizers import Optimizer
from specs import Field, SpecError

RESOLUTION = Field("resolution", "int", 60, "grid points along each axis", low=2, high=1000)
FLOW = "gradient flow"  # the optimizer name of a map of the landscape's own basins


@dataclass(frozen=True)
class BasinMap:
    """basins (len(ys), len(xs)): the basin index each grid start ends in (see experiments.basins for the codes)."""

    landscape: str
    optimizer: str
    xs: np.ndarray
    ys: np.ndarray
    basins: np.ndarray
    steps: int = 0


def require_2d(landscape: Landscape) -> None:
    if landscape.dim != 2:
        raise SpecError(f"a basin map needs a 2D landscape (got {landscape.spec} with dim={landscape.dim})")


def grid_starts(landscape: Landscape, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (R,), ys (R,) spanning the domain and the starts (R*R, 2), row by row (y outer, x inner)."""
    require_2d(landscape)
    resolution = RESOLUTION.check(resolution)
    xs = np.linspace(landscape.domain.low[0], landscape.domain.high[0], resolution)
    ys = np.linspace(landscape.domain.low[1], landscape.domain.high[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, np.stack([X.ravel(), Y.ravel()], axis=1)


def basin_map_work(landscape: Landscape | str, optimizer: Optimizer | str | None, resolution: int = 60,
                   steps: int = 300) -> work.Work:
    """A map's cost: the minima, the runs from every grid point (none for the flow map) and their basins."""
    landscape, steps = as_landscape(landscape), as_steps(steps)
    require_2d(landscape)
    cells = RESOLUTION.check(resolution) ** 2
    parts = [work.setup_work(landscape), work.basin_work(landscape, cells, "assigning every grid point's basin")]
    if optimizer is not None:
        parts.append(work.run_work(landscape, as_optimizer(optimizer), cells, steps, 2))
    return work.total(parts)


def flow_map_work(landscape: Landscape | str, resolution: int = 60) -> work.Work:
    """The flow map's cost: the minima and the basin of every grid point."""
    return basin_map_work(landscape, None, resolution, 0)


@work.declares_cost(basin_map_work)
def basin_map(landscape: Landscape | str, optimizer: Optimizer | str, resolution: int = 60, steps: int = 300,
              max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> BasinMap:
    """Run `optimizer` from every point of a resolution x resolution grid and record the basin each run ends in."""
    surface, method, steps = as_landscape(landscape), as_optimizer(optimizer), as_steps(steps)
    require_2d(surface)
    if max_work is not None:
        work.check(basin_map.cost(surface, method, resolution, steps), max_work, lower="the resolution or steps")
    xs, ys, starts = grid_starts(surface, resolution)
    result = advance(surface, method, starts, steps, recorded_step_indices(steps, "final"))
    basins = final_basins(surface, result)
    return BasinMap(surface.spec, method.spec, xs, ys, basins.reshape(len(ys), len(xs)), result.steps)


@work.declares_cost(flow_map_work)
def flow_map(landscape: Landscape | str, resolution: int = 60,
             max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> BasinMap:
    """The landscape's own basins on the same grid: where the gradient flow from each point ends."""
    surface = as_landscape(landscape)
    require_2d(surface)
    if max_work is not None:
        work.check(flow_map.cost(surface, resolution), max_work, lower="the resolution")
    xs, ys, starts = grid_starts(surface, resolution)
    return BasinMap(surface.spec, FLOW, xs, ys, assign_basins(surface, starts).reshape(len(ys), len(xs)))
