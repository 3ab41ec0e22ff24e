"""Baselines: plain gradient descent and heavy-ball momentum (torch.optim.SGD semantics, no dampening), and their
records."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Aux, GradFn, Optimizer, no_extra_work, state_memory
from optimizers.noise import noisy
from optimizers.registry import LR, NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field

MOMENTUM = Field("momentum", "float", 0.9, "heavy-ball coefficient", low=0.0, high=1.0, high_open=True,
                 title="μ (momentum)", symbol="μ")
NESTEROV = Field("nesterov", "bool", False, "look-ahead (Nesterov) momentum")
SGD_DOCS = "docs/optimizers.md#sgd-and-heavy-ball-momentum-sgd-momentum"


SGD_RECORD = OptimizerRecord(
    label="SGD", docs=SGD_DOCS, rank=120, palette_family="sgd", summary="Gradient descent: step against the gradient.",
    equations=(r"x_{t+1} = x_t - \mathrm{lr}\; g_t,\qquad g_t = \nabla f(x_t)",))


@OPTIMIZERS.register("sgd", (LR, *NOISE_FIELDS), "gradient descent: x <- x - lr g", SGD_RECORD)
def sgd(*, lr: float, noise: float, noise_shape: str, seed: int) -> Optimizer:
    """x <- x - lr g."""

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> tuple[()]:
        return ()

    def update(state: tuple[()], x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, tuple[()], Aux]:
        g = grad(x)
        return x - lr * g, state, {"gradient": g}

    return noisy(Optimizer(init, update, extra_work=no_extra_work, memory=state_memory(0)), noise, seed, noise_shape)


class MomentumState(NamedTuple):
    t: int
    buf: np.ndarray  # (N, d) velocity


MOMENTUM_RECORD = OptimizerRecord(
    label="Momentum", docs=SGD_DOCS, rank=110, palette_family="momentum",
    summary="Heavy-ball momentum (torch.optim.SGD): a velocity that accumulates gradients.",
    equations=(r"b_{t+1} = \mu\, b_t + g_t \quad (b_1 = g_0)",
               r"x_{t+1} = x_t - \mathrm{lr}\,\big(g_t + \mu\, b_{t+1}\ \text{if Nesterov, else}\ b_{t+1}\big)"))


@OPTIMIZERS.register("momentum", (LR, MOMENTUM, NESTEROV, *NOISE_FIELDS), "heavy-ball momentum (torch.optim.SGD)",
                     MOMENTUM_RECORD)
def momentum(*, lr: float, momentum: float, nesterov: bool, noise: float, noise_shape: str,
             seed: int) -> Optimizer:
    """buf <- g on the first step, else momentum * buf + g;  x <- x - lr * (g + momentum * buf if nesterov else buf)."""
    mu = momentum

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> MomentumState:
        return MomentumState(0, np.zeros_like(x0, dtype=np.float64))

    def update(state: MomentumState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, MomentumState, Aux]:
        g = grad(x)
        buf = g.copy() if state.t == 0 else mu * state.buf + g
        direction = g + mu * buf if nesterov else buf
        return x - lr * direction, MomentumState(state.t + 1, buf), {"momentum": buf, "gradient": g}

    return noisy(Optimizer(init, update, extra_work=no_extra_work, memory=state_memory(1)), noise, seed, noise_shape)
