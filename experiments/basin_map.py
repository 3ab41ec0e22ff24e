"""Basin maps: a grid of starts over a 2D landscape, each coloured by the basin its run ends in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments.basins import assign_basins
from experiments.escape import DIVERGED
from experiments.run import DEFAULT_MAX_WORK, as_landscape, run
from landscapes import Landscape
from specs import Field, SpecError

RESOLUTION = Field("resolution", "int", 60, "grid points along each axis", low=2, high=1000)
FLOW = "gradient flow"  # the optimizer name of a map of the landscape's own basins


@dataclass(frozen=True)
class BasinMap:
    """basins (len(ys), len(xs)): the basin index each grid start ends in; -1 none listed, -2 diverged."""

    landscape: str
    optimizer: str
    xs: np.ndarray
    ys: np.ndarray
    basins: np.ndarray
    steps: int = 0


def grid_starts(landscape: Landscape, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (R,), ys (R,) spanning the domain and the starts (R*R, 2), row by row (y outer, x inner)."""
    if landscape.dim != 2:
        raise SpecError(f"a basin map needs a 2D landscape (got {landscape.spec} with dim={landscape.dim})")
    resolution = RESOLUTION.check(resolution)
    xs = np.linspace(landscape.domain.low[0], landscape.domain.high[0], resolution)
    ys = np.linspace(landscape.domain.low[1], landscape.domain.high[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, np.stack([X.ravel(), Y.ravel()], axis=1)


def basin_map(landscape: Landscape | str, optimizer: str, resolution: int = 60, steps: int = 300,
              max_work: int = DEFAULT_MAX_WORK) -> BasinMap:
    """Run `optimizer` from every point of a resolution x resolution grid and record the basin each run ends in."""
    surface = as_landscape(landscape)
    xs, ys, starts = grid_starts(surface, resolution)
    result = run(surface, optimizer, starts, steps, record="final", max_work=max_work)
    basins = np.where(result.diverged, DIVERGED, assign_basins(surface, result.final))
    return BasinMap(surface.spec, optimizer, xs, ys, basins.reshape(len(ys), len(xs)), result.steps)


def flow_map(landscape: Landscape | str, resolution: int = 60) -> BasinMap:
    """The landscape's own basins on the same grid: where the gradient flow from each point ends."""
    surface = as_landscape(landscape)
    xs, ys, starts = grid_starts(surface, resolution)
    return BasinMap(surface.spec, FLOW, xs, ys, assign_basins(surface, starts).reshape(len(ys), len(xs)))
