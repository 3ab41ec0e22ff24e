"""The shape every optimizer has: a pair of pure functions over a batch of runs.

`init(x0)` takes the starts, an (N, d) array, and returns the state. `step(state, x, grad)` takes the state, the
current points x (N, d) and a gradient function grad: (N, d) -> (N, d), and returns the new points and state.
Nothing is mutated: a state once returned is never changed, so any step can be replayed from a kept state.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

GradFn = Callable[[np.ndarray], np.ndarray]


class Optimizer(NamedTuple):
    """init/step pair; `grad_evals_per_step` counts calls of the gradient function per step (SAM uses 2)."""

    init: Callable[[np.ndarray], Any]
    step: Callable[[Any, np.ndarray, GradFn], tuple[np.ndarray, Any]]
    grad_evals_per_step: int = 1


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
