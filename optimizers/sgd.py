"""Baselines: plain gradient descent and heavy-ball momentum (torch.optim.SGD semantics, no dampening)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Aux, GradFn, Optimizer


def sgd(lr: float = 1e-3) -> Optimizer:
    """x <- x - lr g."""

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> tuple[()]:
        return ()

    def update(state: tuple[()], x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, tuple[()], Aux]:
        g = grad(x)
        return x - lr * g, state, {"gradient": g}

    return Optimizer(init, update)


class MomentumState(NamedTuple):
    t: int
    buf: np.ndarray  # (N, d) velocity


def momentum(lr: float = 1e-3, momentum: float = 0.9, nesterov: bool = False) -> Optimizer:
    """buf <- g on the first step, else momentum * buf + g;  x <- x - lr * (g + momentum * buf if nesterov else buf)."""
    mu = momentum

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> MomentumState:
        return MomentumState(0, np.zeros_like(x0, dtype=np.float64))

    def update(state: MomentumState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, MomentumState, Aux]:
        g = grad(x)
        buf = g.copy() if state.t == 0 else mu * state.buf + g
        direction = g + mu * buf if nesterov else buf
        return x - lr * direction, MomentumState(state.t + 1, buf), {"momentum": buf, "gradient": g}

    return Optimizer(init, update)
