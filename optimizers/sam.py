"""Sharpness-aware minimisation (Foret et al. 2021) as a wrapper around any base optimizer."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from optimizers.base import Aux, GradFn, Optimizer, row_norms


def sam(base: Optimizer, rho: float = 0.05) -> Optimizer:
    """g = grad(x); e = rho g / (||g|| + 1e-12); the base steps from x with the gradient taken at x + e.

    Costs one more gradient evaluation per step than the base; `aux["ascent_offset"]` is e.
    """

    def update(state: Any, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, Any, Aux]:
        e = ascent_offset(grad(x), rho)
        x_new, new_state, aux = base.update(state, x, lambda y: grad(y + e))
        return x_new, new_state, {**aux, "ascent_offset": e}

    return dataclasses.replace(base, update=update, grad_evals_per_step=base.grad_evals_per_step + 1)


def ascent_offset(g: np.ndarray, rho: float) -> np.ndarray:
    """SAM's ascent vector e for gradients g (N, d): the point SAM evaluates is x + e."""
    return (rho / (row_norms(g) + 1e-12))[:, None] * g
