"""Which known minimum each point's gradient flow ends in: a vectorised, deterministic local descent, then a snap.

The descent follows the gradient flow dx/dt = -grad f(x) with an exponential integrator: over a time step h the
local quadratic model (gradient g, Hessian H = V diag(lam) V^T) is followed exactly,
    s = -V diag((1 - exp(-h lam)) / lam) V^T g,
which is a small gradient step along flat directions and a Newton step along stiff ones, so sharp and
ill-conditioned basins converge in a few dozen steps. A step is kept only when the surface agrees with the model
(actual decrease between ACCEPT_LOW and ACCEPT_HIGH times the predicted one) at its end *and* where it passes
closest to a listed minimum; h grows fourfold after a kept step and shrinks fourfold after a refused one. The second
check is what stops a step from leaping over a narrow basin: a step that crosses a sharp well finds f there far below
the model and is refused, so the descent approaches the well in smaller steps. Steps are also never longer than a
tenth of the domain.

A landscape that can prove where a point's flow ends (`Landscape.certified_basins`: the quadratic-basins family,
from its bowls) is asked first, and again after every kept step, so the descent only runs until the point enters a
proven region. Points are taken in blocks of ASSIGN_BLOCK, so memory does not grow with their number.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.spatial import cKDTree

from experiments.basin_blocks import ASSIGN_BLOCK, HESSIAN_MAX_DIM
from experiments.run import FAR_WIDTHS, RunResult
from landscapes import Landscape

# What a final point's basin index is when it is no listed minimum's.
NO_BASIN = -1  # the flow runs off, or ends somewhere unlisted
DIVERGED_BASIN = -2  # the run diverged: it has no end point to assign
UNDEFINED_BASIN = -3  # the run stopped where its gradient is undefined

MAX_ITERATIONS = 1000
STEP_FRACTION = 0.1  # longest step, as a fraction of the domain's half-diagonal
ACCEPT_LOW, ACCEPT_HIGH = 0.8, 1.25
STRAY_TOLERANCE = 0.05  # kept when the path strays from the model's by at most this fraction of the step
LINEAR_STRAY_TOLERANCE = 1.0  # the same for a linear model (no Hessian): plain gradient steps with h <= 1/L
PASS_CANDIDATES = 8  # minima checked for being passed by a step: the nearest ones to the step's midpoint


def assign_basins(landscape: Landscape, points: np.ndarray) -> np.ndarray:
    """(N,) int: index into landscape.minima of the minimum a deterministic local descent from each point (N, d)
    converges to; -1 where none (non-finite point, no convergence, or an unlisted minimum)."""
    X = np.array(points, dtype=np.float64).reshape(-1, landscape.dim)
    basins = np.full(X.shape[0], -1, dtype=np.int64)
    minima = np.array([m.location for m in landscape.minima]).reshape(-1, landscape.dim)
    rows = np.flatnonzero(np.all(np.isfinite(X), axis=1))
    if len(minima) == 0 or rows.size == 0:
        return basins
    for low in range(0, rows.size, ASSIGN_BLOCK):
        block = rows[low:low + ASSIGN_BLOCK]
        basins[block] = _assign_finite(landscape, X[block], minima)
    return basins


def _assign_finite(landscape: Landscape, X: np.ndarray, minima: np.ndarray) -> np.ndarray:
    """assign_basins on finite points: what the landscape proves, then the descent for the rest."""
    certify = certifier(landscape)
    basins = certify(X) if certify is not None else np.full(X.shape[0], -1, dtype=np.int64)
    rest = np.flatnonzero(basins < 0)
    if rest.size:
        ends, converged, proven = descend(landscape, X[rest], minima, certify)
        scale = float(np.linalg.norm(landscape.domain.half_width))
        distance, nearest = cKDTree(minima).query(ends)
        basins[rest] = np.where(proven >= 0, proven, np.where(converged & (distance <= 1e-4 * scale), nearest, -1))
    return basins


def certifier(landscape: Landscape):
    """The landscape's `certified_basins` if it proves any basins (the base class proves none), else None."""
    if type(landscape).certified_basins is Landscape.certified_basins:
        return None
    return landscape.certified_basins


def final_basins(landscape: Landscape, result: RunResult) -> np.ndarray:
    """(N,) the basin each run of `result` ended in: an index into landscape.minima, NO_BASIN, or DIVERGED_BASIN /
    UNDEFINED_BASIN for a run that stopped early (it ended nowhere, whatever its frozen point)."""
    basins = np.full(result.n_runs, DIVERGED_BASIN, dtype=np.int64)
    basins[result.undefined] = UNDEFINED_BASIN
    ran = ~result.stopped
    if ran.any():
        basins[ran] = assign_basins(landscape, result.final[ran])
    return basins


def descend(landscape: Landscape, X: np.ndarray, minima: np.ndarray, certify=None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Follow the gradient flow from each row of X (N, d) (all finite) until it stops moving, or until
    `certify(points)` (-1 where it cannot tell) proves which minimum it ends in.

    Returns the end points (N, d), (N,) bool converged (False: left the domain far behind, produced a non-finite
    value, or still moving after MAX_ITERATIONS steps) and (N,) the proven minimum's index (-1 where none).
    """
    n, dim = X.shape
    domain = landscape.domain
    scale = float(np.linalg.norm(domain.half_width))
    longest, still = STEP_FRACTION * scale, 1e-10 * scale
    reach = FAR_WIDTHS * (domain.high - domain.low)
    tree = cKDTree(minima) if len(minima) > PASS_CANDIDATES else None
    x = X.copy()
    converged = np.zeros(n, dtype=bool)
    proven = np.full(n, -1, dtype=np.int64)
    with np.errstate(all="ignore"):
        f, g = landscape.f(x), landscape.grad(x)
        h = np.minimum(0.1 * scale / np.maximum(np.linalg.norm(g, axis=1), 1e-300), 1e12)
        active = np.flatnonzero(np.isfinite(f) & np.all(np.isfinite(g), axis=1))
        for _ in range(MAX_ITERATIONS):
            if active.size == 0:
                break
            model = QuadraticModel.at(landscape, x[active], h[active])
            s = cap_length(-model.flow(g[active]), longest)
            stopped = np.linalg.norm(s, axis=1) <= still
            converged[active[stopped]] = True
            active, model, s = active[~stopped], model.rows(~stopped), s[~stopped]
            xa, fa, ga = x[active], f[active], g[active]
            probe = closest_pass(xa, s, minima, tree)  # (n,) fraction of the step; 1 where no minimum is passed
            steps = np.stack([s, probe[:, None] * s])  # (2, n, d): to the end, and to the closest pass
            products = np.stack([model.hessian_times(steps[0]), model.hessian_times(steps[1])])  # H s
            predicted = -np.einsum("nd,knd->kn", ga, steps) - 0.5 * np.einsum("knd,knd->kn", steps, products)
            ends = (xa + steps).reshape(-1, dim)
            f_new = landscape.f(ends).reshape(2, -1)
            g_new = landscape.grad(ends).reshape(2, -1, dim)
            ratio = (fa - f_new) / predicted
            # How far the path strays from the model's: the flow operator applied to the gradient's surprise
            stray = np.stack([np.linalg.norm(model.flow(g_new[k] - ga - products[k]), axis=1) for k in range(2)])
            kept = np.all((ratio >= ACCEPT_LOW) & (ratio <= ACCEPT_HIGH)
                          & (stray <= model.tolerance * np.linalg.norm(s, axis=1)), axis=0)
            h[active] = np.where(kept, np.minimum(h[active] * 4.0, 1e12), h[active] * 0.25)
            rows = active[kept]
            x[rows], f[rows], g[rows] = xa[kept] + s[kept], f_new[0, kept], g_new[0, kept]
            lost = ~(np.isfinite(f[active]) & np.all(np.isfinite(g[active]), axis=1)
                     & np.all(np.abs(x[active] - domain.centre) <= reach, axis=1))
            if certify is not None and rows.size:
                proven[rows] = certify(x[rows])
                lost |= proven[active] >= 0
            active = active[~lost]
    return x, converged, proven


class QuadraticModel(NamedTuple):
    """The local quadratic model at each of n points (Hessian V diag(lam) V^T) and its flow over time h.

    `phi` = (1 - exp(-h lam)) / lam (limit h at lam = 0) turns a gradient into the model flow's displacement.
    Rows whose Hessian is not finite (a cone's tip) get a linear model (lam = 0, V = I); above HESSIAN_MAX_DIM every
    row does, and V is None: the flow is then h times the gradient, O(n d) per step.
    """

    V: np.ndarray | None  # (n, d, d) eigenvectors, or None for a linear model in every row
    lam: np.ndarray  # (n, d) eigenvalues ((n, 1) zeros when V is None)
    phi: np.ndarray  # (n, d), or (n, 1) when V is None
    tolerance: np.ndarray  # (n,) allowed stray per unit step: looser for a linear model

    @classmethod
    def at(cls, landscape: Landscape, x: np.ndarray, h: np.ndarray) -> QuadraticModel:
        n, dim = x.shape
        if dim > HESSIAN_MAX_DIM:
            return cls(None, np.zeros((n, 1)), h[:, None].copy(), np.full(n, LINEAR_STRAY_TOLERANCE))
        lam = np.zeros((n, dim))
        V = np.broadcast_to(np.eye(dim), (n, dim, dim)).copy()
        H = model_hessian(landscape, x)
        finite = np.all(np.isfinite(H), axis=(1, 2))
        lam[finite], V[finite] = symmetric_eigen(H[finite])
        hl = h[:, None] * lam
        # the exponent is bounded: growth along negative curvature is cut by the step cap anyway
        phi = np.where(np.abs(hl) > 1e-12, -np.expm1(np.minimum(-hl, 50.0)) / np.where(lam == 0, 1.0, lam), h[:, None])
        return cls(V, lam, phi, np.where(finite, STRAY_TOLERANCE, LINEAR_STRAY_TOLERANCE))

    def rows(self, mask: np.ndarray) -> QuadraticModel:
        return QuadraticModel(None if self.V is None else self.V[mask], self.lam[mask], self.phi[mask],
                              self.tolerance[mask])

    def flow(self, v: np.ndarray) -> np.ndarray:
        """V diag(phi) V^T v, (n, d): minus the model flow's displacement when v is the gradient."""
        if self.V is None:
            return self.phi * v
        return np.einsum("nde,ne->nd", self.V, self.phi * np.einsum("nde,nd->ne", self.V, v))

    def hessian_times(self, v: np.ndarray) -> np.ndarray:
        """H v, (n, d)."""
        if self.V is None:
            return np.zeros_like(v)
        return np.einsum("nde,ne->nd", self.V, self.lam * np.einsum("nde,nd->ne", self.V, v))


def symmetric_eigen(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (n, d) and eigenvectors (n, d, d) (as columns) of symmetric matrices (n, d, d), in no particular
    order. 2 x 2 in closed form, one Jacobi rotation by half the angle atan2(2b, a - c) (LAPACK's batched eigh costs
    about 1 µs a matrix, a tenth of a descent's whole step); others by LAPACK."""
    if H.shape[1] != 2:
        return np.linalg.eigh(H)
    a, b, c = H[:, 0, 0], H[:, 1, 0], H[:, 1, 1]
    angle = 0.5 * np.arctan2(2.0 * b, a - c)
    cos, sin = np.cos(angle), np.sin(angle)
    twice_b_sin_cos = 2.0 * b * sin * cos
    lam = np.stack([a * cos**2 + twice_b_sin_cos + c * sin**2, a * sin**2 - twice_b_sin_cos + c * cos**2], axis=1)
    V = np.stack([np.stack([cos, -sin], axis=1), np.stack([sin, cos], axis=1)], axis=1)
    return lam, V


def model_hessian(landscape: Landscape, x: np.ndarray) -> np.ndarray:
    """Hessians (n, d, d) for the model: the landscape's closed form if it has one, else central differences of its
    gradient in one batched call (autograd's Hessian costs ~20 ms a call whatever the batch, and the descent makes
    a hundred calls; the model needs no more than the differences' ~1e-7 relative accuracy)."""
    if type(landscape).hessian is not Landscape.hessian:
        return landscape.hessian(x)
    n, dim = x.shape
    delta = 1e-5 * (1.0 + np.abs(x))  # (n, d)
    offsets = np.eye(dim)[None, :, :] * delta[:, :, None]  # (n, d, d): row i moves coordinate i
    shifted = np.concatenate([x[:, None, :] + offsets, x[:, None, :] - offsets], axis=1)  # (n, 2d, d)
    g = landscape.grad(shifted.reshape(-1, dim)).reshape(n, 2 * dim, dim)
    H = (g[:, :dim] - g[:, dim:]) / (2 * delta[:, :, None])  # row i: d grad / d x_i
    return (H + np.swapaxes(H, 1, 2)) / 2


def cap_length(s: np.ndarray, longest: float) -> np.ndarray:
    """Steps (N, d) scaled down to at most `longest`."""
    length = np.linalg.norm(s, axis=1)
    return s * np.minimum(1.0, longest / np.maximum(length, 1e-300))[:, None]


def closest_pass(x: np.ndarray, s: np.ndarray, minima: np.ndarray, tree: cKDTree | None) -> np.ndarray:
    """(N,) fraction in (0, 1) of each step (N, d) at which it passes closest to the nearest listed minimum it
    passes by (one whose closest approach lies inside the step); 1 where it passes none."""
    if tree is None:
        candidates = np.broadcast_to(minima, (x.shape[0], *minima.shape))
    else:
        _, index = tree.query(x + s / 2, k=PASS_CANDIDATES)
        candidates = minima[index]  # (N, k, d)
    offset = candidates - x[:, None, :]
    tau = np.einsum("nkd,nd->nk", offset, s) / np.maximum(np.einsum("nd,nd->n", s, s), 1e-300)[:, None]
    beside = np.linalg.norm(offset - tau[..., None] * s[:, None, :], axis=2)
    beside[(tau <= 0) | (tau >= 1)] = np.inf
    nearest = np.argmin(beside, axis=1)
    rows = np.arange(x.shape[0])
    return np.where(np.isfinite(beside[rows, nearest]), tau[rows, nearest], 1.0)
