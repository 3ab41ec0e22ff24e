"""What every landscape is: batched value, gradient and Hessian, a plotting domain and its known minima.

A subclass writes its value once in `autograd.numpy` (so autograd can differentiate it) and may add closed-form
gradients and Hessians where they pay; tests keep the closed forms equal to autograd.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from autograd import elementwise_grad
from scipy.spatial import cKDTree

# autograd records operations on a module-level trace stack, which is not safe to share between threads
# (two app sessions computing at once): every autograd call in the project goes through this lock.
AUTOGRAD_LOCK = threading.RLock()


@dataclass(frozen=True)
class Minimum:
    """A known local minimum: where, how low, and its curvature (Hessian eigenvalues, ascending)."""

    location: np.ndarray  # (d,)
    value: float
    eigenvalues: np.ndarray  # (d,); +inf where the surface is a cone (Ackley's origin)
    label: str = ""

    @property
    def sharpness(self) -> float:
        """Largest Hessian eigenvalue."""
        return float(self.eigenvalues[-1])


@dataclass(frozen=True)
class Domain:
    """An axis-aligned box: `low` and `high` are (d,) arrays."""

    low: np.ndarray
    high: np.ndarray

    @property
    def centre(self) -> np.ndarray:
        return (self.low + self.high) / 2

    @property
    def half_width(self) -> np.ndarray:
        return (self.high - self.low) / 2

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(N,) bool: each point lies in the box."""
        return np.all((points >= self.low) & (points <= self.high), axis=1)


def box(low: float | list[float], high: float | list[float], dim: int) -> Domain:
    def corner(value: float | list[float]) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, float), (dim,)).copy()

    return Domain(corner(low), corner(high))


class Landscape:
    """A surface over R^d, evaluated on batches of points (N, d).

    Subclasses set `name`, `dim`, `domain`, `params` and implement `value` with `autograd.numpy`;
    they may override `grad` and `hessian` with closed forms and `minimum_guesses` with known approximate minima.
    """

    name: str = "landscape"
    step_cost: float = 1.0  # a gradient evaluation's cost relative to the closed forms, for the work cap
    call_cost: float = 1.0  # ... and its fixed part, whatever the runs (dispatch), relative to a closed form's
    color_scale: str = "linear"  # "log" when values span decades (plot log(f - min + 1))
    draws_per_step: int = 0  # uniforms a run's step draws for the gradient it sees (`sampled_grad`); 0: none

    def __init__(self, dim: int, domain: Domain, params: dict[str, Any] | None = None):
        self.dim = dim
        self.domain = domain
        self.params = dict(params or {})
        self.spec = self.name  # the registry stamps the canonical spec on what it builds

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec}>"

    # -- evaluation -------------------------------------------------------------------------------------------
    def value(self, X: Any) -> Any:
        """f at each row of X, written in autograd.numpy: (N, d) -> (N,)."""
        raise NotImplementedError

    def points(self, X: Any) -> np.ndarray:
        """X as a float64 (N, d) array, or a ValueError naming the expected shape."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and X.shape[0] == self.dim:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"points for {self.name} must be an (N, {self.dim}) array (got shape {X.shape})")
        return X

    def f(self, X: Any) -> np.ndarray:
        """Values, (N, d) -> (N,)."""
        with np.errstate(all="ignore"):
            return np.asarray(self.value(self.points(X)), dtype=np.float64)

    def grad(self, X: Any) -> np.ndarray:
        """Gradients, (N, d) -> (N, d). By autograd unless a subclass gives a closed form."""
        return self.autograd_grad(X)

    def hessian(self, X: Any) -> np.ndarray:
        """Hessians, (N, d) -> (N, d, d). By autograd unless a subclass gives a closed form."""
        return self.autograd_hessian(X)

    def sampled_grad(self, X: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """The gradient one step of each run sees at X (N, d), drawn from its uniforms (N, draws_per_step) (a
        minibatch, noisy labels): only a landscape whose draws_per_step is positive has one. f, grad and hessian are
        the full loss's; experiments.run draws the uniforms per run and step."""
        raise NotImplementedError(f"{self.name} draws nothing per step: its gradient is `grad`")

    def autograd_grad(self, X: Any) -> np.ndarray:
        X = self.points(X)
        with AUTOGRAD_LOCK, np.errstate(all="ignore"):
            return np.asarray(elementwise_grad(self.value)(X), dtype=np.float64)

    def autograd_hessian(self, X: Any) -> np.ndarray:
        """Column i of every Hessian is the gradient of the i-th gradient component (rows are independent)."""
        X = self.points(X)
        gradient = elementwise_grad(self.value)
        with AUTOGRAD_LOCK, np.errstate(all="ignore"):
            columns = [elementwise_grad(lambda Y, i=i: gradient(Y)[:, i])(X) for i in range(self.dim)]
        H = np.stack(columns, axis=2)
        return (H + np.swapaxes(H, 1, 2)) / 2

    # -- minima ---------------------------------------------------------------------------------------------
    def minimum_guesses(self) -> np.ndarray:
        """Approximate minima (K, d) that Newton's method refines. Default: seeded multistart L-BFGS-B."""
        return multistart_minima(self, starts=MULTISTART_STARTS, seed=0)

    def minima_work(self) -> float:
        """What finding the minima costs, in run-steps (the work cap counts it): the guesses, then Newton's method
        on each (a gradient and a Hessian per iteration)."""
        return self.guesses_work() + REFINE_ITERATIONS * self.guess_count() * (
            (2.0 + 2.0 * self.dim) * self.step_cost + self.dim**3 / 100.0)

    def guesses_work(self) -> float:
        """Run-steps spent finding the guesses: nothing for a landscape that knows them; the multistart's cost."""
        if type(self).minimum_guesses is not Landscape.minimum_guesses:
            return 0.0
        return MULTISTART_STARTS * MULTISTART_WORK_PER_START * self.dim * self.step_cost

    def guess_count(self) -> int:
        if type(self).minimum_guesses is not Landscape.minimum_guesses:
            return len(self.minimum_guesses())
        return MULTISTART_STARTS

    @cached_property
    def minima(self) -> tuple[Minimum, ...]:
        """Known local minima, lowest first, each refined to a zero of the gradient."""
        return refine_minima(self, self.minimum_guesses())

    @cached_property
    def global_minimum(self) -> Minimum:
        return self.minima[0]

    def minimum_index(self, label: str) -> int:
        """Index in `minima` of the minimum with this label ("sharp", "flat", "global", ...)."""
        for index, found in enumerate(self.minima):
            if found.label == label:
                return index
        raise ValueError(f"{self.name} has no minimum labelled '{label}'")

    def label_minima(self, minima: list[Minimum]) -> list[Minimum]:
        """Hook for subclasses to name minima; the lowest (and any tied with it) are called "global" by default."""
        return minima

    def certified_basins(self, X: np.ndarray) -> np.ndarray:
        """Hook for subclasses that can prove, without following it, which listed minimum a point's gradient flow
        ends in: (N,) index into `minima`, -1 where not proven (here: everywhere). experiments.basins asks first."""
        return np.full(self.points(X).shape[0], -1, dtype=np.int64)


REFINE_ITERATIONS = 60
MULTISTART_STARTS = 64
# An L-BFGS-B descent from one start, per dimension: a few hundred Python-level evaluations of about 100 µs each
# (measured by benchmarks/work_weights.py: 0.7-1.1 million run-steps; x 1.5, rounded up)
MULTISTART_WORK_PER_START = 1_700_000.0


def refine_minima(landscape: Landscape, guesses: np.ndarray, iterations: int = 60) -> tuple[Minimum, ...]:
    """Newton-refine `guesses` (K, d); keep converged points with a positive definite Hessian, without repeats."""
    X = np.array(guesses, dtype=np.float64).reshape(-1, landscape.dim)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            g = landscape.grad(X)
            H = landscape.hessian(X)
            # Skip rows Newton cannot take (a cone's infinite curvature, a singular Hessian): they stay put.
            ok = np.all(np.isfinite(H), axis=(1, 2)) & np.all(np.isfinite(g), axis=1)
            ok[ok] = np.linalg.cond(H[ok]) < 1e14
            if ok.any():
                X[ok] = X[ok] - np.linalg.solve(H[ok], g[ok][..., None])[..., 0]
        g = landscape.grad(X)
        H = landscape.hessian(X)
        values = landscape.f(X)
    finite_h = np.all(np.isfinite(H), axis=(1, 2))
    eig = np.full(X.shape, np.inf)
    eig[finite_h] = np.linalg.eigvalsh(H[finite_h])
    keep = (np.all(np.isfinite(X), axis=1) & np.isfinite(values) & (eig[:, 0] > 0)
            & (np.linalg.norm(g, axis=1) <= 1e-7 * (1.0 + np.abs(values))))
    X, values, eig = X[keep], values[keep], eig[keep]
    order = np.lexsort((*X.T[::-1], values))
    X, values, eig = X[order], values[order], eig[order]
    duplicate = np.zeros(len(X), dtype=bool)
    for i, j in cKDTree(X).query_pairs(1e-6 * (1.0 + float(np.abs(X).max(initial=0.0)))):
        duplicate[max(i, j)] = True
    lowest = values.min(initial=np.inf)
    found = [Minimum(x, float(v), e, "global" if v - lowest <= 1e-9 * (1.0 + abs(lowest)) else "")
             for x, v, e in zip(X[~duplicate], values[~duplicate], eig[~duplicate])]
    return tuple(landscape.label_minima(found))


def multistart_minima(landscape: Landscape, starts: int, seed: int) -> np.ndarray:
    """Local minima found by L-BFGS-B from `starts` seeded random points in the domain (setup work, not per run)."""
    from scipy.optimize import minimize  # 0.3 s to import, and only landscapes without known minima need it

    rng = np.random.default_rng(seed)
    low, high = landscape.domain.low, landscape.domain.high
    results = []
    for x0 in rng.uniform(low, high, size=(starts, landscape.dim)):
        with np.errstate(all="ignore"):
            res = minimize(lambda x: float(landscape.f(x[None])[0]), x0, jac=lambda x: landscape.grad(x[None])[0],
                           method="L-BFGS-B", bounds=list(zip(low - (high - low), high + (high - low))))
        if np.all(np.isfinite(res.x)):
            results.append(res.x)
    return np.array(results).reshape(-1, landscape.dim)


__all__ = ["AUTOGRAD_LOCK", "Domain", "Landscape", "Minimum", "box", "multistart_minima", "refine_minima"]
