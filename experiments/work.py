"""What a request costs, counted before any work starts, so that one request cannot stall a machine or a server.

Work is counted in run-steps: one optimizer step of one run on a surface whose gradient is a closed form (about
30 ns of a 2-core machine at N = 10,000). Every part of a request is converted to that unit with a measured weight
(`benchmarks/work_weights.py` re-measures them): the runs themselves (and what an optimizer's step adds, declared by
the optimizer), the basin assignment of end points, finding a landscape's minima, the search for a basin's edge, the
largest eigenvalues (experiments.metrics), the frames of an animation (export.gif): each cost is declared beside the
function it counts. Memory is estimated too: what a request keeps (trajectories, end points) plus its largest
transient arrays. A request over either limit is refused in one sentence naming its largest parts and what its user
can lower, before anything runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from experiments.basin_blocks import ASSIGN_BLOCK, HESSIAN_MAX_DIM
from landscapes import LANDSCAPES
from specs import Field, SpecError

DEFAULT_MAX_WORK = 100_000_000
MAX_WORK = Field("max_work", "int", DEFAULT_MAX_WORK, "cap on the work of one request, in run-steps", low=1,
                 high=10**12)
MAX_REQUEST_BYTES = 2 * 1024**3  # memory one request may take (its estimate), whatever the work limit
APP_REQUEST_BYTES = 512 * 1024**2  # the same in the app, where many sessions share one server

# A step has a fixed cost whatever its runs (Python and NumPy dispatch, an escape measurement's watchers): each
# gradient evaluation of a step counts at least STEP_FIXED_WORK run-steps (x the landscape's call_cost), so that one
# run of 10^7 steps cannot pass the cap as cheap. Measured (benchmarks/work_weights.py, largest x 1.5): a step of one
# run takes 20-40 us of Adam, 60-90 us of Adam+SAM+CM on the closed forms (1,600 run-steps an evaluation at most).
STEP_FIXED_WORK = 2400.0
FLOAT_BYTES = 8

# Assigning one point to its basin costs what the landscape's record says (LandscapeRecord: measured per surface, in
# the plane, anywhere in the domain or near a minimum), scaled in higher dimensions by these measured weights
# (benchmarks/work_weights.py prints them; each is its largest measurement x 1.5, rounded up):
BASIN_HESSIAN_DIM_WEIGHT = 0.13  # ... times (1 + weight d) in 3 to 16 dimensions (the descent's Hessians)
BASIN_LINEAR_DIM_WEIGHT = 0.002  # ... times (1 + weight d) above (plain gradient steps; a run-step costs more there)
PIXEL_WORK = 41.0  # one grid point of a landscape picture or a contour (f and matplotlib's contouring)


@dataclass(frozen=True)
class Work:
    """The cost of a request: named parts in run-steps, bytes kept to the end and the largest transient bytes."""

    parts: tuple[tuple[str, float], ...] = ()
    held_bytes: float = 0.0
    peak_bytes: float = 0.0
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __add__(self, other: Work) -> Work:
        merged: dict[str, float] = dict(self.parts)
        for name, units in other.parts:
            merged[name] = merged.get(name, 0.0) + units
        return Work(tuple(merged.items()), self.held_bytes + other.held_bytes,
                    max(self.peak_bytes, other.peak_bytes))

    @property
    def units(self) -> float:
        return sum(units for _, units in self.parts)

    @property
    def bytes(self) -> float:
        return self.held_bytes + self.peak_bytes


def total(parts: list[Work] | tuple[Work, ...]) -> Work:
    out = Work()
    for part in parts:
        out = out + part
    return out


def _count(value: float) -> str:
    return f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"


def _size(value: float) -> str:
    return f"{value / 1024**3:.1f} GB" if value >= 1024**3 else f"{value / 1024**2:.0f} MB"


@dataclass(frozen=True)
class Limit:
    """A work limit and the most its user may raise it to: a server's ceiling in the app, the field's top elsewhere.
    Every public function taking `max_work` takes a Limit too, so that a refusal advises raising only a limit that
    can still rise."""

    work: int
    ceiling: int = MAX_WORK.high


def as_limit(max_work: int | Limit) -> Limit:
    if isinstance(max_work, Limit):
        return Limit(MAX_WORK.check(max_work.work), MAX_WORK.check(max_work.ceiling))
    return Limit(MAX_WORK.check(max_work))


def check(request: Work, max_work: int | Limit, max_bytes: float = MAX_REQUEST_BYTES,
          lower: str = "runs or steps") -> None:
    """Refuse a request whose work exceeds `max_work` or whose memory exceeds `max_bytes`, in one sentence that
    advises lowering `lower` (what the caller's user can change) and raising the limit only below its ceiling."""
    limit = as_limit(max_work)
    largest = sorted(request.parts, key=lambda part: -part[1])[:3]
    named = "; ".join(f"{name}: {_count(units)}" for name, units in largest)
    if request.units > limit.work:
        raise_it = f", or raise the work limit (at most {limit.ceiling:,})" if limit.work < limit.ceiling else ""
        raise SpecError(f"this request would take about {_count(request.units)} run-steps of work ({named}), more "
                        f"than the limit of {limit.work:,}; lower {lower}{raise_it}")
    if request.bytes > max_bytes:
        raise SpecError(f"this request would need about {_size(request.bytes)} of memory ({named}), more than the "
                        f"{_size(max_bytes)} one request may use; lower {lower}")


Computation = TypeVar("Computation", bound=Callable)


def declares_cost(cost: Callable[..., Work]) -> Callable[[Computation], Computation]:
    """Decorator of a public compute function: `function.cost(...)`, called with the function's own arguments
    (`max_work` and `progress` left out, the rest by keyword past the first few), counts what it would take, every
    argument checked, without running anything. The function checks that same count against its limit, and a
    caller that adds it to other work (a page, a command) asks it instead of summing its parts by hand."""

    def attach(function: Computation) -> Computation:
        function.cost = cost
        return function

    return attach


def gradient_calls(landscape, optimizer) -> float:
    """Calls of the landscape's gradient a step makes: its evaluations and any extra calls (Optimizer's
    extra_gradient_calls: hessian-shaped noise's differences)."""
    return optimizer.grad_evals_per_step + optimizer.extra_gradient_calls(landscape.dim)


def step_work(landscape, optimizer) -> float:
    """One step of one run, in run-steps: its gradient calls at the landscape's gradient cost, and what the
    optimizer adds (its buffer, its noise draws: Optimizer.extra_work)."""
    return gradient_calls(landscape, optimizer) * landscape.step_cost + optimizer.extra_work(landscape.dim)


def fixed_step_work(landscape, optimizer) -> float:
    """The least a step costs, whatever its runs: STEP_FIXED_WORK a gradient call, x the landscape's call_cost."""
    return STEP_FIXED_WORK * gradient_calls(landscape, optimizer) * landscape.call_cost


def run_work(landscape, optimizer, runs: int, steps: int, recorded: int) -> Work:
    """Steps x the larger of runs x a step's work and a step's fixed part, the kept trajectories (recorded points x
    runs x (d + 1) floats) and what the optimizer holds while it steps (Optimizer.memory)."""
    evals, cost = optimizer.grad_evals_per_step, landscape.step_cost
    extra, calls = optimizer.extra_work(landscape.dim), optimizer.extra_gradient_calls(landscape.dim)
    per_step, fixed = runs * step_work(landscape, optimizer), fixed_step_work(landscape, optimizer)
    name = (f"runs x steps = {runs:,} x {steps:,}" + (f" x {evals} gradient evaluations" if evals > 1 else "")
            + (f" (and {calls:g} more gradient calls a step: the noise's Hessian)" if calls else "")
            + (f" x {cost:g} (this landscape's gradient cost)" if cost != 1 else "")
            + (f" + {extra:.3g} a step (this optimizer's buffer and noise)" if extra else "")
            + (f", each step counting its fixed part, {fixed:,.0f}" if per_step < fixed else ""))
    return Work(((name, float(steps) * max(per_step, fixed)),),
                held_bytes=float(recorded) * runs * (landscape.dim + 1) * FLOAT_BYTES,
                peak_bytes=float(runs) * optimizer.memory(landscape.dim) * FLOAT_BYTES)


def basin_work(landscape, points: int, what: str = "basin assignment", batch: int | None = None,
               near_minimum: bool = False) -> Work:
    """Assigning `points` points to the basin their gradient flow ends in, `batch` of them at a time (all); points
    `near_minimum` are starts drawn inside a basin, the others may lie anywhere (the landscape's record holds both
    weights)."""
    d = landscape.dim
    record = LANDSCAPES.record(landscape.name)
    scale = 1.0 if d <= 2 else 1 + (BASIN_HESSIAN_DIM_WEIGHT if d <= HESSIAN_MAX_DIM else BASIN_LINEAR_DIM_WEIGHT) * d
    per_point = record.basin_work_near_minimum if near_minimum else record.basin_work_anywhere
    units = float(points) * per_point * scale * landscape.step_cost
    at_once = float(min(points, ASSIGN_BLOCK) if batch is None else min(batch, points, ASSIGN_BLOCK))
    per_point_bytes = (4 * d * d + 12 * d) if d <= HESSIAN_MAX_DIM else 12 * d  # Hessians only up to that dimension
    transient = at_once * per_point_bytes * FLOAT_BYTES
    return Work(((what, units),), held_bytes=float(points) * 8, peak_bytes=transient)


def setup_work(landscape) -> Work:
    """Finding the landscape's minima, unless it has already done so (a landscape is built once and cached)."""
    if "minima" in landscape.__dict__:
        return Work()
    return Work((("finding the landscape's minima", float(landscape.minima_work())),))


def pixels_work(landscape, pixels: int, what: str = "drawing the landscape") -> Work:
    return Work(((what, float(pixels) * PIXEL_WORK * landscape.step_cost),), peak_bytes=float(pixels) * 64)


def ceil_units(units: float) -> int:
    return math.ceil(units)
