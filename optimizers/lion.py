"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an interpolated momentum,
and its record."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optimizers.adamw import WEIGHT_DECAY
from optimizers.base import Aux, GradFn, Optimizer, no_extra_work, state_memory
from optimizers.noise import noisy
from optimizers.registry import LR, NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field

LION_B1 = Field("b1", "float", 0.9, "interpolation between the momentum and the gradient whose sign is the step",
                low=0.0, high=1.0, title="β₁ (step interpolation)", symbol="β₁")
LION_B2 = Field("b2", "float", 0.99, "decay of the momentum (the running average of gradients)", low=0.0, high=1.0,
                high_open=True, title="β₂ (momentum decay)", symbol="β₂")

LION_RECORD = OptimizerRecord(
    label="Lion", docs="docs/optimizers.md#lion-lion", rank=100, palette_family="lion",
    summary="Lion: every coordinate moves by exactly lr, in the direction of the sign of a blend of the momentum and "
            "the gradient; the momentum itself averages more slowly.",
    equations=(r"c_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
               r"x_t = x_{t-1} - \mathrm{lr}\,\big(\operatorname{sign}(c_t) + \mathrm{wd}\; x_{t-1}\big)",
               r"m_t = \beta_2 m_{t-1} + (1-\beta_2)\, g_t"))


class LionState(NamedTuple):
    m: np.ndarray  # (N, d) momentum


@OPTIMIZERS.register("lion", (dataclasses.replace(LR, default=1e-4), LION_B1, LION_B2,
                              dataclasses.replace(WEIGHT_DECAY, default=0.0), *NOISE_FIELDS),
                     "Lion (Chen et al. 2023)", LION_RECORD)
def lion(*, lr: float, b1: float, b2: float, weight_decay: float, noise: float, noise_shape: str,
         seed: int) -> Optimizer:
    """The paper's Algorithm 2 (η = lr, λ = weight_decay):
        g_t ← ∇f(θ_{t−1})
        c_t ← β1 m_{t−1} + (1 − β1) g_t
        θ_t ← θ_{t−1} − η_t (sign(c_t) + λ θ_{t−1})
        m_t ← β2 m_{t−1} + (1 − β2) g_t
    with m_0 = 0 and sign(0) = 0.
    """

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> LionState:
        return LionState(np.zeros_like(x0, dtype=np.float64))

    def update(state: LionState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, LionState, Aux]:
        g = grad(x)
        c = b1 * state.m + (1.0 - b1) * g
        x_new = x - lr * (np.sign(c) + weight_decay * x)
        m = b2 * state.m + (1.0 - b2) * g
        return x_new, LionState(m), {"momentum": m, "gradient": g}

    return noisy(Optimizer(init, update, extra_work=no_extra_work, memory=state_memory(1)), noise, seed, noise_shape)
