"""AdaGrad (Duchi, Hazan & Singer 2011), with torch.optim.Adagrad's arithmetic and no weight decay, and its record."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optimizers.adam import EPS
from optimizers.base import Aux, GradFn, Optimizer, no_extra_work, state_memory
from optimizers.noise import noisy
from optimizers.registry import LR, NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field

LR_DECAY = Field("lr_decay", "float", 0.0, "the lr of step t is lr / (1 + (t-1) lr_decay)", low=0.0, high=1e3)
INITIAL_ACCUMULATOR = Field("initial_accumulator_value", "float", 0.0, "the sum of squared gradients before the first "
                            "step", low=0.0, high=1e6)

ADAGRAD_RECORD = OptimizerRecord(
    label="AdaGrad", docs="docs/optimizers.md#adagrad-adagrad", rank=90, palette_family="adagrad",
    summary="AdaGrad: each coordinate's step is the gradient divided by the root of the sum of all its squares so far, "
            "so steps shrink where the gradient has been large.",
    equations=(r"G_{t+1} = G_t + g_t^2 \qquad (G_0 = \text{initial\_accumulator\_value})",
               r"x_{t+1} = x_t - \frac{\mathrm{lr}}{1 + t\,\mathrm{lr\_decay}}\;\frac{g_t}{\sqrt{G_{t+1}} + \epsilon}"))


class AdagradState(NamedTuple):
    t: int  # steps taken
    total: np.ndarray  # (N, d) sum of squared gradients


@OPTIMIZERS.register("adagrad", (dataclasses.replace(LR, default=1e-2), LR_DECAY, INITIAL_ACCUMULATOR,
                                 dataclasses.replace(EPS, default=1e-10), *NOISE_FIELDS),
                     "AdaGrad (torch.optim.Adagrad)", ADAGRAD_RECORD)
def adagrad(*, lr: float, lr_decay: float, initial_accumulator_value: float, eps: float, noise: float, noise_shape: str,
            seed: int) -> Optimizer:
    """torch.optim.Adagrad (weight_decay 0): t <- t+1;  G <- G + g²  (G starts at initial_accumulator_value);
    x <- x - (lr / (1 + (t-1) lr_decay)) g / (sqrt(G) + eps).
    """

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> AdagradState:
        return AdagradState(0, np.full_like(x0, initial_accumulator_value, dtype=np.float64))

    def update(state: AdagradState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, AdagradState, Aux]:
        g = grad(x)
        total = state.total + g * g
        step_lr = lr / (1.0 + state.t * lr_decay)
        denominator = np.sqrt(total)
        denominator += eps
        return x - step_lr * g / denominator, AdagradState(state.t + 1, total), {"gradient": g,
                                                                                   "second_moment": total}

    return noisy(Optimizer(init, update, extra_work=no_extra_work, memory=state_memory(1)), noise, seed, noise_shape)
