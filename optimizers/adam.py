"""Adam (Kingma & Ba 2015), with torch.optim.Adam's arithmetic and no weight decay."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Aux, GradFn, Optimizer, bias_corrected_step


class AdamState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # (N, d) first moment
    v: np.ndarray  # (N, d) second moment


def adam(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
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

    return Optimizer(init, update)
