"""Noise-driven escape from a double well, measured with the engine's optimizers, against Kramers' law and the
Hessian-shaped noise of Xie et al. (2021).

The well: f_c(x, y) = ΔL ((c x)² − 1)² + ½ y², minima at (±1/c, 0), saddle at the origin, barrier ΔL; along x the
curvature is h_a = 8 ΔL c² at a minimum and h_s = −4 ΔL c² at the saddle, and 1 along y at both. A run starts at the
left minimum and has escaped at the first step it reaches the right one (x ≥ 1/c).

**Kramers for the update run here** (isotropic noise, x ← x − lr (∇f(x) + σ ξ), ξ ~ N(0, I)). Read as the
Euler-Maruyama step of dX = −∇f dt + √(2D) dW with time lr a step, the step's noise lr σ ξ has variance lr² σ² = 2 D lr
per coordinate, so D = lr σ² / 2 exactly. The Eyring-Kramers mean transition time of that diffusion is
τ = (2π / |λ_s|) √(|det H_s| / det H_a) e^(ΔL / D) in time, so in steps

    mean escape step ≈ A exp(2 ΔL / (lr σ²)),   A = 2π / (lr √(h_a |h_s|))   (the y-curvatures cancel)

and log(mean escape step) against 1/σ² has slope 2 ΔL / lr. Approximations: (i) small noise, ΔL/D ≫ 1 (corrections
O(D/ΔL) to A, which change the slope only at second order); (ii) the discrete step: to first order in lr the
update's stationary density is exp(−2 f̃ / (lr σ²)) with f̃ = f − (lr/4) |∇f|² (exact for a quadratic, whose stationary
variance is lr σ² / (h (2 − lr h))), and f̃ = f at the minimum and the saddle, so the slope stays 2 ΔL / lr while A
moves by O(lr h); (iii) reaching the other minimum, not the saddle (reaching the saddle takes half as long).
Without (i), the diffusion's mean first-passage time is an integral (`diffusion_mean_steps`), exact for this
separable well: over σ = 4 … 6 its own slope is 96.7, not 100 (the O(D/ΔL) corrections at ΔL/D = 2.8 … 6.3), and
what is left between it and a measurement is the discrete step's O(lr h_a) = 0.16.

**Hessian-shaped noise** (noise_shape=hessian: covariance σ² |H(x)|, as minibatch noise has near a minimum with
σ² = 1/B). Xie et al. (2021) predict an escape time exponential in the inverse sharpness along the escape direction,
log τ ∝ (2 ΔL / (lr σ²)) (s / h_a + (1 − s) / |h_s|) with s in (0, 1) (docs/reproduced.md quotes what could be
verified of their statement). On this family |h_s| = h_a / 2, so log τ is linear in 1/h_a with slope
(2 ΔL / (lr σ²)) (2 − s): between 2 ΔL / (lr σ²) (s = 1) and 4 ΔL / (lr σ²) (s = 0). Isotropic noise instead gives
τ ∝ 1/h_a at fixed σ (only A depends on the sharpness): polynomial, not exponential.

Mean escape steps are estimated with right-censoring (runs not escaped by `max_steps`): the exponential law's maximum
likelihood, total steps run / escapes, with its exact chi-square interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from experiments import work
from experiments.intervals import CONFIDENCE
from experiments.run import as_optimizer
from optimizers import Optimizer
from specs import SpecError

BARRIER = 1.0  # ΔL
KRAMERS_LR = 0.02
KRAMERS_SIGMAS = (4.0, 4.5, 5.0, 5.5, 6.0)
KRAMERS_RUNS, KRAMERS_MAX_STEPS = 400, 60_000
CHECK_MAX_WORK = 2_000_000_000  # the checks' own budget (the largest, Adam+SAM+CM with hessian noise: 1.2e9)
FIRST_PASSAGE_STEP_WORK = 1.5  # run-steps a step of the closed-form well costs beside the optimizer's (its gradient)


def well_formula(scale: float = 1.0, barrier: float = BARRIER) -> str:
    """The well as a `custom` landscape's formula (the tests hold the closed forms to it)."""
    return f"{barrier!r}*(({scale!r}*x)**2 - 1)**2 + 0.5*y**2"


def well_gradient(scale: float = 1.0, barrier: float = BARRIER):
    """∇f_c at the rows of X (N, 2), in closed form."""
    def grad(X: np.ndarray) -> np.ndarray:
        u = scale * X[:, 0]
        return np.stack([4.0 * barrier * scale * u * (u * u - 1.0), X[:, 1]], axis=1)
    return grad


def well_curvatures(scale: float = 1.0, barrier: float = BARRIER) -> tuple[float, float]:
    """(h_a, |h_s|): the curvature along x at a minimum and at the saddle."""
    return 8.0 * barrier * scale**2, 4.0 * barrier * scale**2


def kramers_prefactor(lr: float, scale: float = 1.0, barrier: float = BARRIER) -> float:
    """A = 2π / (lr √(h_a |h_s|)), the mean escape step's prefactor for isotropic noise, in steps."""
    h_a, h_s = well_curvatures(scale, barrier)
    return 2.0 * math.pi / (lr * math.sqrt(h_a * h_s))


def diffusion_mean_steps(lr: float, sigma: float, scale: float = 1.0, barrier: float = BARRIER) -> float:
    """The exact mean first-passage time, in steps, of the diffusion the update discretises (D = lr σ² / 2) from the
    left minimum to the right one along x (the well is separable and the noise isotropic, so x moves on its own):
    (1/D) ∫_{−1/c}^{1/c} e^(g(x)/D) ∫_{−∞}^x e^(−g(y)/D) dy dx / lr, g(x) = ΔL ((c x)² − 1)². No small-noise
    approximation: what remains between it and a measurement is the discrete step's."""
    from scipy import integrate

    D = lr * sigma**2 / 2.0

    def g(x: float) -> float:
        return barrier * ((scale * x) ** 2 - 1.0) ** 2

    def inner(x: float) -> float:
        return integrate.quad(lambda y: math.exp(-g(y) / D), -math.inf, x, limit=200)[0]

    outer = integrate.quad(lambda x: math.exp(g(x) / D) * inner(x), -1.0 / scale, 1.0 / scale, limit=200)[0]
    return outer / D / lr


def kramers_mean_steps(lr: float, sigma: float, scale: float = 1.0, barrier: float = BARRIER) -> float:
    """A exp(2 ΔL / (lr σ²)): Kramers' mean escape step at leading order."""
    return kramers_prefactor(lr, scale, barrier) * math.exp(2.0 * barrier / (lr * sigma**2))


@dataclass(frozen=True)
class EscapeTime:
    """Escape steps of `runs` runs: their censored-exponential mean with its interval."""

    optimizer: str
    scale: float
    escaped: int
    runs: int
    max_steps: int
    mean: float  # total steps run / escapes (inf when none escaped)
    low: float
    high: float
    median: float  # of all runs, censored ones counted at max_steps (a lower bound when over half are censored)


def censored_mean(steps: np.ndarray, max_steps: int, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(mean, low, high) of an exponential escape time from first-passage steps (-1: not escaped by max_steps): the
    maximum-likelihood mean T/k (T the steps all runs ran, k the escapes) and its exact interval 2T/χ²(2k)."""
    from scipy import stats  # here, not at import: the CLI's refusals must not pay for scipy.stats

    escaped = steps >= 0
    k = int(escaped.sum())
    total = float(steps[escaped].sum()) + float((~escaped).sum()) * max_steps
    if k == 0:
        return math.inf, 2.0 * total / stats.chi2.ppf(1.0 - (1.0 - confidence) / 2.0, 2), math.inf
    tail = (1.0 - confidence) / 2.0
    return total / k, 2.0 * total / stats.chi2.ppf(1.0 - tail, 2 * k), 2.0 * total / stats.chi2.ppf(tail, 2 * k)


def first_passage_cost(optimizer: Optimizer | str, runs: int, max_steps: int) -> work.Work:
    """At most `max_steps` steps of `runs` runs on the closed-form well, two coordinates."""
    method = as_optimizer(optimizer)
    calls = method.grad_evals_per_step + method.extra_gradient_calls(2)
    per_step = runs * (calls * FIRST_PASSAGE_STEP_WORK + method.extra_work(2))
    return work.Work((("first-passage runs x steps on the double well", per_step * max_steps),),
                     0.0, runs * (method.memory(2) + 4) * 8.0)


@work.declares_cost(first_passage_cost)
def first_passage(optimizer: Optimizer | str, runs: int, max_steps: int, scale: float = 1.0,
                  barrier: float = BARRIER, max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> np.ndarray:
    """(runs,) the step at which each run, started at the left minimum (−1/c, 0), first reaches x ≥ 1/c; -1 for runs
    still short of it after `max_steps`. Noise comes from the optimizer's own knobs (noise, noise_shape, seed)."""
    method = as_optimizer(optimizer)
    if runs < 1 or max_steps < 1:
        raise SpecError(f"runs and max_steps must be at least 1 (got {runs}, {max_steps})")
    if max_work is not None:
        work.check(first_passage.cost(method, runs, max_steps), max_work, lower="runs or max_steps")
    grad = well_gradient(scale, barrier)
    x = np.tile([[-1.0 / scale, 0.0]], (runs, 1))
    state = method.init(x)
    hit = np.full(runs, -1, dtype=np.int64)
    goal = 1.0 / scale
    with np.errstate(all="ignore"):
        for t in range(1, max_steps + 1):
            x, state, _ = method.update(state, x, grad)
            new = (hit < 0) & (x[:, 0] >= goal)
            if new.any():
                hit[new] = t
                if (hit >= 0).all():
                    break
    return hit


def escape_time(optimizer: Optimizer | str, runs: int, max_steps: int, scale: float = 1.0,
                barrier: float = BARRIER, max_work: int | work.Limit | None = CHECK_MAX_WORK) -> EscapeTime:
    """first_passage summarised: the censored mean with its interval, and the median."""
    method = as_optimizer(optimizer)
    steps = first_passage(method, runs, max_steps, scale, barrier, max_work)
    mean, low, high = censored_mean(steps, max_steps)
    median = float(np.median(np.where(steps >= 0, steps, max_steps)))
    return EscapeTime(method.spec, scale, int((steps >= 0).sum()), runs, max_steps, mean, low, high, median)


@dataclass(frozen=True)
class LineFit:
    """y = intercept + slope x by weighted least squares (weights 1/se²), with the slope's standard error."""

    slope: float
    slope_se: float
    intercept: float

    def slope_interval(self, z: float = 1.96) -> tuple[float, float]:
        return self.slope - z * self.slope_se, self.slope + z * self.slope_se


def log_mean_fit(xs: np.ndarray, times: list[EscapeTime]) -> LineFit:
    """Fit log(mean escape step) against xs; each point weighted by its escapes (the log mean's variance is 1/k)."""
    y = np.log([t.mean for t in times])
    w = np.array([t.escaped for t in times], dtype=float)
    X = np.stack([np.ones_like(xs), xs], axis=1)
    XtW = X.T * w
    cov = np.linalg.inv(XtW @ X)
    intercept, slope = cov @ (XtW @ y)
    residual = y - X @ np.array([intercept, slope])
    dof = max(len(xs) - 2, 1)
    scale = max(float((w * residual**2).sum() / dof), 1.0)  # at least the counting noise; more if the points scatter
    return LineFit(float(slope), float(math.sqrt(cov[1, 1] * scale)), float(intercept))


@dataclass(frozen=True)
class KramersCheck:
    lr: float
    sigmas: tuple[float, ...]
    times: tuple[EscapeTime, ...]
    predicted: tuple[float, ...]  # A exp(2ΔL/(lr σ²)) for each σ
    diffusion: tuple[float, ...]  # the diffusion's exact mean first-passage step for each σ
    fit: LineFit  # log(mean) against 1/σ²
    slope_predicted: float  # 2 ΔL / lr

    @property
    def diffusion_slope(self) -> float:
        """The exact diffusion's own slope over the same σ (its ln mean against 1/σ², least squares)."""
        return float(np.polyfit(1.0 / np.asarray(self.sigmas) ** 2, np.log(self.diffusion), 1)[0])


def kramers_check(lr: float = KRAMERS_LR, sigmas: tuple[float, ...] = KRAMERS_SIGMAS, runs: int = KRAMERS_RUNS,
                  max_steps: int = KRAMERS_MAX_STEPS, seed: int = 0) -> KramersCheck:
    """Noisy gradient descent's mean escape step from the well at each σ, its fit and Kramers' prediction."""
    times = tuple(escape_time(f"sgd:lr={lr!r},noise={sigma!r},seed={seed}", runs, max_steps) for sigma in sigmas)
    fit = log_mean_fit(1.0 / np.asarray(sigmas) ** 2, list(times))
    return KramersCheck(lr, tuple(sigmas), times, tuple(kramers_mean_steps(lr, s) for s in sigmas),
                        tuple(diffusion_mean_steps(lr, s) for s in sigmas), fit, 2.0 * BARRIER / lr)


# ---- Hessian-shaped noise: escape against the sharpness along the escape direction ---------------------------------

HESSIAN_LR, HESSIAN_SIGMA = 0.02, 2.0
HESSIAN_SCALES = (0.8, 0.9, 1.0, 1.1, 1.25)  # h_a = 8 c²: 5.1 to 12.5
HESSIAN_RUNS, HESSIAN_MAX_STEPS = 200, 40_000


@dataclass(frozen=True)
class SharpnessCheck:
    optimizer: str  # its spec without the noise
    shape: str
    sharpness: tuple[float, ...]  # h_a for each scale
    times: tuple[EscapeTime, ...]
    inverse_fit: LineFit | None  # log(mean) against 1/h_a (None: too few points escaped)
    log_fit: LineFit | None  # log(mean) against log h_a

    @property
    def s(self) -> float:
        """Xie et al.'s s read off the inverse-sharpness slope, 2 − slope lr σ² / (2ΔL) (hessian shape)."""
        lr, sigma = self.lr_sigma
        return 2.0 - self.inverse_fit.slope * lr * sigma**2 / (2.0 * BARRIER) if self.inverse_fit else math.nan

    @property
    def lr_sigma(self) -> tuple[float, float]:
        method = as_optimizer(self.times[0].optimizer)
        return method.params["lr"], method.params["noise"]


def sharpness_check(optimizer: str, shape: str, sigma: float = HESSIAN_SIGMA,
                    scales: tuple[float, ...] = HESSIAN_SCALES, runs: int = HESSIAN_RUNS,
                    max_steps: int = HESSIAN_MAX_STEPS, seed: int = 0) -> SharpnessCheck:
    """Mean escape step of `optimizer` (its lr and knobs; noise σ of `shape` added) at each sharpness of the family."""
    times = tuple(escape_time(f"{optimizer},noise={sigma!r},noise_shape={shape},seed={seed}", runs, max_steps, scale)
                  for scale in scales)
    h_a = np.array([well_curvatures(scale)[0] for scale in scales])
    usable = [i for i, t in enumerate(times) if t.escaped >= 5]
    inverse = log_fit = None
    if len(usable) >= 3:
        chosen = [times[i] for i in usable]
        inverse = log_mean_fit(1.0 / h_a[usable], chosen)
        log_fit = log_mean_fit(np.log(h_a[usable]), chosen)
    return SharpnessCheck(optimizer, shape, tuple(h_a), times, inverse, log_fit)
