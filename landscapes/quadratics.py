"""Surfaces whose curvature is a knob: a quadratic bowl, random quadratic basins, and the sharp/flat two-basin family."""

from __future__ import annotations

from functools import cached_property

import autograd.numpy as anp
import numpy as np
from scipy.special import softmax

from specs import SpecError

from landscapes.base import Landscape, Minimum, box


def random_rotation(dim: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random orthogonal matrix (QR of a Gaussian matrix with the signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))


def spectrum_matrix(eigenvalues: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Q diag(λ) Qᵀ, made exactly symmetric."""
    A = (rotation * eigenvalues) @ rotation.T
    return (A + A.T) / 2


class Quadratic(Landscape):
    """f = ½ (x-c)ᵀ A (x-c) in any dimension, with A = Q diag(λ) Qᵀ for a seeded rotation Q and λ log-spaced
    from lambda_min to lambda_max (the condition number and the sharpness are the knobs), or A and c given."""

    name = "quadratic"

    def __init__(self, dim: int = 2, lambda_min: float = 1.0, lambda_max: float = 10.0, seed: int = 0,
                 A: np.ndarray | None = None, c: np.ndarray | None = None):
        if A is None:
            if lambda_min > lambda_max:
                raise SpecError(f"lambda_min must be <= lambda_max (got {lambda_min} > {lambda_max})")
            rng = np.random.default_rng(seed)
            A = spectrum_matrix(np.geomspace(lambda_min, lambda_max, dim), random_rotation(dim, rng))
        A = np.array(A, dtype=np.float64)
        dim = A.shape[0]
        if A.shape != (dim, dim) or not np.allclose(A, A.T) or not np.all(np.isfinite(A)):
            raise ValueError(f"A must be a finite symmetric square matrix (got shape {A.shape})")
        c = np.zeros(dim) if c is None else np.array(c, dtype=np.float64).reshape(dim)
        half = 3.0 + np.abs(c).max(initial=0.0)
        params = {"dim": dim, "lambda_min": lambda_min, "lambda_max": lambda_max, "seed": seed}
        super().__init__(dim, box(-half, half, dim), params)
        self.A, self.c = (A + A.T) / 2, c

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


class QuadraticBasins(Landscape):
    """A smooth minimum of K quadratic bowls: f = -tau log Σ_k exp(-q_k / tau), q_k = depth_k + ½ (x-c_k)ᵀ A_k (x-c_k).

    Each bowl whose centre is not covered by a lower bowl makes one basin whose curvature is A_k's, up to
    corrections of order exp(-gap/tau); the listed minima are refined exactly.
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

    def _bowls(self, X):
        """q (N, K) and the bowls' gradients (N, K, d); autograd can trace it."""
        D = X[:, None, :] - self.centres[None, :, :]
        G = anp.einsum("kde,nke->nkd", self.hessians, D)
        return self.depths + 0.5 * anp.sum(D * G, axis=2), G

    def value(self, X):
        q, _ = self._bowls(X)
        # -tau log sum exp(-q/tau), shifted by the smallest q so that no exp overflows (autograd can trace it)
        low = anp.min(q, axis=1, keepdims=True)
        return (low - self.tau * anp.log(anp.sum(anp.exp((low - q) / self.tau), axis=1, keepdims=True)))[:, 0]

    def grad(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            q, G = self._bowls(X)
            w = softmax(-q / self.tau, axis=1)
            return np.einsum("nk,nkd->nd", w, G)

    def hessian(self, X):
        """Σ w_k A_k - (1/tau) [Σ w_k g_k g_kᵀ - ḡ ḡᵀ], with w the softmax weights and ḡ the gradient."""
        X = self.points(X)
        with np.errstate(all="ignore"):
            q, G = self._bowls(X)
            w = softmax(-q / self.tau, axis=1)
            mean_g = np.einsum("nk,nkd->nd", w, G)
            spread = np.einsum("nk,nkd,nke->nde", w, G, G) - mean_g[:, :, None] * mean_g[:, None, :]
            return np.einsum("nk,kde->nde", w, self.hessians) - spread / self.tau

    def minimum_guesses(self):
        return self.centres


class RandomBasins(QuadraticBasins):
    """K seeded random bowls: centres in [-3, 3]^d at least 1 apart where possible, depths in [-1, 0],
    curvatures log-uniform in [lambda_min, lambda_max] along a random rotation."""

    name = "random_basins"

    def __init__(self, basins: int = 5, dim: int = 2, lambda_min: float = 0.5, lambda_max: float = 50.0,
                 tau: float = 0.05, seed: int = 0):
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
                  "seed": seed}
        super().__init__(np.array(centres), hessians, depths, tau, box(-4.0, 4.0, dim), params)


SHARP_CENTRE = np.array([-1.0, 0.0])
FLAT_CENTRE = np.array([1.0, 0.0])


class TwoBasin(QuadraticBasins):
    """One sharp and one flat basin: curvature `sharpness` (times the flat basin's 1) at (-1, 0), curvature 1 at (1, 0).

    `depth` is how much lower the flat minimum lies than the sharp one (negative: the flat basin is shallower).
    The sharp basin's radius shrinks like 1/sqrt(sharpness), the flat one stays fixed.
    """

    name = "two_basin"

    def __init__(self, sharpness: float = 8.0, depth: float = 0.0, tau: float = 0.05):
        hessians = np.stack([sharpness * np.eye(2), np.eye(2)])
        params = {"sharpness": sharpness, "depth": depth, "tau": tau}
        super().__init__(np.stack([SHARP_CENTRE, FLAT_CENTRE]), hessians, np.array([0.0, -depth]), tau,
                         box([-2.5, -2.0], [2.5, 2.0], 2), params)

    def label_minima(self, minima: list[Minimum]) -> list[Minimum]:
        def label(m: Minimum) -> str:
            nearer_sharp = np.linalg.norm(m.location - SHARP_CENTRE) < np.linalg.norm(m.location - FLAT_CENTRE)
            return "sharp" if nearer_sharp else "flat"

        return [Minimum(m.location, m.value, m.eigenvalues, label(m)) for m in minima]
