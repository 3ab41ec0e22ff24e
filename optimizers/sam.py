"""Sharpness-aware minimisation (Foret et al. 2021) as a wrapper around any base optimizer."""

from __future__ import annotations

from typing import Any

import numpy as np

from optimizers.base import GradFn, Optimizer, row_norms


def sam(base: Optimizer, rho: float = 0.05) -> Optimizer:
    """g = grad(x); e = rho g / (||g|| + 1e-12); the base steps from x with the gradient taken at x + e.

    Costs one more gradient evaluation per step than the base.
    """

    def step(state: Any, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, Any]:
        e = ascent_offset(grad(x), rho)
        return base.step(state, x, lambda y: grad(y + e))

    return Optimizer(base.init, step, base.grad_evals_per_step + 1)


def ascent_offset(g: np.ndarray, rho: float) -> np.ndarray:
    """SAM's ascent vector e for gradients g (N, d): the point SAM evaluates is x + e."""
    return (rho / (row_norms(g) + 1e-12))[:, None] * g
