"""The valley of minima: scalar factorisation, f(a, b) = mean_i ½ (a b x_i − y_i)², whose minima are the hyperbola
ab = 1 with sharpness a² + b²; and its record.

With one sample (x, y) = (1, 1) it is f = ½ (ab − 1)². With more, the dataset is seeded and normalised so that the
full loss is the same surface lifted by a constant, f = ½ (ab − 1)² + ½ mean ξ²: x_i has mean square 1 and y_i =
x_i + ξ_i with ξ orthogonal to x, of root mean square `residual`. What a step sees may be drawn (`sampled_grad`):
a minibatch of `batch` samples drawn with replacement, and labels moved by ±`label_noise` (Damian et al. 2021's
label noise, ε ∈ {−σ, σ}); the loss, its gradient and Hessian below stay the full, noiseless ones.

Every point ab = 1 is a minimum: the minima are a continuum, two branches (a, b > 0 and a, b < 0). Its record lists
one minimum per branch, its flattest point (1, 1) or (−1, −1) (Hessian eigenvalues 0 and 2), labelled `positive`
and `negative`, and a point's basin is its branch: the gradient flow keeps a + b's sign (d(a+b)/dt = −u (a+b),
u = ∂f/∂p) and ends on ab = 1, so `certified_basins` proves every point with a + b ≠ 0 (the line a + b = 0 flows to
the saddle at the origin). The flow also keeps D = a² − b², so the minimum it ends at, and its sharpness
sqrt(D² + 4), are known from the start.
"""

from __future__ import annotations

from functools import cached_property

import autograd.numpy as anp
import numpy as np

from landscapes.base import Landscape, Minimum, box
from landscapes.registry import LANDSCAPES, SEED, LandscapeRecord
from specs import Field


def valley_data(samples: int, residual: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The dataset (x, y), (n,) each: (1, 1) for one sample; else seeded x of mean square 1 and y = x + ξ, ξ orthogonal
    to x with root mean square `residual`, so that the least-squares slope mean(xy)/mean(x²) is 1."""
    if samples == 1:
        return np.ones(1), np.ones(1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(samples)
    x /= np.sqrt(np.mean(x**2))
    xi = rng.standard_normal(samples)
    xi -= (xi @ x) / (x @ x) * x
    size = np.sqrt(np.mean(xi**2))
    xi = residual * xi / size if size > 0 else np.zeros(samples)
    return x, x + xi


class Valley(Landscape):
    """f(a, b) = mean_i ½ (a b x_i − y_i)² = ½ m₂ p² − m_xy p + ½ m_yy with p = ab and the data's moments m (the closed
    forms use the moments, `value` the samples, so the tests hold one against the other)."""

    name = "valley"

    def __init__(self, samples: int = 1, batch: int = 0, label_noise: float = 0.0, residual: float = 0.5,
                 seed: int = 0):
        super().__init__(2, box(-3.0, 3.0, 2), {"samples": samples, "batch": batch, "label_noise": label_noise,
                                                "residual": residual, "seed": seed})
        self.x, self.y = valley_data(samples, residual, seed)
        self.m2, self.mxy, self.myy = (float(np.mean(self.x**2)), float(np.mean(self.x * self.y)),
                                       float(np.mean(self.y**2)))
        self.batch, self.label_noise, self.seed = batch, label_noise, seed
        # A sampled step gathers `batch` samples a run: about 0.05 closed-form run-steps each (measured by
        # benchmarks/work_weights.py, x 1.5)
        self.step_cost = max(1.0, 0.08 * self.draws_per_step)

    def value(self, X):
        p = X[:, 0] * X[:, 1]
        return 0.5 * anp.mean((p[:, None] * self.x[None, :] - self.y[None, :]) ** 2, axis=1)

    def f(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            p = X[:, 0] * X[:, 1]
            return 0.5 * self.m2 * p**2 - self.mxy * p + 0.5 * self.myy

    def grad(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            return moment_gradient(X, self.m2, self.mxy)

    def hessian(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            a, b = X[:, 0], X[:, 1]
            u = self.m2 * a * b - self.mxy
            cross = self.m2 * a * b + u
            return np.stack([np.stack([self.m2 * b**2, cross], axis=1), np.stack([cross, self.m2 * a**2], axis=1)],
                            axis=1)

    # -- what a step draws ------------------------------------------------------------------------------------------
    @property
    def draws_per_step(self) -> int:
        """Uniforms a run's step draws: one per sample of its minibatch, one per label moved; 0 when nothing is drawn
        (the full, noiseless gradient)."""
        drawn = len(self.x) if self.batch == 0 else self.batch
        return (drawn if self.batch else 0) + (drawn if self.label_noise > 0 else 0)

    def sampled_grad(self, X: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """The gradient a step sees at X (N, 2), from its runs' draws (N, draws_per_step) in (0, 1): the minibatch's
        samples indexed by the first `batch` (floor(u n)), then each label moved by +label_noise (u >= ½) or
        −label_noise."""
        X = self.points(X)
        xs, ys = self.x[None, :], self.y[None, :]
        used = 0
        if self.batch:
            rows = np.minimum((uniforms[:, :self.batch] * len(self.x)).astype(np.int64), len(self.x) - 1)
            xs, ys, used = self.x[rows], self.y[rows], self.batch
        if self.label_noise > 0:
            signs = np.where(uniforms[:, used:used + xs.shape[1]] >= 0.5, 1.0, -1.0)
            ys = ys + self.label_noise * signs
        with np.errstate(all="ignore"):
            return moment_gradient(X, np.mean(xs**2, axis=1), np.mean(xs * ys, axis=1))

    # -- its minima: a continuum, one listed point per branch -------------------------------------------------------
    def minimum_guesses(self) -> np.ndarray:
        return np.array([[1.0, 1.0], [-1.0, -1.0]])

    @cached_property
    def minima(self) -> tuple[Minimum, ...]:
        """The flattest point of each branch of ab = mean(xy)/mean(x²) = 1, exactly (Newton cannot refine a point of a
        continuum: its Hessian is singular there)."""
        value = float(self.f(np.ones((1, 2)))[0])
        flattest = np.array([0.0, 2.0 * self.m2])
        return (Minimum(np.array([1.0, 1.0]), value, flattest, "positive"),
                Minimum(np.array([-1.0, -1.0]), value, flattest.copy(), "negative"))

    def minima_work(self) -> float:
        """Nothing is searched: the minima are written down."""
        return 0.0

    def certified_basins(self, X: np.ndarray) -> np.ndarray:
        """The branch each point's gradient flow ends on: 0 where a + b > 0, 1 where a + b < 0 (the flow keeps its
        sign, see the module's docstring), -1 on the line a + b = 0 and at non-finite points."""
        X = self.points(X)
        total = X[:, 0] + X[:, 1]
        return np.where(total > 0, 0, np.where(total < 0, 1, -1))


def moment_gradient(X: np.ndarray, m2: np.ndarray | float, mxy: np.ndarray | float) -> np.ndarray:
    """∇ of ½ m₂ (ab)² − m_xy ab at each row (a, b) of X: u (b, a) with u = m₂ ab − m_xy (m per row or shared)."""
    a, b = X[:, 0], X[:, 1]
    u = m2 * a * b - mxy
    return np.stack([u * b, u * a], axis=1)


def valley_sharpness(points: np.ndarray) -> np.ndarray:
    """a² + b² at each row: the sharpness (largest Hessian eigenvalue) of the minimum at (a, b) when ab = 1 and the
    data's mean square is 1, for every version of the valley."""
    return np.sum(np.asarray(points, dtype=np.float64) ** 2, axis=-1)


@LANDSCAPES.register("valley", (Field("samples", "int", 1, "data points (x_i, y_i); 1 is f = ½ (ab − 1)² itself",
                                      low=1, high=1024),
                                Field("batch", "int", 0, "samples drawn with replacement for each step's gradient "
                                      "(0: all of them, the full gradient)", low=0, high=1024, title="batch size"),
                                Field("label_noise", "float", 0.0, "each step moves every label it uses by ±this "
                                      "(label-noise SGD)", low=0.0, high=10.0, title="label noise σ"),
                                Field("residual", "float", 0.5, "root mean square of the labels' fixed residual, "
                                      "orthogonal to x (what minibatches disagree on at a minimum)", low=0.0,
                                      high=10.0),
                                SEED),
                     "a valley of minima ab = 1 (scalar factorisation), flattest at |a| = |b| = 1",
                     LandscapeRecord(label="Valley of minima", docs="docs/landscapes.md#valley-of-minima-valley",
                                     rank=55, basin_work_anywhere=360.0, basin_work_near_minimum=140.0))
def valley(*, samples: int, batch: int, label_noise: float, residual: float, seed: int) -> Landscape:
    return Valley(samples, batch, label_noise, residual, seed)
