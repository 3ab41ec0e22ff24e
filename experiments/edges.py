"""Where an adaptive method sits at a minimum: its preconditioned sharpness along a run (Cohen et al. 2022,
"Adaptive gradient methods at the edge of stability"), measured with the engine.

Adam's step is lr/(1−β₁ᵗ) · m / (√v̂ + ε): near a minimum, with the preconditioner P = diag(√v̂ + ε) held, it is
heavy-ball-like momentum on P⁻¹H, stable while lr λ_max(P⁻¹H) < 2(1+β₁)/(1−β₁) = 38 at β₁ = 0.9. Started at a
minimum, v̂ decays until that edge is reached; Cohen et al. observe the preconditioned sharpness equilibrating there.
Adam+CM divides its aggregate the same way, and its edge S* (experiments.theory.stability_edge) is lower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments import work
from experiments.metrics import eigen_work
from experiments.run import as_landscape, as_optimizer, as_starts, as_steps
from landscapes import Landscape
from optimizers import Optimizer
from specs import SpecError


@dataclass(frozen=True)
class PreconditionedRun:
    """One run's preconditioned sharpness in units of 1/lr, lr λ_max(P_t⁻¹ H(x_t)), after each of its steps."""

    landscape: str  # canonical spec
    optimizer: str  # canonical spec
    steps: np.ndarray  # (T,) 1..T
    sharpness_lr: np.ndarray  # (T,)
    distance: np.ndarray  # (T,) distance from the landscape's global minimum

    def window(self, first: int, last: int) -> np.ndarray:
        """The values after steps first+1 .. last."""
        return self.sharpness_lr[first:last]


def preconditioned_sharpness(hessians: np.ndarray, second_moment: np.ndarray, t: int, lr: float, b2: float,
                             eps: float) -> np.ndarray:
    """(N,) lr λ_max(P⁻¹H), P = diag(√v̂ + ε), v̂ = v/(1−β₂ᵗ): the largest eigenvalue of the symmetric
    P^(−½) H P^(−½), which has P⁻¹H's eigenvalues."""
    root = 1.0 / np.sqrt(np.sqrt(second_moment / (1.0 - b2**t)) + eps)  # (N, d): P^(−½)
    return lr * np.linalg.eigvalsh(root[:, :, None] * hessians * root[:, None, :])[:, -1]


def along_run_cost(landscape: Landscape | str, optimizer: Optimizer | str, start: object, steps: int) -> work.Work:
    """What `sharpness_along_run` costs: one run and a Hessian with its eigenvalues at every step."""
    surface, method, steps = as_landscape(landscape), as_optimizer(optimizer), as_steps(steps)
    runs = as_starts(start, surface.dim)[:1].shape[0]
    return work.total([work.run_work(surface, method, runs, steps, 0),
                       eigen_work(surface, steps, "a Hessian and its eigenvalues at every step")])


@work.declares_cost(along_run_cost)
def sharpness_along_run(landscape: Landscape | str, optimizer: Optimizer | str, start: object, steps: int,
                        max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> PreconditionedRun:
    """Run `optimizer` (an Adam-family method: its step reports the second moment it divides by) from `start` (one
    point) and read lr λ_max(P⁻¹H) after every step, with the Hessian at the new point."""
    surface, method, steps = as_landscape(landscape), as_optimizer(optimizer), as_steps(steps)
    x = as_starts(start, surface.dim)[:1]
    if max_work is not None:
        work.check(sharpness_along_run.cost(surface, method, x, steps), max_work, lower="steps")
    params = method.params
    if not {"b2", "eps"} <= set(params):
        raise SpecError(f"the preconditioned sharpness needs an Adam-family optimizer (got {method.spec})")
    state = method.init(x)
    values, distance = np.empty(steps), np.empty(steps)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            x, state, aux = method.update(state, x, surface.grad)
            values[t - 1] = preconditioned_sharpness(surface.hessian(x), aux["second_moment"], t, params["lr"],
                                                     params["b2"], params["eps"])[0]
            distance[t - 1] = np.linalg.norm(x[0] - surface.global_minimum.location)
    return PreconditionedRun(surface.spec, method.spec, np.arange(1, steps + 1), values, distance)
