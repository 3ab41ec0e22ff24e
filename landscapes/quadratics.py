"""Surfaces whose curvature is a knob: a quadratic bowl, random quadratic basins and the sharp/flat two-basin family."""

from __future__ import annotations

import math
from functools import cached_property
from typing import NamedTuple

import autograd.numpy as anp
import numpy as np

from landscapes.base import Landscape, Minimum, box
from landscapes.registry import LANDSCAPES, SEED, TAU, LandscapeRecord, curvature_field, dim_field
from specs import Field, SpecError


def random_rotation(dim: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random orthogonal matrix (QR of a Gaussian matrix with the signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))


def spectrum_matrix(eigenvalues: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Q diag(λ) Qᵀ, made exactly symmetric."""
    A = (rotation * eigenvalues) @ rotation.T
    return (A + A.T) / 2


ROTATION = Field("rotation", "float", 0.0, "degrees the surface is turned about its sharpest minimum, in the plane "
                 "of the first two coordinates", low=-180.0, high=180.0, title="rotation (degrees)")
EXACT_TURNS = {0: (1.0, 0.0), 90: (0.0, 1.0), 180: (-1.0, 0.0), 270: (0.0, -1.0)}  # cos, sin of right angles


def plane_rotation(dim: int, degrees: float) -> np.ndarray:
    """(d, d): turns the plane of the first two coordinates by `degrees` (anticlockwise), the others stay. Right
    angles are exact (cos 90° is 0, not 6e-17), so a quarter turn swaps coordinates bit for bit."""
    if dim < 2:
        raise SpecError(f"rotation needs at least two dimensions (got dim={dim})")
    turned = degrees % 360
    cos, sin = EXACT_TURNS[int(turned)] if turned in EXACT_TURNS else (math.cos(math.radians(turned)),
                                                                       math.sin(math.radians(turned)))
    matrix = np.eye(dim)
    matrix[:2, :2] = [[cos, -sin], [sin, cos]]
    return matrix


def rotated_box(domain, pivot: np.ndarray, rotation: np.ndarray):
    """The axis-aligned box around `domain` turned by `rotation` about `pivot` (its corners' bounds, in the plane)."""
    low, high = domain.low.copy(), domain.high.copy()
    corners = np.array([[a, b] for a in (low[0], high[0]) for b in (low[1], high[1])]) - pivot[:2]
    turned = corners @ rotation[:2, :2].T + pivot[:2]
    low[:2], high[:2] = turned.min(axis=0), turned.max(axis=0)
    return type(domain)(low, high)


def turned_hessians(hessians: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """R A_k Rᵀ for each (K, d, d), symmetric; a round bowl (A = s I) is kept as it is, bit for bit."""
    out = np.array(hessians, dtype=np.float64)
    for k, A in enumerate(out):
        if not np.array_equal(A, A[0, 0] * np.eye(len(A))):
            turned = rotation @ A @ rotation.T
            out[k] = (turned + turned.T) / 2
    return out


class Quadratic(Landscape):
    """f = ½ (x-c)ᵀ A (x-c) in any dimension, with A = Q diag(λ) Qᵀ for a seeded rotation Q and λ log-spaced
    from lambda_min to lambda_max (the condition number and the sharpness are the knobs), or A and c given;
    `rotation` then turns A about c in the plane of the first two coordinates (R A Rᵀ)."""

    name = "quadratic"

    def __init__(self, dim: int = 2, lambda_min: float = 1.0, lambda_max: float = 10.0, seed: int = 0,
                 A: np.ndarray | None = None, c: np.ndarray | None = None, rotation: float = 0.0):
        if A is None:
            if lambda_min > lambda_max:
                raise SpecError(f"lambda_min must be <= lambda_max (got {lambda_min} > {lambda_max})")
            rng = np.random.default_rng(seed)
            A = spectrum_matrix(np.geomspace(lambda_min, lambda_max, dim), random_rotation(dim, rng))
        if rotation:  # about the minimum c, which stays where it is
            A = turned_hessians(np.asarray(A, dtype=np.float64)[None], plane_rotation(len(A), rotation))[0]
        A = np.array(A, dtype=np.float64)
        dim = A.shape[0]
        if A.shape != (dim, dim) or not np.allclose(A, A.T) or not np.all(np.isfinite(A)):
            raise ValueError(f"A must be a finite symmetric square matrix (got shape {A.shape})")
        c = np.zeros(dim) if c is None else np.array(c, dtype=np.float64).reshape(dim)
        half = 3.0 + np.abs(c).max(initial=0.0)
        params = {"dim": dim, "lambda_min": lambda_min, "lambda_max": lambda_max, "seed": seed, "rotation": rotation}
        super().__init__(dim, box(-half, half, dim), params)
        self.A, self.c = (A + A.T) / 2, c
        # A run-step multiplies by A: measured by benchmarks/work_weights.py at 0.4, 4.8, 47, 355 and 1,400
        # closed-form run-steps for d = 2, 8, 50, 200 and 1,000 (rounded up here)
        self.step_cost = max(1.0, (dim - 1.5) * (1.0 + dim / 200))

    def value(self, X):
        D = X - self.c
        return 0.5 * ((D @ self.A) * D).sum(axis=1)

    def grad(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            return (X - self.c if self.c.any() else X) @ self.A

    def hessian(self, X):
        return np.broadcast_to(self.A, (self.points(X).shape[0], self.dim, self.dim)).copy()

    @cached_property
    def minima(self) -> tuple[Minimum, ...]:
        """The centre, exactly, when A is positive definite (no Newton refinement: d may be 1000)."""
        eigenvalues = np.linalg.eigvalsh(self.A)
        return (Minimum(self.c.copy(), 0.0, eigenvalues, "global"),) if eigenvalues[0] > 0 else ()

    def minima_work(self) -> float:
        """One symmetric eigendecomposition, no search (the base class's count assumes one)."""
        return self.dim**3 / 100.0

    def certified_basins(self, X: np.ndarray) -> np.ndarray:
        """With A positive definite f is strictly convex: every finite point's flow, x(t) - c = exp(-At) (x_0 - c),
        ends at the centre (and never moves away from it). Nothing is proven otherwise."""
        X = self.points(X)
        return np.where(np.all(np.isfinite(X), axis=1), 0 if self.minima else -1, -1)


# NumPy's vectorised exp takes a scalar path 15-150 times slower for arguments below about -708 (where the result
# underflows), and far from a bowl most of its weights' exponents are. They are raised to EXP_FLOOR, and exp(EXP_FLOOR)
# is subtracted from every result: those weights become exactly 0, which is what their exp rounds to or next to
# nothing (under 1e-304); every weight above 4e-289 is unchanged, bit for bit (the subtraction rounds back to it).
EXP_FLOOR = -700.0
EXP_AT_FLOOR = math.exp(EXP_FLOOR)
# Temporaries of the closed forms hold (bowls x rows x d) floats; more rows than this bound are taken in blocks.
BLOCK_ELEMENTS = 1 << 20
# A point's basin is proven from the bowls alone where f is convex with this factor to spare (`certified_basins`).
CONVEXITY_MARGIN = 2.0
CERTIFICATE_BISECTIONS = 60


@LANDSCAPES.register("quadratic", (dim_field(2, 1000), curvature_field("lambda_min", 1.0, "smallest curvature"),
                                   curvature_field("lambda_max", 10.0, "largest curvature (the sharpness)"), SEED,
                                   ROTATION),
                     "a quadratic bowl ½ xᵀAx with a seeded rotation and log-spaced curvatures",
                     LandscapeRecord(label="Quadratic bowl", docs="docs/landscapes.md#quadratic-bowl-quadratic",
                                     rank=30, basin_work_anywhere=4.5, basin_work_near_minimum=6.0))
def quadratic(*, dim: int, lambda_min: float, lambda_max: float, seed: int, rotation: float) -> Landscape:
    return Quadratic(dim, lambda_min, lambda_max, seed, rotation=rotation)


class RoundPair(NamedTuple):
    """Two round bowls (A_k = s_k I) in the plane, as Python floats for the two-bowl gradient."""

    coordinates: tuple[tuple[float, float], ...]  # per coordinate: the two centres'
    scales: tuple[float, float]  # s_0, s_1
    depths: tuple[float, float]


class QuadraticBasins(Landscape):
    """A smooth minimum of K quadratic bowls: f = -tau log Σ_k exp(-q_k / tau), q_k = depth_k + ½ (x-c_k)ᵀ A_k (x-c_k).

    Each bowl whose centre is not covered by a lower bowl makes one basin whose curvature is A_k's, up to
    corrections of order exp(-gap/tau); the listed minima are refined exactly.

    The closed forms work slot-major: bowl k is row k of a (K, N) array (of a (K, N, d) one off the plane), so each
    operation is one NumPy call over every bowl and the sums over bowls run along the outer axis. In the plane each
    coordinate is its own (K, N) array, the bowls' matrices enter as their entries, and no operation broadcasts over
    the short axis of d (NumPy does that several times slower); two round bowls (two_basin) have a path of their own
    on (N,) columns. In the plane with two bowls every sum has two terms, so f, the gradient and the Hessian are bit
    for bit what `value`'s (N, K, d) arithmetic gives, whatever the layout (a sharp basin's Adam+SAM runs amplify a
    last bit into different final losses, and the study's tables quote those).
    """

    name = "quadratic_basins"

    def __init__(self, centres: np.ndarray, hessians: np.ndarray, depths: np.ndarray, tau: float,
                 domain, params: dict):
        centres = np.asarray(centres, dtype=np.float64)
        super().__init__(centres.shape[1], domain, params)
        self.centres = centres  # (K, d)
        self.hessians = np.asarray(hessians, dtype=np.float64)  # (K, d, d)
        self.depths = np.asarray(depths, dtype=np.float64)  # (K,)
        self.tau = tau
        bowls = len(centres)
        self._rows_per_block = max(1, BLOCK_ELEMENTS // (bowls * self.dim))
        # A run-step takes every bowl: measured by benchmarks/work_weights.py, in closed-form run-steps, 1.0 for two
        # bowls in the plane, 2.2, 4.9 and 20 for 5, 12 and 50; off the plane 2.2, 4.6 and 11 for 5 bowls in 1, 3
        # and 10 dimensions, 10 for 12 in 6, 63 for 50 in 10 (rounded up here)
        self.step_cost = max(1.0, 0.5 * bowls) if self.dim == 2 else bowls * (0.3 + 0.26 * self.dim)
        self._centre_columns = centres.T[:, :, None]  # (d, K, 1): coordinate i of every centre as a column
        self._depth_column = self.depths[:, None]  # (K, 1)
        self._entries = self.hessians[:, :, :, None]  # (K, d, d, 1): entry (i, j) of every A_k as a (K, 1) column
        diagonal = np.einsum("kii->ki", self.hessians)
        isotropic = np.all(self.hessians == diagonal[:, :1, None] * np.eye(self.dim), axis=(1, 2))
        self._scales = diagonal[:, :1] if isotropic.all() else None  # (K, 1): A_k = s_k I for every bowl
        self._pair = None  # two round bowls in the plane: their numbers as Python floats, for _two_bowl_grad
        if self.dim == 2 and bowls == 2 and self._scales is not None:
            self._pair = RoundPair(tuple((float(a), float(b)) for a, b in centres.T),
                                   tuple(float(v) for v in self._scales[:, 0]), tuple(float(v) for v in self.depths))

    def value(self, X):
        """Written in autograd.numpy for autograd; `f` is the same arithmetic in plain NumPy."""
        D = X[:, None, :] - self.centres[None, :, :]
        G = anp.einsum("kde,nke->nkd", self.hessians, D)
        q = self.depths + 0.5 * anp.sum(D * G, axis=2)
        # -tau log sum exp(-q/tau), shifted by the smallest q so that no exp overflows
        low = anp.min(q, axis=1, keepdims=True)
        return (low - self.tau * anp.log(anp.sum(anp.exp((low - q) / self.tau), axis=1, keepdims=True)))[:, 0]

    # -- the closed forms, slot-major ------------------------------------------------------------------------------
    def _in_blocks(self, compute, X: np.ndarray) -> np.ndarray:
        """compute(X) taken over blocks of rows, so that no temporary exceeds BLOCK_ELEMENTS floats."""
        rows = self._rows_per_block
        if X.shape[0] <= rows:
            return compute(X)
        return np.concatenate([compute(X[i:i + rows]) for i in range(0, X.shape[0], rows)])

    def _plane_bowls(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """In the plane: every bowl's gradient A_k (x - c_k), as its x and y parts, and q_k; each (K, N)."""
        cx, cy = self._centre_columns
        Dx = X[:, 0] - cx
        Dy = X[:, 1] - cy
        if self._scales is not None:
            Gx = Dx * self._scales
            Gy = Dy * self._scales
        else:
            A = self._entries
            Gx = A[:, 0, 0] * Dx
            Gx += A[:, 0, 1] * Dy
            Gy = A[:, 1, 0] * Dx
            Gy += A[:, 1, 1] * Dy
        q = Dx * Gx
        Dy *= Gy
        q += Dy
        q *= 0.5
        q += self._depth_column
        return Gx, Gy, q

    def _bowls(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Off the plane: every bowl's gradient (K, N, d) and q (K, N)."""
        D = X[None, :, :] - self.centres[:, None, :]
        G = D @ self.hessians  # row by row (x - c_k)ᵀ A_k = (A_k (x - c_k))ᵀ: A_k is symmetric
        D *= G
        q = D @ np.ones(self.dim)
        q *= 0.5
        q += self._depth_column
        return G, q

    def _weights(self, q: np.ndarray) -> np.ndarray:
        """The softmax weights w_k ∝ exp(-q_k / tau), (K, N), computed in q's array."""
        q /= -self.tau
        q -= q.max(axis=0)
        np.maximum(q, EXP_FLOOR, out=q)
        np.exp(q, out=q)
        q -= EXP_AT_FLOOR
        q /= q.sum(axis=0)
        return q

    def _smooth_minimum(self, q: np.ndarray) -> np.ndarray:
        """-tau log Σ exp(-q_k / tau), (N,), shifted by the smallest q so that no exp overflows."""
        low = q.min(axis=0)
        shifted = low - q
        shifted /= self.tau
        np.maximum(shifted, EXP_FLOOR, out=shifted)
        np.exp(shifted, out=shifted)
        shifted -= EXP_AT_FLOOR
        total = np.log(shifted.sum(axis=0))
        total *= self.tau
        return np.subtract(low, total, out=total)

    def _f_block(self, X: np.ndarray) -> np.ndarray:
        return self._smooth_minimum(self._plane_bowls(X)[2] if self.dim == 2 else self._bowls(X)[1])

    def _two_bowl_grad(self, X: np.ndarray) -> np.ndarray:
        """The gradient for two round bowls in the plane (two_basin), a handful of NumPy calls on (N,) columns, in
        exactly the general form's arithmetic: an offset from a centre coordinate of 0, a product by a scale of 1
        and a depth of 0 are skipped (each leaves every bit as it is), and an offset both centres share is taken once.
        (Cheaper forms, e.g. one exp for both weights, move the last bits, and Adam+SAM's runs in the sharp basin
        amplify those into different final losses.)"""
        pair = self._pair
        parts = []  # per coordinate: offset and gradient part of bowl 0, then of bowl 1
        for j, (c0, c1) in enumerate(pair.coordinates):
            offset0 = X[:, j] - c0 if c0 else X[:, j]
            offset1 = offset0 if c1 == c0 else (X[:, j] - c1 if c1 else X[:, j])
            parts.append((offset0, offset0 * pair.scales[0] if pair.scales[0] != 1.0 else offset0,
                          offset1, offset1 * pair.scales[1] if pair.scales[1] != 1.0 else offset1))
        exponents = []
        for k in range(2):
            q = np.multiply(parts[0][2 * k], parts[0][2 * k + 1])
            q += np.multiply(parts[1][2 * k], parts[1][2 * k + 1])
            q *= 0.5
            if pair.depths[k]:
                q += pair.depths[k]
            q /= -self.tau
            exponents.append(q)
        u0, u1 = exponents
        top = np.maximum(u0, u1)
        for u in exponents:
            u -= top
            np.maximum(u, EXP_FLOOR, out=u)
            np.exp(u, out=u)
            u -= EXP_AT_FLOOR
        total = np.add(u0, u1, out=top)
        u0 /= total
        u1 /= total
        g = np.empty_like(X)
        for j, (_, part0, _, part1) in enumerate(parts):
            np.add(np.multiply(u0, part0), np.multiply(u1, part1), out=g[:, j])
        return g

    def _grad_block(self, X: np.ndarray) -> np.ndarray:
        if self._pair is not None:
            return self._two_bowl_grad(X)
        if self.dim != 2:
            G, q = self._bowls(X)
            return np.einsum("kn,knd->nd", self._weights(q), G)
        Gx, Gy, q = self._plane_bowls(X)
        w = self._weights(q)
        g = np.empty((X.shape[0], 2))
        Gx *= w
        Gy *= w
        np.sum(Gx, axis=0, out=g[:, 0])
        np.sum(Gy, axis=0, out=g[:, 1])
        return g

    def _hessian_block(self, X: np.ndarray) -> np.ndarray:
        """Σ w_k A_k - (1/tau) [Σ w_k g_k g_kᵀ - ḡ ḡᵀ], with w the softmax weights and ḡ the gradient."""
        if self.dim != 2:
            G, q = self._bowls(X)
            w = self._weights(q)
            weighted = G * w[:, :, None]
            mean_g = weighted.sum(axis=0)
            spread = np.einsum("knd,kne->nde", weighted, G) - mean_g[:, :, None] * mean_g[:, None, :]
            curvature = np.tensordot(w, self.hessians, axes=(0, 0))
            return curvature - spread / self.tau
        Gx, Gy, q = self._plane_bowls(X)
        w = self._weights(q)
        G = (Gx, Gy)
        weighted = (w * Gx, w * Gy)
        mean_g = (weighted[0].sum(axis=0), weighted[1].sum(axis=0))
        H = np.empty((X.shape[0], 2, 2))
        for i in range(2):
            for j in range(2):  # both off-diagonal entries, each summed in its own order as einsum did
                spread = (weighted[i] * G[j]).sum(axis=0) - mean_g[i] * mean_g[j]
                H[:, i, j] = (w * self._entries[:, i, j]).sum(axis=0) - spread / self.tau
        return H

    def f(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            return self._in_blocks(self._f_block, X)

    def grad(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            return self._in_blocks(self._grad_block, X)

    def hessian(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            return self._in_blocks(self._hessian_block, X)

    def minimum_guesses(self):
        return self.centres

    @staticmethod
    def turned(centres: np.ndarray, hessians: np.ndarray, domain, pivot: np.ndarray, degrees: float):
        """Bowls and domain turned by `degrees` about `pivot` in the plane of the first two coordinates: centres
        pivot + R (c - pivot), Hessians R A Rᵀ, the box around the turned domain. Nothing changes at 0 degrees."""
        if not degrees:
            return centres, hessians, domain
        rotation = plane_rotation(centres.shape[1], degrees)
        return (pivot + (centres - pivot) @ rotation.T, turned_hessians(hessians, rotation),
                rotated_box(domain, pivot, rotation))

    # -- basins without following the flow ------------------------------------------------------------------------
    def certified_basins(self, X: np.ndarray) -> np.ndarray:
        """(N,) index into `minima` of the minimum each point's gradient flow ends in, where the bowls prove it: x
        lies below its bowl's certified level (see `certificates`); -1 elsewhere."""
        X = self.points(X)
        levels, owners = self.certificates
        if not np.isfinite(levels).any():
            return np.full(X.shape[0], -1)

        def certify(block: np.ndarray) -> np.ndarray:
            q = self._plane_bowls(block)[2] if self.dim == 2 else self._bowls(block)[1]
            below = q < levels[:, None]  # (K, N): at most one bowl per point, the regions are disjoint
            return np.where(below.any(axis=0), owners[below.argmax(axis=0)], -1)

        with np.errstate(all="ignore"):
            return self._in_blocks(certify, X)

    @cached_property
    def certificates(self) -> tuple[np.ndarray, np.ndarray]:
        """Per bowl k (K,): a level below which q_k(x) proves where x's gradient flow ends, and that minimum's index
        in `minima` (level -inf, index -1, where nothing is proven).

        Take the ellipsoid E = {q_k <= r}, inside the ball of radius rho around c_k when r = depth_k + lam_k rho²/2
        (lam_k: A_k's smallest eigenvalue). On that ball every other bowl j lies at least gap_j = depth_j +
        lam_j max(0, |c_j - c_k| - rho)²/2 - r above r, so on E its weight is at most eps_j = exp(-gap_j / tau) of
        bowl k's, and f's Hessian, Σ w A - (1/tau) Cov_w(g), is at least lam_k / (1 + Σ eps) - (1/tau) Σ eps_j B_j²,
        with B_j = |A_j - A_k| rho + |A_j| |c_j - c_k| a bound on |g_j - g_k| on the ball. Where that is positive f is
        strictly convex on E. On E's boundary f >= r - tau log(1 + Σ eps), and f <= q_k everywhere: a point whose
        q_k is below that level flows downhill without reaching the boundary, so it ends at f's only critical point
        in E, which is the listed minimum found there. rho is the largest radius (by bisection) where every gap is
        positive and the Hessian bound is CONVEXITY_MARGIN times what convexity needs.
        """
        bowls = len(self.centres)
        levels, owners = np.full(bowls, -np.inf), np.full(bowls, -1)
        if not self.minima:
            return levels, owners
        eigenvalues = np.linalg.eigvalsh(self.hessians)  # (K, d) ascending
        smallest, norms = eigenvalues[:, 0], np.abs(eigenvalues).max(axis=1)
        distance = np.linalg.norm(self.centres[:, None, :] - self.centres[None, :, :], axis=2)  # (K, K)
        contrast = np.linalg.norm(self.hessians[:, None] - self.hessians[None, :], ord=2, axis=(2, 3))  # |A_j - A_k|
        others = ~np.eye(bowls, dtype=bool)

        def bound(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """(holds, level) for radius rho (K,) around each bowl."""
            r = self.depths + 0.5 * smallest * rho**2
            lowest = self.depths[None, :] + 0.5 * smallest[None, :] * np.maximum(distance - rho[:, None], 0.0) ** 2
            gap = np.where(others, lowest - r[:, None], np.inf)
            eps = np.exp(-gap / self.tau)
            reach = contrast * rho[:, None] + norms[None, :] * distance
            spread = (eps * reach**2).sum(axis=1) / self.tau
            holds = np.all(gap > 0, axis=1) & (smallest / (1.0 + eps.sum(axis=1)) >= CONVEXITY_MARGIN * spread)
            return holds, r - self.tau * np.log1p(eps.sum(axis=1))

        with np.errstate(all="ignore"):
            nearest = np.where(others, distance, np.inf).min(axis=1)
            low, high = np.zeros(bowls), np.where(np.isfinite(nearest), nearest, self._far_radius())
            for _ in range(CERTIFICATE_BISECTIONS):
                middle = 0.5 * (low + high)
                holds, _ = bound(middle)
                low, high = np.where(holds, middle, low), np.where(holds, high, middle)
            holds, level = bound(low)
            level -= 1e-9 * (1.0 + np.abs(level))  # room for the rounding of q_k at a point
            minima = np.array([m.location for m in self.minima])
            q = self._plane_bowls(minima)[2] if self.dim == 2 else self._bowls(minima)[1]  # (K, M)
        below = q < level[:, None]
        proven = holds & (below.sum(axis=1) == 1)
        levels[proven] = level[proven]
        owners[proven] = below[proven].argmax(axis=1)
        return levels, owners

    def _far_radius(self) -> float:
        """A radius well beyond the domain: a lone bowl's certificate needs no larger."""
        return float(10.0 * np.linalg.norm(self.domain.high - self.domain.low))


class RandomBasins(QuadraticBasins):
    """K seeded random bowls: centres in [-3, 3]^d at least 1 apart where possible, depths in [-1, 0],
    curvatures log-uniform in [lambda_min, lambda_max] along a random rotation; `rotation` then turns them all about
    the sharpest bowl's centre."""

    name = "random_basins"

    def __init__(self, basins: int = 5, dim: int = 2, lambda_min: float = 0.5, lambda_max: float = 50.0,
                 tau: float = 0.05, seed: int = 0, rotation: float = 0.0):
        if lambda_min > lambda_max:
            raise SpecError(f"lambda_min must be <= lambda_max (got {lambda_min} > {lambda_max})")
        rng = np.random.default_rng(seed)
        centres: list[np.ndarray] = []
        for _ in range(200 * basins):
            candidate = rng.uniform(-3.0, 3.0, dim)
            if all(np.linalg.norm(candidate - c) >= 1.0 for c in centres):
                centres.append(candidate)
            if len(centres) == basins:
                break
        while len(centres) < basins:  # a crowded box: accept what the draws give
            centres.append(rng.uniform(-3.0, 3.0, dim))
        eigenvalues = np.exp(rng.uniform(np.log(lambda_min), np.log(lambda_max), (basins, dim)))
        hessians = np.stack([spectrum_matrix(eigenvalues[k], random_rotation(dim, rng)) for k in range(basins)])
        depths = rng.uniform(-1.0, 0.0, basins)
        params = {"basins": basins, "dim": dim, "lambda_min": lambda_min, "lambda_max": lambda_max, "tau": tau,
                  "seed": seed, "rotation": rotation}
        sharpest = np.array(centres)[np.argmax(eigenvalues.max(axis=1))]  # the pivot: the sharpest bowl's centre
        centres, hessians, domain = self.turned(np.array(centres), hessians, box(-4.0, 4.0, dim), sharpest, rotation)
        super().__init__(centres, hessians, depths, tau, domain, params)


@LANDSCAPES.register("random_basins", (Field("basins", "int", 5, "number of bowls", low=1, high=50), dim_field(2, 10),
                                       curvature_field("lambda_min", 0.5, "smallest bowl curvature"),
                                       curvature_field("lambda_max", 50.0, "largest bowl curvature"), TAU, SEED,
                                       ROTATION),
                     "seeded random quadratic basins of known depth and sharpness",
                     LandscapeRecord(label="Random basins",
                                     docs="docs/landscapes.md#random-basins-random_basins", rank=40,
                                     basin_work_anywhere=380.0, basin_work_near_minimum=83.0))
def random_basins(*, basins: int, dim: int, lambda_min: float, lambda_max: float, tau: float, seed: int,
                  rotation: float) -> Landscape:
    return RandomBasins(basins, dim, lambda_min, lambda_max, tau, seed, rotation)


SHARP_CENTRE = np.array([-1.0, 0.0])
FLAT_CENTRE = np.array([1.0, 0.0])


class TwoBasin(QuadraticBasins):
    """One sharp and one flat basin: curvature `sharpness` (times the flat basin's 1) at (-1, 0), curvature 1 at (1, 0).

    `depth` is how much lower the flat minimum lies than the sharp one (negative: the flat basin is shallower).
    The sharp basin's radius shrinks like 1/sqrt(sharpness), the flat one stays fixed. `rotation` turns the surface
    about the sharp minimum: the flat minimum moves to (-1 + 2 cos θ, 2 sin θ), and the domain to the box around the
    turned one.
    """

    name = "two_basin"

    def __init__(self, sharpness: float = 8.0, depth: float = 0.0, tau: float = 0.05, rotation: float = 0.0):
        hessians = np.stack([sharpness * np.eye(2), np.eye(2)])
        params = {"sharpness": sharpness, "depth": depth, "tau": tau, "rotation": rotation}
        centres, hessians, domain = self.turned(np.stack([SHARP_CENTRE, FLAT_CENTRE]), hessians,
                                                box([-2.5, -2.0], [2.5, 2.0], 2), SHARP_CENTRE, rotation)
        super().__init__(centres, hessians, np.array([0.0, -depth]), tau, domain, params)

    def label_minima(self, minima: list[Minimum]) -> list[Minimum]:
        sharp, flat = self.centres

        def label(m: Minimum) -> str:
            nearer_sharp = np.linalg.norm(m.location - sharp) < np.linalg.norm(m.location - flat)
            return "sharp" if nearer_sharp else "flat"

        return [Minimum(m.location, m.value, m.eigenvalues, label(m)) for m in minima]


@LANDSCAPES.register("two_basin", (Field("sharpness", "float", 8.0, "curvature of the sharp basin over the flat one's",
                                         low=1.0, high=1e4, log=True),
                                   Field("depth", "float", 0.0, "how much lower the flat minimum is (negative: higher)",
                                         low=-1.5, high=1.5),
                                   TAU, ROTATION),
                     "a sharp basin at (-1, 0) and a flat one at (1, 0): the escape-rate workhorse",
                     LandscapeRecord(label="Two basins",
                                     docs="docs/landscapes.md#two-basins-two_basin", rank=50,
                                     basin_work_anywhere=360.0, basin_work_near_minimum=140.0,
                                     demo_starts=((-1.25, 0.3), (-0.8, -0.25), (-1.1, -0.4))))
def two_basin(*, sharpness: float, depth: float, tau: float, rotation: float) -> Landscape:
    return TwoBasin(sharpness, depth, tau, rotation)
