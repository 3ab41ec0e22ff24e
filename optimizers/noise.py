"""Gradient noise as a wrapper: every gradient evaluation gets g + sigma * N(0, I), seeded per run."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from optimizers import counter_rng
from optimizers.base import GradFn, Optimizer


class NoisyState(NamedTuple):
    evals: int  # gradient evaluations so far: the noise stream's counter
    inner: Any


def gradient_noise(base: Optimizer, sigma: float, seed: int = 0) -> Optimizer:
    """Add sigma * N(0, I) to every gradient the base optimizer sees; run i's draws depend only on (seed, i)."""

    def init(x0: np.ndarray) -> NoisyState:
        return NoisyState(0, base.init(x0))

    def step(state: NoisyState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, NoisyState]:
        calls = 0

        def noisy_grad(y: np.ndarray) -> np.ndarray:
            nonlocal calls
            draw = counter_rng.normal(seed, np.arange(y.shape[0]), state.evals + calls, y.shape[1])
            calls += 1
            return grad(y) + sigma * draw

        x_new, inner = base.step(state.inner, x, noisy_grad)
        return x_new, NoisyState(state.evals + calls, inner)

    return Optimizer(init, step, base.grad_evals_per_step)
