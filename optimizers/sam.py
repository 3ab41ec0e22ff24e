"""Sharpness-aware minimisation (Foret et al. 2021) as a wrapper around any base optimizer, and the records of SAM
around Adam, Adam+CM, SGD and heavy-ball momentum."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from optimizers.adam import ADAM_FIELDS, adam
from optimizers.base import Aux, GradFn, Optimizer, row_norms
from optimizers.critical import CM_FIELDS, adam_cm
from optimizers.noise import noisy
from optimizers.registry import LR, NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from optimizers.sgd import MOMENTUM, NESTEROV, sgd
from optimizers.sgd import momentum as heavy_ball  # the name `momentum` is also its knob
from specs import Field

RHO = Field("rho", "float", 0.05, "SAM radius: how far uphill the gradient is taken", low=0.0, high=10.0,
            title="ρ (SAM radius)", symbol="ρ")
SAM_DOCS = "docs/optimizers.md#sam-around-any-optimizer"
# SAM's gradient in LaTeX: the base optimizer's update then takes g_t.
SAM_GRADIENT = r"g_t = \nabla f\Big(x_t + \rho\, \tfrac{\nabla f(x_t)}{\lVert \nabla f(x_t) \rVert}\Big)"


def sam(base: Optimizer, rho: float = 0.05) -> Optimizer:
    """g = grad(x); e = rho g / (||g|| + 1e-12); the base steps from x with the gradient taken at x + e.

    Costs one more gradient evaluation per step than the base; `aux["ascent_offset"]` is e.
    """

    def update(state: Any, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, Any, Aux]:
        e = ascent_offset(grad(x), rho)
        x_new, new_state, aux = base.update(state, x, lambda y: grad(y + e))
        return x_new, new_state, {**aux, "ascent_offset": e}

    # e and the gradient at x, (N, d) each, alive while the base steps
    return dataclasses.replace(base, update=update, grad_evals_per_step=base.grad_evals_per_step + 1,
                               memory=lambda dim: base.memory(dim) + 2 * dim)


def ascent_offset(g: np.ndarray, rho: float) -> np.ndarray:
    """SAM's ascent vector e for gradients g (N, d): the point SAM evaluates is x + e."""
    return (rho / (row_norms(g) + 1e-12))[:, None] * g


ADAM_SAM_RECORD = OptimizerRecord(
    label="Adam+SAM", docs=SAM_DOCS, rank=30, palette_family="adam_sam",
    summary="SAM around Adam: the gradient is taken at an ascent point a distance ρ uphill.",
    equations=(r"e_t = \rho\, \frac{\nabla f(x_t)}{\lVert \nabla f(x_t) \rVert}",
               r"g_t = \nabla f(x_t + e_t) \quad\text{(two gradient evaluations per step)}",
               r"\text{then Adam's update with } g_t"))


@OPTIMIZERS.register("adam_sam", (*ADAM_FIELDS, RHO, *NOISE_FIELDS), "SAM around Adam", ADAM_SAM_RECORD)
def adam_sam(*, lr: float, b1: float, b2: float, eps: float, rho: float, noise: float, noise_shape: str,
             seed: int) -> Optimizer:
    """SAM around Adam."""
    return noisy(sam(adam(lr=lr, b1=b1, b2=b2, eps=eps), rho), noise, seed, noise_shape)


ADAM_SAM_CM_RECORD = OptimizerRecord(
    label="Adam+SAM+CM", docs=SAM_DOCS, rank=40, palette_family="adam_sam_cm",
    summary="SAM around Adam+CM: critical momenta fed with the gradient at SAM's ascent point.",
    equations=(SAM_GRADIENT, r"\text{then Adam+CM's update with } g_t"))


@OPTIMIZERS.register("adam_sam_cm", (*ADAM_FIELDS, RHO, *CM_FIELDS, *NOISE_FIELDS),
                     "SAM around Adam with critical momenta", ADAM_SAM_CM_RECORD)
def adam_sam_cm(*, rho: float, noise: float, noise_shape: str, seed: int, **adam_cm_values: Any) -> Optimizer:
    """SAM around Adam+CM; `adam_cm_values` are Adam+CM's own (ADAM_FIELDS and CM_FIELDS, by name)."""
    return noisy(sam(adam_cm(**adam_cm_values, seed=seed), rho), noise, seed, noise_shape)


SGD_SAM_RECORD = OptimizerRecord(
    label="SGD+SAM", docs=SAM_DOCS, rank=130, palette_family="sgd_sam",
    summary="SAM around gradient descent (Foret et al.'s own setting): step against the gradient taken at an ascent "
            "point a distance ρ uphill.",
    equations=(SAM_GRADIENT, r"x_{t+1} = x_t - \mathrm{lr}\; g_t"))


@OPTIMIZERS.register("sgd_sam", (LR, RHO, *NOISE_FIELDS), "SAM around gradient descent", SGD_SAM_RECORD)
def sgd_sam(*, lr: float, rho: float, noise: float, noise_shape: str, seed: int) -> Optimizer:
    """SAM around SGD: x <- x - lr grad(x + e), e = rho grad(x) / (||grad(x)|| + 1e-12)."""
    return noisy(sam(sgd(lr=lr), rho), noise, seed, noise_shape)


MOMENTUM_SAM_RECORD = OptimizerRecord(
    label="Momentum+SAM", docs=SAM_DOCS, rank=140, palette_family="momentum_sam",
    summary="SAM around heavy-ball momentum: the velocity accumulates gradients taken at SAM's ascent points.",
    equations=(SAM_GRADIENT, r"\text{then heavy-ball momentum's update with } g_t"))


@OPTIMIZERS.register("momentum_sam", (LR, MOMENTUM, NESTEROV, RHO, *NOISE_FIELDS), "SAM around heavy-ball momentum",
                     MOMENTUM_SAM_RECORD)
def momentum_sam(*, lr: float, momentum: float, nesterov: bool, rho: float, noise: float, noise_shape: str,
                 seed: int) -> Optimizer:
    """SAM around heavy-ball momentum (torch.optim.SGD's): its update with the gradient at x + e."""
    return noisy(sam(heavy_ball(lr=lr, momentum=momentum, nesterov=nesterov), rho), noise, seed, noise_shape)
