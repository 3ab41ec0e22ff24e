"""Adam (Kingma & Ba 2015), with torch.optim.Adam's arithmetic and no weight decay, and its record."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Aux, GradFn, Optimizer, bias_corrected_step, no_extra_work, state_memory
from optimizers.noise import noisy
from optimizers.registry import LR, NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field

B1 = Field("b1", "float", 0.9, "decay of the first moment (momentum)", low=0.0, high=1.0, high_open=True,
           title="β₁ (momentum decay)", symbol="β₁")
B2 = Field("b2", "float", 0.999, "decay of the second moment (squared gradients)", low=0.0, high=1.0, high_open=True,
           title="β₂ (second-moment decay)", symbol="β₂")
EPS = Field("eps", "float", 1e-8, "added to the denominator so it is never zero", low=0.0, high=1.0, low_open=True,
            log=True, title="ε", symbol="ε")
ADAM_FIELDS = (LR, B1, B2, EPS)

# Adam's step in LaTeX, with d_{t+1} the direction it divides (the momentum here; Adam+CM's aggregate).
ADAM_STEP = (r"x_{t+1} = x_t - \frac{\mathrm{lr}}{1-\beta_1^{t+1}}\,"
             r"\frac{d_{t+1}}{\sqrt{v_{t+1}}/\sqrt{1-\beta_2^{t+1}} + \epsilon}")


class AdamState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # (N, d) first moment
    v: np.ndarray  # (N, d) second moment


ADAM_RECORD = OptimizerRecord(
    label="Adam", docs="docs/optimizers.md#adam-adam", rank=10, palette_family="adam",
    summary="Adam: momentum m divided by the root of the running mean square v of the gradients.",
    equations=(r"m_{t+1} = \beta_1 m_t + (1-\beta_1)\, g_t", r"v_{t+1} = \beta_2 v_t + (1-\beta_2)\, g_t^2",
               ADAM_STEP.replace("d_{t+1}", "m_{t+1}")))


@OPTIMIZERS.register("adam", (*ADAM_FIELDS, *NOISE_FIELDS), "Adam (torch.optim.Adam)", ADAM_RECORD)
def adam(*, lr: float, b1: float, b2: float, eps: float, noise: float, noise_shape: str, seed: int) -> Optimizer:
    """m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g²;  t <- t+1;
    x <- x - (lr / (1-b1^t)) m / (sqrt(v)/sqrt(1-b2^t) + eps).
    """

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> AdamState:
        return AdamState(0, np.zeros_like(x0, dtype=np.float64), np.zeros_like(x0, dtype=np.float64))

    def update(state: AdamState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, AdamState, Aux]:
        g = grad(x)
        t = state.t + 1
        # Four fresh arrays per step, no temporaries: `work` holds (1-b1) g, then (1-b2) g², then the new x.
        work = np.multiply(g, 1.0 - b1)
        m = np.multiply(state.m, b1)
        m += work
        np.multiply(g, g, out=work)
        work *= 1.0 - b2
        v = np.multiply(state.v, b2)
        v += work
        x_new = bias_corrected_step(x, m, v, t, lr, b1, b2, eps, out=work)
        return x_new, AdamState(t, m, v), {"momentum": m, "gradient": g, "second_moment": v}

    return noisy(Optimizer(init, update, extra_work=no_extra_work, memory=state_memory(2)), noise, seed, noise_shape)
