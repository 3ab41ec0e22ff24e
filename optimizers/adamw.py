"""AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, as torch.optim.AdamW computes it, and its
record. The decay is a wrapper, so Adam's arithmetic is written once (optimizers/adam.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from optimizers.adam import ADAM_FIELDS, ADAM_STEP, adam
from optimizers.base import Aux, GradFn, Optimizer
from optimizers.noise import noisy
from optimizers.registry import NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field

WEIGHT_DECAY = Field("weight_decay", "float", 1e-2, "decoupled weight decay: each step also shrinks x by lr·wd·x",
                     low=0.0, high=1e3, title="wd (weight decay)", symbol="wd")

ADAMW_RECORD = OptimizerRecord(
    label="AdamW", docs="docs/optimizers.md#adamw-adamw", rank=60, palette_family="adamw",
    summary="AdamW: Adam whose step also shrinks x towards the origin by lr·wd·x, apart from the gradient's "
            "running averages.",
    equations=(r"m_{t+1} = \beta_1 m_t + (1-\beta_1)\, g_t", r"v_{t+1} = \beta_2 v_t + (1-\beta_2)\, g_t^2",
               ADAM_STEP.replace("x_t -", r"(1 - \mathrm{lr}\cdot\mathrm{wd})\, x_t -").replace("d_{t+1}",
                                                                                               "m_{t+1}")))


def decoupled_weight_decay(base: Optimizer, lr: float, weight_decay: float) -> Optimizer:
    """The base steps from x (1 - lr wd) with the gradient taken at x: torch's decoupled weight decay."""
    shrink = 1.0 - lr * weight_decay

    def update(state: Any, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, Any, Aux]:
        g = grad(x)
        # The base is stepped from the shrunk point, so the function it is handed is only asked for x's gradient.
        return base.update(state, x * shrink, lambda _: g)

    # the shrunk point, (N, d), alive while the base steps
    return dataclasses.replace(base, update=update, memory=lambda dim: base.memory(dim) + dim)


@OPTIMIZERS.register("adamw", (*ADAM_FIELDS, WEIGHT_DECAY, *NOISE_FIELDS), "AdamW (torch.optim.AdamW)", ADAMW_RECORD)
def adamw(*, lr: float, b1: float, b2: float, eps: float, weight_decay: float, noise: float, noise_shape: str,
          seed: int) -> Optimizer:
    """torch.optim.AdamW: x <- x (1 - lr wd), then Adam's step with the gradient taken before the shrink:
    m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g²;  t <- t+1;
    x <- x (1 - lr wd) - (lr / (1-b1^t)) m / (sqrt(v)/sqrt(1-b2^t) + eps).
    """
    return noisy(decoupled_weight_decay(adam(lr=lr, b1=b1, b2=b2, eps=eps), lr, weight_decay), noise, seed, noise_shape)
