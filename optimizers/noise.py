"""Gradient noise as a wrapper: every gradient evaluation gets sigma times a seeded standard normal draw, isotropic or
shaped by the Hessian at the evaluated point.

- isotropic: g + sigma xi, covariance sigma² I.
- hessian: g + sigma |H|^½ xi, covariance sigma² |H| with |H| = V |Λ| Vᵀ the Hessian's matrix absolute value: near
  a minimum this is the covariance minibatch noise has (H/B, Xie et al. 2021), and it stays a covariance where H is
  not positive (at a saddle Xie et al.'s escape formula takes |H_be| the same way). A step receives a gradient
  function, not a surface, so H is taken by central differences of that function, 2d calls at each evaluation.

Both shapes draw xi from the same counter-based stream: run i's draws depend only on (seed, i, evaluation count).
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from optimizers import counter_rng
from optimizers.base import Aux, GradFn, Optimizer, default_run_ids

NOISE_SHAPES = ("isotropic", "hessian")
# Run-steps of work per coordinate of one draw (a counter-based normal: two hashed uniforms, Box-Muller), drawn at
# every gradient evaluation (benchmarks/work_weights.py measures it: its largest measurement x 1.5).
DRAW_WORK = 2.0
# Run-steps of work per entry of the Hessian the hessian shape assembles from its differences, takes apart (a
# batched eigendecomposition) and applies, at every gradient evaluation; its 2d gradient calls are counted as gradient
# calls (Optimizer.extra_gradient_calls). Measured by benchmarks/work_weights.py (largest x 1.5).
HESSIAN_ENTRY_WORK = 12.0
DIFFERENCE_STEP = 1e-5  # central differences move coordinate j by this x (1 + |x_j|)


class NoisyState(NamedTuple):
    evals: int  # gradient evaluations so far: the noise stream's counter
    inner: Any
    run_ids: np.ndarray  # (N,) which runs these are, for their draws


def gradient_noise(base: Optimizer, sigma: float, seed: int = 0, shape: str = "isotropic") -> Optimizer:
    """Add sigma xi (isotropic) or sigma |H|^½ xi (hessian) to every gradient the base optimizer sees, xi standard
    normal; run i's draws depend only on (seed, i)."""
    if shape not in NOISE_SHAPES:
        raise ValueError(f"noise shape must be one of {', '.join(NOISE_SHAPES)} (got {shape!r})")

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> NoisyState:
        return NoisyState(0, base.init(x0, run_ids), default_run_ids(x0, run_ids))

    def update(state: NoisyState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, NoisyState, Aux]:
        calls = 0

        def noisy_grad(y: np.ndarray) -> np.ndarray:
            nonlocal calls
            draw = counter_rng.normal(seed, counter_rng.NOISE_STREAM, state.run_ids, state.evals + calls, y.shape[1])
            calls += 1
            if shape == "isotropic":
                return grad(y) + sigma * draw
            return grad(y) + sigma * abs_hessian_root_times(grad, y, draw)

        x_new, inner, aux = base.update(state.inner, x, noisy_grad)
        return x_new, NoisyState(state.evals + calls, inner, state.run_ids), aux

    evals = base.grad_evals_per_step
    if shape == "isotropic":  # a draw and its scaled copy, (N, d) each, alive while the gradient is taken
        return dataclasses.replace(base, init=init, update=update, memory=lambda dim: base.memory(dim) + 2 * dim,
                                   extra_work=lambda dim: base.extra_work(dim) + DRAW_WORK * dim * evals)
    # besides: the 2d differenced gradients, the Hessian, its eigenvectors and two temporaries of its size
    return dataclasses.replace(
        base, init=init, update=update, memory=lambda dim: base.memory(dim) + 4 * dim + 4 * dim * dim,
        extra_work=lambda dim: base.extra_work(dim) + (DRAW_WORK * dim + HESSIAN_ENTRY_WORK * dim * dim) * evals,
        extra_gradient_calls=lambda dim: base.extra_gradient_calls(dim) + 2 * dim * evals)


def difference_hessian(grad: GradFn, y: np.ndarray) -> np.ndarray:
    """(N, d, d) symmetric Hessians of `grad` at the rows of y (N, d), by central differences: column j is
    (grad(y + h_j e_j) - grad(y - h_j e_j)) / 2 h_j with h_j = DIFFERENCE_STEP (1 + |y_j|), one call of N rows each
    (a gradient function may be bound to its N runs, as a minibatch's is)."""
    n, dim = y.shape
    H = np.empty((n, dim, dim))
    for j in range(dim):
        step = DIFFERENCE_STEP * (1.0 + np.abs(y[:, j]))
        shifted = y.copy()
        shifted[:, j] += step
        ahead = grad(shifted)
        shifted[:, j] -= 2.0 * step
        H[:, :, j] = (ahead - grad(shifted)) / (2.0 * step[:, None])
    return (H + np.swapaxes(H, 1, 2)) / 2


def abs_hessian_root_times(grad: GradFn, y: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """|H|^½ draw at the rows of y, |H| = V |Λ| Vᵀ from H's eigendecomposition: covariance |H| for a standard normal
    draw. nan where the Hessian is not finite (the gradient then is not either)."""
    H = difference_hessian(grad, y)
    out = np.full_like(draw, np.nan)
    finite = np.all(np.isfinite(H), axis=(1, 2))
    if finite.any():
        eigenvalues, vectors = np.linalg.eigh(H[finite])
        along = np.einsum("nji,nj->ni", vectors, draw[finite]) * np.sqrt(np.abs(eigenvalues))
        out[finite] = np.einsum("nij,nj->ni", vectors, along)
    return out


def noisy(optimizer: Optimizer, sigma: float, seed: int, shape: str = "isotropic") -> Optimizer:
    """`optimizer` with gradient noise of `sigma` and `shape` (the `noise` and `noise_shape` knobs every registered
    optimizer has), or `optimizer` itself when sigma is 0, so that a noiseless step costs nothing more."""
    return gradient_noise(optimizer, sigma, seed, shape) if sigma > 0 else optimizer
