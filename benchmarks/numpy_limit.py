"""The pure-NumPy limit: each optimizer written out by hand as one loop over steps, with closed-form gradients.

What a skilled NumPy user writes for one experiment and nothing more: arrays updated in place, no state objects,
no divergence checks, no spec parsing. cmx's speed is compared with these, so they are as fast as we can make them;
tests/test_benchmarks.py checks that they take exactly cmx's steps.
"""

from __future__ import annotations

import numpy as np


def ackley_grad(X: np.ndarray) -> np.ndarray:
    """Ackley's gradient (N, d) -> (N, d); sin and cos of 2πx from one tan of the exactly reduced half angle."""
    d = X.shape[1]
    ones = np.ones(d)
    r = np.sqrt(np.square(X) @ ones / d)
    cone = np.exp(-0.2 * r)
    cone *= 4.0 / d
    cone /= r
    t = X - np.rint(X)
    t *= np.pi
    np.tan(t, out=t)
    inv = np.square(t)
    inv += 1.0
    np.divide(2.0, inv, out=inv)
    t *= inv  # sin 2πx
    inv -= 1.0  # cos 2πx
    wave = np.exp(inv @ ones / d)
    wave *= 2 * np.pi / d
    g = np.empty_like(X)
    for j in range(d):  # columns: NumPy broadcasts (N, 1) over a short row slowly
        np.multiply(cone, X[:, j], out=g[:, j])
        t[:, j] *= wave
    g += t
    return g


def goldstein_price_grad(X: np.ndarray) -> np.ndarray:
    """Goldstein-Price's gradient (N, 2) -> (N, 2), with f = a(x+y) b(2x-3y) written in those two variables."""
    x, y = X[:, 0], X[:, 1]
    w = x + y
    s = w + 1.0
    p = 19.0 + w * (3.0 * w - 14.0)
    a = 1.0 + s * s * p
    a_w = s * (2.0 * p + s * (6.0 * w - 14.0))
    u = 2.0 * x - 3.0 * y
    q = 18.0 + u * (3.0 * u - 16.0)
    b = 30.0 + u * u * q
    b_u = u * (2.0 * q + u * (6.0 * u - 16.0))
    common, cross = a_w * b, a * b_u
    g = np.empty_like(X)
    g[:, 0] = common + 2.0 * cross
    g[:, 1] = common - 3.0 * cross
    return g


def quadratic_grad(A: np.ndarray, c: np.ndarray):
    """The gradient (x - c) A of ½ (x-c)ᵀ A (x-c), for a symmetric A (x A when c = 0)."""
    if not c.any():
        return lambda X: X @ A
    return lambda X: (X - c) @ A


def two_basin_grad(sharpness: float, depth: float, tau: float):
    """two_basin's gradient (N, 2) -> (N, 2) in cmx's arithmetic, written out for its two bowls (sharp: centre
    (-1, 0), curvature `sharpness`; flat: centre (1, 0), curvature 1, depth -`depth`): u_k = -q_k / tau, the softmax
    weights w_k from both exps (raised to -700 where exp is slow), g = w_0 s (x - c_0) + w_1 (x - c_1)."""
    flat_depth = -depth

    def grad(X: np.ndarray) -> np.ndarray:
        y = X[:, 1]
        sharp_x = X[:, 0] + 1.0
        flat_x = X[:, 0] - 1.0
        sharp_gx = sharp_x * sharpness
        sharp_gy = y * sharpness
        u0 = sharp_x * sharp_gx
        u0 += y * sharp_gy
        u0 *= 0.5
        u0 /= -tau
        u1 = np.square(flat_x)
        u1 += np.square(y)
        u1 *= 0.5
        u1 += flat_depth
        u1 /= -tau
        top = np.maximum(u0, u1)
        for u in (u0, u1):
            u -= top
            np.maximum(u, -700.0, out=u)
            np.exp(u, out=u)
        total = u0 + u1
        u0 /= total
        u1 /= total
        g = np.empty_like(X)
        np.add(u0 * sharp_gx, u1 * flat_x, out=g[:, 0])
        np.add(u0 * sharp_gy, u1 * y, out=g[:, 1])
        return g

    return grad


def quadratic_basins_grad(centres: np.ndarray, hessians: np.ndarray, depths: np.ndarray, tau: float):
    """The gradient (N, 2) -> (N, 2) of -tau log Σ_k exp(-q_k / tau), q_k = depth_k + ½ (x-c_k)ᵀ A_k (x-c_k), in the
    plane, by cmx's algorithm: slot-major (K, N) arrays, one per coordinate, each operation over every bowl."""
    cx, cy = centres[:, 0, None], centres[:, 1, None]
    a, b, c = hessians[:, 0, 0, None], hessians[:, 0, 1, None], hessians[:, 1, 1, None]
    shift = depths[:, None] / tau

    def grad(X: np.ndarray) -> np.ndarray:
        dx = X[:, 0] - cx
        dy = X[:, 1] - cy
        gx = a * dx
        gx += b * dy
        gy = b * dx
        gy += c * dy
        u = dx * gx
        dy *= gy
        u += dy
        u *= -0.5 / tau
        u -= shift
        u -= u.max(axis=0)
        np.maximum(u, -700.0, out=u)
        np.exp(u, out=u)
        u /= u.sum(axis=0)
        gx *= u
        gy *= u
        g = np.empty((X.shape[0], 2))
        np.sum(gx, axis=0, out=g[:, 0])
        np.sum(gy, axis=0, out=g[:, 1])
        return g

    return grad


def adam(grad, x0: np.ndarray, steps: int, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
         rho: float | None = None) -> np.ndarray:
    """Final points (N, d) of Adam (torch.optim.Adam's arithmetic); with `rho`, Adam+SAM."""
    x = x0.copy()
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    ones = np.ones(x.shape[1])
    for t in range(1, steps + 1):
        g = grad(x)
        if rho is not None:
            g = grad(x + (rho / (np.sqrt(np.square(g) @ ones) + 1e-12))[:, None] * g)
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        g *= g
        g *= 1.0 - b2
        v += g
        denom = np.sqrt(v)
        denom /= np.sqrt(1.0 - b2**t)
        denom += eps
        np.divide(m, denom, out=denom)
        denom *= lr / (1.0 - b1**t)
        x -= denom
    return x


def adam_cm(grad, x0: np.ndarray, steps: int, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
            top_c: int = 5, decay: float = 0.7, rho: float | None = None) -> np.ndarray:
    """Final points (N, d) of Adam+CM (the authors' arithmetic, docs/optimizers.md); with `rho`, Adam+SAM+CM.

    The buffer is kept slot-major, priorities (C, N) and vectors (C, N, d).
    """
    x = x0.copy()
    n, d = x.shape
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    ones = np.ones(d)
    priorities = np.zeros((top_c, n))
    vectors = np.zeros((top_c, n, d))
    row = np.dtype((np.void, 8 * d))
    size = 0
    for t in range(1, steps + 1):
        g = grad(x)
        if rho is not None:
            g = grad(x + (rho / (np.sqrt(np.square(g) @ ones) + 1e-12))[:, None] * g)
        g_norm = np.sqrt(np.square(g) @ ones)
        if t == 1:
            a = np.zeros_like(x)
            priorities[0] = g_norm
            vectors[0] = g
            size = 1
        else:
            m *= b1
            m += (1.0 - b1) * g
            a = vectors[:size].sum(axis=0)
            a /= size
            a += m
            if size < top_c:
                priorities[size] = g_norm
                vectors[size] = m
                size += 1
            else:
                # one-hot (C, N) of each run's first slot of smallest priority, where the new priority is larger
                smallest = priorities.min(axis=0)
                looking = g_norm > smallest
                chosen = np.empty((top_c, n), dtype=bool)
                for c in range(top_c):
                    np.equal(priorities[c], smallest, out=chosen[c])
                    chosen[c] &= looking
                    looking ^= chosen[c]
                priorities = np.where(chosen, g_norm, priorities)
                # whole rows selected as opaque items of d floats: no broadcast of the mask over d
                vectors = np.where(chosen, m.view(row)[:, 0], vectors.view(row)[..., 0])[..., None].view(np.float64)
        v *= b2
        v += (1.0 - b2) * (a * a)
        denom = np.sqrt(v)
        denom /= np.sqrt(1.0 - b2**t)
        denom += eps
        np.divide(a, denom, out=denom)
        denom *= lr / (1.0 - b1**t)
        x -= denom
        priorities *= decay
    return x
