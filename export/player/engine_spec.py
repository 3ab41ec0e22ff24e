"""What the in-page engine (export/player/engine.js) runs: a landscape, an optimizer and starts as JSON programs.

A program carries what NumPy computes with, never a spec to rebuild: a seeded landscape's generated matrices and
centres, a formula's instructions, an optimizer's every checked parameter. So the page runs the very surface Python
drew, and no random generator is reimplemented. What engine.js cannot run is refused here with a SpecError, before
any program exists. engine.js's header states the programs' format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from experiments.run import EVERY, as_landscape, as_optimizer, as_starts, as_steps
from export.player.formula_program import formula_program
from landscapes import (
    Ackley,
    Beale,
    Custom,
    GoldsteinPrice,
    Himmelblau,
    Landscape,
    Quadratic,
    QuadraticBasins,
    Rastrigin,
    Rosenbrock,
    SixHumpCamel,
)
from landscapes.quadratics import EXP_AT_FLOOR, EXP_FLOOR
from landscapes.valley import Valley
from optimizers import Optimizer
from optimizers.schedule import SCHEDULE_FIELDS
from specs import SpecError


def _basins(surface: QuadraticBasins) -> dict[str, Any]:
    return {"centres": surface.centres.tolist(), "hessians": surface.hessians.tolist(),
            "depths": surface.depths.tolist(), "tau": float(surface.tau), "exp_floor": EXP_FLOOR,
            "exp_at_floor": EXP_AT_FLOOR}


def _valley(surface: Valley) -> dict[str, Any]:
    """The valley's full loss as a custom formula of its moments (engine.js differentiates it exactly); a valley whose
    steps draw a minibatch or noisy labels is refused: those draws are made in Python only."""
    if surface.draws_per_step:
        raise SpecError(f"the in-page engine runs the valley's full gradient only (got {surface.spec}): its "
                        f"minibatches and noisy labels are drawn in Python")
    return {"code": formula_program(f"0.5*{surface.m2!r}*(x*y)**2 - {surface.mxy!r}*x*y + 0.5*{surface.myy!r}")}


# Per landscape class (subclasses included): engine.js's kind and the parameters it needs. Only `quadratic` runs off
# the plane.
LANDSCAPE_KINDS: tuple[tuple[type, str, Callable[[Any], dict[str, Any]]], ...] = (
    (GoldsteinPrice, "goldstein_price", lambda surface: {}),
    (Rosenbrock, "rosenbrock", lambda surface: {"a": float(surface.a), "b": float(surface.b)}),
    (Himmelblau, "himmelblau", lambda surface: {}),
    (SixHumpCamel, "six_hump_camel", lambda surface: {}),
    (Beale, "beale", lambda surface: {}),
    (Ackley, "ackley", lambda surface: {}),
    (Rastrigin, "rastrigin", lambda surface: {}),
    (Quadratic, "quadratic", lambda surface: {"A": surface.A.tolist(), "c": surface.c.tolist()}),
    (QuadraticBasins, "quadratic_basins", _basins),
    (Custom, "custom", lambda surface: {"code": formula_program(surface.formula)}),
    (Valley, "custom", _valley),
)
ANY_DIMENSION = ("quadratic",)


def landscape_program(landscape: Landscape) -> dict[str, Any]:
    """The landscape as engine.js's program: its kind, dimension, domain and parameters."""
    for cls, kind, parameters in LANDSCAPE_KINDS:
        if isinstance(landscape, cls):
            if landscape.dim != 2 and kind not in ANY_DIMENSION:
                raise SpecError(f"the in-page engine runs {landscape.name} in the plane only (got dim={landscape.dim})")
            return {"kind": kind, "dim": landscape.dim, "low": landscape.domain.low.tolist(),
                    "high": landscape.domain.high.tolist(), **parameters(landscape)}
    raise SpecError(f"the in-page engine cannot run the landscape {landscape.spec} yet")


@cache
def engine_optimizers() -> tuple[str, ...]:
    """The registry names engine.js runs: the keys of its OPTIMIZERS table, one `name: builder` line each."""
    source = resources.files("export.player").joinpath("engine.js").read_text(encoding="utf-8")
    table = re.search(r"^const OPTIMIZERS = \{\n(.*?)^\};", source, re.MULTILINE | re.DOTALL)
    return tuple(re.findall(r"^  (\w+):", table.group(1), re.MULTILINE))


def optimizer_program(optimizer: Optimizer) -> dict[str, Any]:
    """The optimizer as engine.js's program: its registry name and every parameter's checked value."""
    if optimizer.params.get("noise", 0) > 0 and optimizer.params.get("noise_shape") == "hessian":
        raise SpecError(f"the in-page engine adds isotropic gradient noise only (got {optimizer.spec})")
    if optimizer.name not in engine_optimizers():
        raise SpecError(f"the in-page engine cannot run the optimizer {optimizer.spec} yet; it runs "
                        f"{', '.join(engine_optimizers())}")
    scheduled = [f.name for f in SCHEDULE_FIELDS if optimizer.params.get(f.name, f.default) != f.default]
    if scheduled:
        raise SpecError(f"the in-page engine takes no lr warm-up or schedule yet (got {optimizer.spec})")
    return {"kind": optimizer.name, "params": dict(optimizer.params)}


def run_program(landscape: Landscape | str, optimizer: Optimizer | str, starts: object, steps: int, every: int = 1,
                run_ids: np.ndarray | None = None) -> dict[str, Any]:
    """Everything engine.js's runProgram needs to advance `starts` (N, d) for `steps` steps, recording every
    `every`-th; `run_ids` (N,) name the runs for the random streams (default 0..N-1), as in experiments.run.advance."""
    surface, method = as_landscape(landscape), as_optimizer(optimizer)
    program = {"landscape": landscape_program(surface), "optimizer": optimizer_program(method),
               "starts": as_starts(starts, surface.dim).tolist(), "steps": as_steps(steps), "every": EVERY.check(every)}
    if run_ids is not None:
        program["run_ids"] = [int(i) for i in run_ids]
    return program
