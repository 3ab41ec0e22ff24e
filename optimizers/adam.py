"""Adam (Kingma & Ba 2015), with torch.optim.Adam's arithmetic and no weight decay."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import GradFn, Optimizer, bias_corrected_step


class AdamState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # (N, d) first moment
    v: np.ndarray  # (N, d) second moment


def adam(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g²;  t <- t+1;
    x <- x - (lr / (1-b1^t)) m / (sqrt(v)/sqrt(1-b2^t) + eps).
    """

    def init(x0: np.ndarray) -> AdamState:
        return AdamState(0, np.zeros_like(x0, dtype=np.float64), np.zeros_like(x0, dtype=np.float64))

    def step(state: AdamState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, AdamState]:
        g = grad(x)
        t = state.t + 1
        m, v = moments(state.m, state.v, g, b1, b2)
        return bias_corrected_step(x, m, v, t, lr, b1, b2, eps), AdamState(t, m, v)

    return Optimizer(init, step)


def moments(m: np.ndarray, v: np.ndarray, g: np.ndarray, b1: float, b2: float) -> tuple[np.ndarray, np.ndarray]:
    """New arrays b1 m + (1-b1) g and b2 v + (1-b2) g², with one scratch array instead of a temporary per operation."""
    m_new = np.multiply(m, b1)
    term = np.multiply(g, 1.0 - b1)
    m_new += term
    v_new = np.multiply(v, b2)
    np.multiply(g, g, out=term)
    term *= 1.0 - b2
    v_new += term
    return m_new, v_new
