"""The shape every optimizer has: a pair of pure functions over a batch of runs.

`init(x0, run_ids=None)` takes the starts, an (N, d) array, and returns the state; `run_ids` (N,) name the runs for
the random streams (gradient noise, random buffer replacement), so that runs split into chunks draw exactly what
they would draw in one batch (default: 0..N-1). `step(state, x, grad)` takes the state, the
current points x (N, d) and a gradient function grad: (N, d) -> (N, d), and returns the new points and state.
Nothing is mutated: a state once returned is never changed, so any step can be replayed from a kept state.

Each optimizer writes its step once, as `update(state, x, grad) -> (x, state, aux)`: `aux` is a dict of what the
step computed on the way, handed back as jax's `has_aux` does so that a figure can show it without reaching into the
state: "gradient" (the one the step used: noisy, or at SAM's ascent point), "momentum", "second_moment" (Adam's v),
"aggregate" (Adam+CM's a), "stored" and "priorities" (the critical buffer after the step, (C, N, d) and (C, N)),
"ascent_offset" (SAM's e). `step` is `update` without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GradFn = Callable[[np.ndarray], np.ndarray]
Aux = dict[str, np.ndarray]
Update = Callable[[Any, np.ndarray, GradFn], tuple[np.ndarray, Any, Aux]]


@dataclass(frozen=True)
class Optimizer:
    """An init/update pair and what its step costs, declared beside it: `grad_evals_per_step` counts calls of the
    gradient function per step (SAM uses 2), `extra_work(dim)` what one run's step costs beyond its gradients and
    Adam's arithmetic, in run-steps (a critical buffer's slots, noise draws), `extra_gradient_calls(dim)` the calls of
    the gradient function a step makes beyond its evaluations (the differences hessian-shaped noise takes its Hessian
    by: they cost what a gradient costs, but are no part of the step's budget), and `memory(dim)` the floats one run
    holds while it steps; the work cap (experiments.work) counts all four. `buffer_capacity` is how many past vectors
    its critical buffer keeps per run (0: it has none).

    Built from the registry, it also carries its `name`, its full `params` and its canonical `spec` string.
    """

    init: Callable[..., Any]  # (x0, run_ids=None) -> state
    update: Update
    grad_evals_per_step: int = 1
    extra_work: Callable[[int], float] = field(kw_only=True)
    memory: Callable[[int], float] = field(kw_only=True)
    extra_gradient_calls: Callable[[int], float] = field(default=lambda dim: 0.0, kw_only=True)
    buffer_capacity: int = 0
    name: str = "custom"
    params: dict[str, Any] = field(default_factory=dict)
    spec: str = "custom"

    def step(self, state: Any, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, Any]:
        """One step: the new points (N, d) and the new state."""
        x_new, new_state, _ = self.update(state, x, grad)
        return x_new, new_state


# Floats per coordinate of a run that any step holds besides its state: the point, the gradient, the new point and
# three temporaries.
STEP_FLOATS = 6


def state_memory(state_vectors: float) -> Callable[[int], float]:
    """`memory(dim)` of a step whose state holds `state_vectors` arrays of one run's shape: STEP_FLOATS, and the state
    twice (the one it is given and the one it returns, both alive while it steps)."""
    return lambda dim: (STEP_FLOATS + 2.0 * state_vectors) * dim


def no_extra_work(dim: int) -> float:
    """The extra work of a step whose arithmetic is Adam's or less: none (Adam's step is the unit)."""
    return 0.0


def default_run_ids(x0: np.ndarray, run_ids: np.ndarray | None) -> np.ndarray:
    return np.arange(x0.shape[0]) if run_ids is None else np.asarray(run_ids)


def row_norms(a: np.ndarray) -> np.ndarray:
    """Euclidean norm of each run's whole vector: (N, d) -> (N,).

    The squares are summed by a product with a vector of ones, several times faster than einsum or sum(axis=1)
    over a short row.
    """
    norms = np.square(a) @ np.ones(a.shape[1])
    return np.sqrt(norms, out=norms)


def bias_corrected_step(x: np.ndarray, direction: np.ndarray, v: np.ndarray, t: int, lr: float, b1: float,
                        b2: float, eps: float, out: np.ndarray | None = None) -> np.ndarray:
    """Adam's update x - (lr / (1-b1^t)) * direction / (sqrt(v)/sqrt(1-b2^t) + eps), as torch computes it.

    Worked in one array, `out` (a scratch array of the caller's, which becomes the new x) or a fresh one.
    """
    step = np.sqrt(v, out=out)
    step /= math.sqrt(1.0 - b2**t)
    step += eps
    np.divide(direction, step, out=step)
    step *= lr / (1.0 - b1**t)
    return np.subtract(x, step, out=step)
