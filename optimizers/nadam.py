"""NAdam (Dozat 2016): Adam with Nesterov momentum, as torch.optim.NAdam computes it, and its record."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optimizers.adam import B1, B2, EPS
from optimizers.base import Aux, GradFn, Optimizer, no_extra_work, state_memory
from optimizers.noise import noisy
from optimizers.registry import LR, NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field

MOMENTUM_DECAY = Field("momentum_decay", "float", 4e-3, "ψ: how fast the momentum schedule mu_t rises to b1",
                       low=0.0, high=1.0, title="ψ (momentum schedule)", symbol="ψ")

NADAM_RECORD = OptimizerRecord(
    label="NAdam", docs="docs/optimizers.md#nadam-nadam", rank=70, palette_family="nadam",
    summary="NAdam: Adam whose step looks one momentum step ahead (Nesterov), with a momentum coefficient that rises "
            "over the first few thousand steps.",
    equations=(r"\mu_t = \beta_1\big(1 - \tfrac12\, 0.96^{t\psi}\big), \qquad \Pi_t = \prod_{s \le t} \mu_s",
               r"m_{t} = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad v_{t} = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
               r"x_{t} = x_{t-1} - \mathrm{lr}\,\Big(\frac{1-\mu_t}{1-\Pi_t}\,g_t + \frac{\mu_{t+1}}{1-\Pi_t \mu_{t+1}}"
               r"\,m_t\Big) \Big/ \Big(\sqrt{v_t/(1-\beta_2^t)} + \epsilon\Big)"))


class NAdamState(NamedTuple):
    t: int  # steps taken
    mu_product: float  # the product of the momentum coefficients so far
    m: np.ndarray  # (N, d) first moment
    v: np.ndarray  # (N, d) second moment


def momentum_coefficient(b1: float, momentum_decay: float, t: int) -> float:
    """NAdam's mu_t = b1 (1 - 0.96^(t psi) / 2)."""
    return b1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


@OPTIMIZERS.register("nadam", (dataclasses.replace(LR, default=2e-3), B1, B2, EPS, MOMENTUM_DECAY, *NOISE_FIELDS),
                     "NAdam (torch.optim.NAdam)", NADAM_RECORD)
def nadam(*, lr: float, b1: float, b2: float, eps: float, momentum_decay: float, noise: float, noise_shape: str,
          seed: int) -> Optimizer:
    """torch.optim.NAdam (weight_decay 0), with t counted from 1:
    mu_t = b1 (1 - 0.5 0.96^(t psi));  mu_{t+1} likewise;  Pi_t = Pi_{t-1} mu_t  (Pi_0 = 1);
    m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g²;  s = sqrt(v / (1-b2^t)) + eps;
    x <- x - lr (1-mu_t)/(1-Pi_t) g/s - lr mu_{t+1}/(1 - Pi_t mu_{t+1}) m/s.
    torch keeps Pi_t in its default dtype: this is torch with float64 as its default (float32 rounds Pi_t).
    """

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> NAdamState:
        return NAdamState(0, 1.0, np.zeros_like(x0, dtype=np.float64), np.zeros_like(x0, dtype=np.float64))

    def update(state: NAdamState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, NAdamState, Aux]:
        g = grad(x)
        t = state.t + 1
        mu, mu_next = momentum_coefficient(b1, momentum_decay, t), momentum_coefficient(b1, momentum_decay, t + 1)
        mu_product = state.mu_product * mu
        m = state.m * b1
        m += (1.0 - b1) * g
        v = state.v * b2
        v += (1.0 - b2) * g * g
        s = np.sqrt(v / (1.0 - b2**t))
        s += eps
        x_new = x - lr * (1.0 - mu) / (1.0 - mu_product) * g / s
        x_new -= lr * mu_next / (1.0 - mu_product * mu_next) * m / s
        return x_new, NAdamState(t, mu_product, m, v), {"momentum": m, "gradient": g, "second_moment": v}

    # its step measured as Adam's (benchmarks/work_weights.py: 0.01 to 0.24 run-steps a coordinate more, Adam against
    # itself 0.15 to 0.23)
    return noisy(Optimizer(init, update, extra_work=no_extra_work, memory=state_memory(2)), noise, seed, noise_shape)
