"""Gradient noise as a wrapper: every gradient evaluation gets g + sigma * N(0, I), seeded per run."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from optimizers import counter_rng
from optimizers.base import Aux, GradFn, Optimizer, default_run_ids

# Run-steps of work per coordinate of one draw (a counter-based normal: two hashed uniforms, Box-Muller), drawn at
# every gradient evaluation (benchmarks/work_weights.py measures it: its largest measurement x 1.5).
DRAW_WORK = 2.0


class NoisyState(NamedTuple):
    evals: int  # gradient evaluations so far: the noise stream's counter
    inner: Any
    run_ids: np.ndarray  # (N,) which runs these are, for their draws


def gradient_noise(base: Optimizer, sigma: float, seed: int = 0) -> Optimizer:
    """Add sigma * N(0, I) to every gradient the base optimizer sees; run i's draws depend only on (seed, i)."""

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> NoisyState:
        return NoisyState(0, base.init(x0, run_ids), default_run_ids(x0, run_ids))

    def update(state: NoisyState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, NoisyState, Aux]:
        calls = 0

        def noisy_grad(y: np.ndarray) -> np.ndarray:
            nonlocal calls
            draw = counter_rng.normal(seed, counter_rng.NOISE_STREAM, state.run_ids, state.evals + calls, y.shape[1])
            calls += 1
            return grad(y) + sigma * draw

        x_new, inner, aux = base.update(state.inner, x, noisy_grad)
        return x_new, NoisyState(state.evals + calls, inner, state.run_ids), aux

    # a draw and its scaled copy, (N, d) each, alive while the gradient is taken
    return dataclasses.replace(base, init=init, update=update, memory=lambda dim: base.memory(dim) + 2 * dim,
                               extra_work=lambda dim: base.extra_work(dim) + DRAW_WORK * dim * base.grad_evals_per_step)


def noisy(optimizer: Optimizer, sigma: float, seed: int) -> Optimizer:
    """`optimizer` with gradient noise of `sigma` (the `noise` knob every registered optimizer has), or `optimizer`
    itself when sigma is 0, so that a noiseless step costs nothing more."""
    return gradient_noise(optimizer, sigma, seed) if sigma > 0 else optimizer
