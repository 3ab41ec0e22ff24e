"""The landscape registry: every surface by name, with the schema its controls, flags and URL share and its record.

Each surface's module registers it, beside its class, with a `LandscapeRecord`; importing the package imports every
module of it, so a new surface is one new file (docs/extending.md). Fields several surfaces share live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from landscapes.base import Landscape
from specs import Field, Record, Registry


@dataclass(frozen=True)
class LandscapeRecord(Record):
    """A landscape's record: its label, docs and rank (specs.Record) and the measured cost of assigning one point to
    its basin (experiments.basins), in run-steps of the same surface: a point `anywhere` in the domain (a grid point,
    the end of a run started anywhere) or `near_minimum` (an escape measurement's starts and end points). Measured by
    benchmarks/work_weights.py: the largest over the surface's hardest settings, x 1.5, rounded up."""

    basin_work_anywhere: float
    basin_work_near_minimum: float
    # Hand-picked starts where the optimizers show something (the Explorer's preset starts); none: the app takes four
    # points a quarter in from the domain's corners.
    demo_starts: tuple[tuple[float, float], ...] = ()


LANDSCAPES = Registry("landscape", LandscapeRecord)

SEED = Field("seed", "int", 0, "seed of the random construction", low=0, high=2**32 - 1)
TAU = Field("tau", "float", 0.05, "smoothing of the minimum over bowls (smaller: sharper ridges)", low=0.005, high=1.0,
            log=True)


def dim_field(default: int, high: int) -> Field:
    return Field("dim", "int", default, "dimension", low=1, high=high)


def curvature_field(name: str, default: float, what: str) -> Field:
    return Field(name, "float", default, what, low=0.0, high=1e6, low_open=True, log=True)


def build_landscape(spec: str, **overrides: object) -> Landscape:
    """A landscape from a spec string such as ``two_basin:sharpness=8``; values are checked first."""
    return LANDSCAPES.build(spec, **overrides)
