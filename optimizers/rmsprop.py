"""RMSProp (Hinton's lecture 6e, 2012), with torch.optim.RMSprop's arithmetic and no weight decay, and its record."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from optimizers.adam import EPS
from optimizers.base import Aux, GradFn, Optimizer, state_memory
from optimizers.noise import noisy
from optimizers.registry import LR, NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field

ALPHA = Field("alpha", "float", 0.99, "decay of the running mean of squared gradients", low=0.0, high=1.0,
              high_open=True, title="α (square-average decay)", symbol="α")
STEP_MOMENTUM = Field("momentum", "float", 0.0, "momentum of the scaled step (0: none)", low=0.0, high=1.0,
                      high_open=True, title="μ (step momentum)", symbol="μ")
CENTERED = Field("centered", "bool", False, "divide by the running variance of the gradient, not its mean square")
# What `centered` and the step's momentum each add to a step, per coordinate, in run-steps: the running mean or the
# momentum buffer (benchmarks/work_weights.py: both 0.24 to 0.54 beyond Adam, where plain RMSProp is Adam's; x 1.5,
# split between the two). Plain RMSProp does less than Adam and declares nothing.
KNOB_WORK = 0.4

RMSPROP_RECORD = OptimizerRecord(
    label="RMSProp", docs="docs/optimizers.md#rmsprop-rmsprop", rank=80, palette_family="rmsprop",
    summary="RMSProp: each coordinate's step is the gradient divided by the root of a running mean of its squares, "
            "without Adam's momentum or bias corrections.",
    equations=(r"v_{t+1} = \alpha v_t + (1-\alpha)\, g_t^2 \qquad (\bar g_{t+1} = \alpha \bar g_t + (1-\alpha)\, g_t"
               r"\ \text{if centered})",
               r"s_{t+1} = \sqrt{v_{t+1}} + \epsilon \qquad (\sqrt{v_{t+1} - \bar g_{t+1}^2} + \epsilon"
               r"\ \text{if centered})",
               r"b_{t+1} = \mu\, b_t + g_t / s_{t+1}, \qquad x_{t+1} = x_t - \mathrm{lr}\; b_{t+1}"
               r"\qquad (\mu = 0:\ x_{t+1} = x_t - \mathrm{lr}\; g_t / s_{t+1})"))


class RMSPropState(NamedTuple):
    v: np.ndarray  # (N, d) running mean of g²
    mean: np.ndarray | None  # (N, d) running mean of g (centered only)
    buf: np.ndarray | None  # (N, d) the step's momentum (momentum > 0 only)


@OPTIMIZERS.register("rmsprop", (dataclasses.replace(LR, default=1e-2), ALPHA, EPS, STEP_MOMENTUM, CENTERED,
                                 *NOISE_FIELDS), "RMSProp (torch.optim.RMSprop)", RMSPROP_RECORD)
def rmsprop(*, lr: float, alpha: float, eps: float, momentum: float, centered: bool, noise: float, noise_shape: str,
            seed: int) -> Optimizer:
    """torch.optim.RMSprop (weight_decay 0):
    v <- alpha v + (1-alpha) g²;  s = sqrt(v) + eps, or with `centered`: mean <- alpha mean + (1-alpha) g,
    s = sqrt(v - mean²) + eps;  then with momentum mu > 0: buf <- mu buf + g/s, x <- x - lr buf; else x <- x - lr g/s.
    """

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> RMSPropState:
        zeros = np.zeros_like(x0, dtype=np.float64)
        return RMSPropState(zeros, zeros.copy() if centered else None, zeros.copy() if momentum > 0 else None)

    def update(state: RMSPropState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, RMSPropState, Aux]:
        g = grad(x)
        v = state.v * alpha
        v += (1.0 - alpha) * g * g
        mean = None
        if centered:
            mean = state.mean * alpha
            mean += (1.0 - alpha) * g
            s = np.sqrt(v - mean * mean)
        else:
            s = np.sqrt(v)
        s += eps
        buf = None
        if momentum > 0:
            buf = state.buf * momentum
            buf += g / s
            x_new = x - lr * buf
        else:
            x_new = x + (-lr * g) / s
        aux = {"gradient": g, "second_moment": v, **({"momentum": buf} if buf is not None else {})}
        return x_new, RMSPropState(v, mean, buf), aux

    knobs = int(centered) + int(momentum > 0)  # the state's arrays beyond v
    return noisy(Optimizer(init, update, extra_work=lambda dim: KNOB_WORK * knobs * dim,
                           memory=state_memory(1 + knobs)), noise, seed, noise_shape)
