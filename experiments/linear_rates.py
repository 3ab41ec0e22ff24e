"""Linear convergence and divergence on a quadratic bowl, measured with the engine: the rates and step-size edges of
gradient descent and heavy-ball momentum that Goh (Distill, 2017, "Why Momentum Really Works") derives.

On f = ½ xᵀAx with A's eigenvalues in [λ₁, λₙ]:
- gradient descent converges iff 0 < lr λᵢ < 2; its best rate, (κ−1)/(κ+1) with κ = λₙ/λ₁, is at lr = 2/(λ₁+λₙ);
- heavy-ball momentum converges iff 0 < lr λᵢ < 2 + 2β (0 ≤ β < 1); its best rate, (√κ−1)/(√κ+1), is at
  lr = (2/(√λ₁+√λₙ))², β = ((√λₙ−√λ₁)/(√λₙ+√λ₁))², where both extreme eigenvalues' roots are double, so the
  distance falls like (c₀ + c₁t) rateᵗ and its ratio over steps t₁..t₂ is rate · (t₂/t₁)^(1/(t₂−t₁)) when t₁ ≫ c₀/c₁.
"""

from __future__ import annotations

import math

import numpy as np

from experiments import work
from experiments.run import advance, as_landscape, as_optimizer, as_starts, as_steps, recorded_step_indices
from landscapes import Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import SpecError

BISECTIONS = 20  # halvings of the lr bracket: 2^-20 of it, far below any tolerance quoted


def optimal_gradient_descent(lambda_min: float, lambda_max: float) -> tuple[float, float]:
    """(lr, rate): lr = 2/(λ₁+λₙ) and its rate (κ−1)/(κ+1)."""
    kappa = lambda_max / lambda_min
    return 2.0 / (lambda_min + lambda_max), (kappa - 1.0) / (kappa + 1.0)


def optimal_heavy_ball(lambda_min: float, lambda_max: float) -> tuple[float, float, float]:
    """(lr, β, rate): lr = (2/(√λ₁+√λₙ))², β = ((√λₙ−√λ₁)/(√λₙ+√λ₁))², rate (√κ−1)/(√κ+1)."""
    low, high = math.sqrt(lambda_min), math.sqrt(lambda_max)
    return (2.0 / (low + high)) ** 2, ((high - low) / (high + low)) ** 2, (high - low) / (high + low)


def double_root_ratio(rate: float, first: int, last: int) -> float:
    """The per-step ratio of distances between steps `first` and `last` of a run whose slowest mode is a double root
    of modulus `rate`: rate · (last/first)^(1/(last−first)), the (c₀ + c₁t) factor's part (t ≫ c₀/c₁)."""
    return rate * (last / first) ** (1.0 / (last - first))


def stable_lr_edge(lambda_max: float, beta: float = 0.0) -> float:
    """The largest stable lr of heavy-ball momentum with coefficient β (β = 0: gradient descent): 2(1+β)/λₙ."""
    return 2.0 * (1.0 + beta) / lambda_max


def _distances(landscape: Landscape, points: np.ndarray) -> np.ndarray:
    """Distance of each point (..., d) from the landscape's global minimum."""
    return np.linalg.norm(points - landscape.global_minimum.location, axis=-1)


def contraction_cost(landscape: Landscape | str, optimizer: Optimizer | str, start: object, first: int = 200,
                     last: int = 400) -> work.Work:
    """What `contraction_rate` costs: one run of `last` steps, two of them kept."""
    surface, method = as_landscape(landscape), as_optimizer(optimizer)
    if not 0 < as_steps(first) < as_steps(last):
        raise SpecError(f"first must be a step in [1, last) (got first={first}, last={last})")
    return work.run_work(surface, method, as_starts(start, surface.dim).shape[0], last, 3)


@work.declares_cost(contraction_cost)
def contraction_rate(landscape: Landscape | str, optimizer: Optimizer | str, start: object, first: int = 200,
                     last: int = 400, max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> float:
    """The measured per-step rate of linear convergence of the run from `start` (one point): the ratio of its distances
    to the minimum at steps `last` and `first`, to the power 1/(last − first)."""
    surface, method = as_landscape(landscape), as_optimizer(optimizer)
    start = as_starts(start, surface.dim)[:1]
    if max_work is not None:
        work.check(contraction_rate.cost(surface, method, start, first, last), max_work, lower="last")
    result = advance(surface, method, start, last, np.array([0, first, last]))
    near, far = _distances(surface, result.positions[1:, 0])
    return float((far / near) ** (1.0 / (last - first)))


def divergence_cost(landscape: Landscape | str, optimizer: Optimizer | str, low: float, high: float,
                    start: object = None, steps: int = 1000) -> work.Work:
    """What `divergence_lr` costs: a run of one point for `steps` steps at each end of the bracket and at each of its
    BISECTIONS midpoints (every lr costs the same)."""
    surface = as_landscape(landscape)
    if not 0 < low < high:
        raise SpecError(f"the lr bracket must have 0 < low < high (got {low}, {high})")
    method = as_optimizer(OPTIMIZERS.replace(as_optimizer(optimizer).spec, lr=high))
    one = work.run_work(surface, method, 1, as_steps(steps), 2)
    runs = BISECTIONS + 2
    return work.Work(tuple((f"{name} (x {runs} runs of the bisection)", units * runs) for name, units in one.parts),
                     one.held_bytes, one.peak_bytes)


@work.declares_cost(divergence_cost)
def divergence_lr(landscape: Landscape | str, optimizer: Optimizer | str, low: float, high: float,
                  start: object = None, steps: int = 1000,
                  max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> float:
    """The lr at which `optimizer` (its other knobs as given) stops converging on `landscape` from `start` (default:
    one away from the minimum along every axis), found by bisection in [low, high]: a run converges when it has not
    stopped and ends nearer the minimum than it started after `steps` steps. `low` must converge, `high` not."""
    surface = as_landscape(landscape)
    start = as_starts(surface.global_minimum.location + 1.0 if start is None else start, surface.dim)[:1]
    if max_work is not None:
        work.check(divergence_lr.cost(surface, optimizer, low, high, start, steps), max_work, lower="steps")
    spec = as_optimizer(optimizer).spec
    keep = recorded_step_indices(steps, "final")

    def converges(lr: float) -> bool:
        result = advance(surface, as_optimizer(OPTIMIZERS.replace(spec, lr=lr)), start, steps, keep)
        return not result.stopped[0] and _distances(surface, result.final[0]) < _distances(surface, start[0])

    if not converges(low) or converges(high):
        raise SpecError(f"the bracket [{low:g}, {high:g}] does not hold the divergence lr of {spec}")
    for _ in range(BISECTIONS):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if converges(middle) else (low, middle)
    return 0.5 * (low + high)


