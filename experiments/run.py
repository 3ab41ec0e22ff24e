"""Run one optimizer on one landscape from many starts at once: the only loop is over steps."""

from __future__ import annotations

import ctypes
import functools
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from landscapes import Landscape, build_landscape
from optimizers import OPTIMIZERS, Optimizer, build_optimizer
from specs import Field, SpecError

# A run is diverged once it leaves the domain by more than this many domain widths, or stops being finite.
FAR_WIDTHS = 10.0

STEPS = Field("steps", "int", 500, "number of optimizer steps", low=0, high=10_000_000)
EVERY = Field("every", "int", 1, "record every k-th step", low=1, high=10_000_000)
# One request may not cost more than this many run-steps (runs x steps x gradient evaluations per step), so that
# one user cannot stall the app for everyone; the CLI's --max-work and the app's setting change it.
DEFAULT_MAX_WORK = 100_000_000
MAX_WORK = Field("max_work", "int", DEFAULT_MAX_WORK, "cap on runs x steps x gradient evaluations per request",
                 low=1, high=10**12)


# A step has a fixed cost (Python and NumPy dispatch) that a few runs do not amortise: a request counts at least
# MIN_BATCH runs, so one run of 10^7 steps cannot pass the cap as cheap. A landscape's `step_cost` weighs its gradient
# (a custom formula's goes through autograd).
MIN_BATCH = 100


def work_units(runs: int, steps: int, grad_evals_per_step: int = 1, step_cost: float = 1.0) -> int:
    """What a request costs against the cap: max(runs, MIN_BATCH) x steps x gradient evaluations x step cost."""
    return math.ceil(max(runs, MIN_BATCH) * steps * grad_evals_per_step * step_cost)


def check_work(runs: int, steps: int, grad_evals_per_step: int = 1, max_work: int = DEFAULT_MAX_WORK,
               step_cost: float = 1.0) -> None:
    """Refuse a request whose work (see `work_units`) exceeds `max_work`, saying what to lower."""
    work = work_units(runs, steps, grad_evals_per_step, step_cost)
    if work > MAX_WORK.check(max_work):
        per_step = f" x {grad_evals_per_step} gradient evaluations" if grad_evals_per_step > 1 else ""
        cost = f" x {step_cost:g} (this landscape's gradient cost)" if step_cost != 1 else ""
        floor = f"; fewer than {MIN_BATCH} runs count as {MIN_BATCH}" if runs < MIN_BATCH else ""
        raise SpecError(f"runs x steps{per_step} must be at most {max_work:,} (got {max(runs, MIN_BATCH):,} x "
                        f"{steps:,}{per_step}{cost} = {work:,}{floor}); lower runs or steps, or raise the work limit")


@dataclass(frozen=True)
class RunResult:
    """Trajectories of N runs: positions (R, N, d) and losses (R, N) at the recorded steps (R,)."""

    landscape: str
    optimizer: str
    steps: int
    recorded_steps: np.ndarray  # (R,) step index of each recorded point, 0 (the start) first, `steps` last
    positions: np.ndarray  # (R, N, d)
    losses: np.ndarray  # (R, N)
    diverged_at: np.ndarray  # (N,) the step at which the run diverged, -1 if it did not
    grad_evals: np.ndarray  # (N,) gradient evaluations used (until divergence)

    @property
    def starts(self) -> np.ndarray:
        return self.positions[0]

    @property
    def final(self) -> np.ndarray:
        """(N, d) final points (a diverged run's point is where it diverged)."""
        return self.positions[-1]

    @property
    def final_losses(self) -> np.ndarray:
        return self.losses[-1]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    @property
    def n_runs(self) -> int:
        return self.positions.shape[1]


def as_landscape(landscape: Landscape | str | Mapping) -> Landscape:
    """A Landscape as given, or built from its spec (a string or a mapping with a "name")."""
    surface = build_landscape(landscape) if isinstance(landscape, (str, Mapping)) else landscape
    if not isinstance(surface, Landscape):
        raise SpecError(f"landscape must be a spec such as 'ackley' or a Landscape (got {type(landscape).__name__})")
    return surface


def as_starts(starts: object, dim: int) -> np.ndarray:
    """Starts as a finite float64 (N, d) array, or a SpecError naming what is wrong."""
    try:
        X = np.array(starts, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpecError(f"starts must be numbers in an (N, {dim}) array") from None
    if X.ndim == 1 and X.shape[0] == dim:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != dim or X.shape[0] == 0:
        raise SpecError(f"starts must be an (N, {dim}) array with N >= 1 (got shape {X.shape})")
    if not np.all(np.isfinite(X)):
        raise SpecError("starts must be finite numbers (got nan or inf)")
    return X


def surely_near_bounds(centre: np.ndarray, reach: np.ndarray) -> tuple[float, float]:
    """Scalar bounds [low, high] inside which every coordinate is surely within `reach` of `centre` (all axes,
    with a margin far above rounding), so that a batch passing them needs no per-run divergence test."""
    margin = 1e-9 * float(np.max(reach + np.abs(centre)))
    return float(np.max(centre - reach)) + margin, float(np.min(centre + reach)) - margin


@functools.cache
def keep_freed_memory() -> bool:
    """Ask glibc to keep freed heap memory for reuse rather than hand it back to the system at once (True if done).

    A step builds its new state in fresh arrays (a state is never mutated), a few N x d arrays alive at a time; with
    glibc's default thresholds the top of the heap is trimmed and then faulted back in at every step, which at
    N = 10,000 costs more than the arithmetic. Memory is retained up to 256 MiB, and arrays over 32 MiB are
    mapped as usual. Once per process; nothing happens where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_trim_threshold, 256 << 20)) and bool(mallopt(m_mmap_threshold, 32 << 20))


def recorded_step_indices(steps: int, record: str | int) -> np.ndarray:
    """Which steps are kept: "all", "final" (the start and the end), or every k-th (and the end)."""
    if record == "all":
        return np.arange(steps + 1)
    if record == "final":
        return np.unique([0, steps])
    every = EVERY.check(record)
    return np.unique(np.append(np.arange(0, steps + 1, every), steps))


def run(landscape: Landscape | str, optimizer: Optimizer | str, starts: object, steps: int,
        record: str | int = "all", max_work: int = DEFAULT_MAX_WORK) -> RunResult:
    """Advance every start (a row of `starts`, (N, d)) for `steps` steps of `optimizer` on `landscape`.

    A run whose point stops being finite or lands more than FAR_WIDTHS domain widths outside the domain is
    diverged: it is frozen at that point and flagged with the step, never clipped.
    """
    keep_freed_memory()
    surface = as_landscape(landscape)
    method = build_optimizer(optimizer) if isinstance(optimizer, (str, Mapping)) else optimizer
    if not isinstance(method, Optimizer):
        raise SpecError("optimizer must be a spec such as 'adam:lr=0.01' or an Optimizer "
                        f"(got {type(optimizer).__name__})")
    optimizer_spec = OPTIMIZERS.canonical(optimizer) if isinstance(optimizer, (str, Mapping)) else "custom"
    steps = STEPS.check(steps)
    x = as_starts(starts, surface.dim)
    check_work(x.shape[0], steps, method.grad_evals_per_step, max_work, surface.step_cost)
    keep = recorded_step_indices(steps, record)
    n_runs, dim = x.shape
    positions = np.empty((len(keep), n_runs, dim))
    positions[0] = x
    diverged_at = np.full(n_runs, -1, dtype=np.int64)
    centre, reach = surface.domain.centre, FAR_WIDTHS * (surface.domain.high - surface.domain.low)
    safe_low, safe_high = surely_near_bounds(centre, reach)
    alive = np.ones(n_runs, dtype=bool)
    frozen = None  # (N, d) where diverged runs stopped, once one has
    slot = 1
    with np.errstate(all="ignore"):
        state = method.init(x)
        for t in range(1, steps + 1):
            x_new, state = method.step(state, x, surface.grad)
            # Two whole-array reductions clear the common case; nan fails both comparisons.
            if not (x_new.min() >= safe_low and x_new.max() <= safe_high):
                bad = ~(np.abs(x_new - centre) <= reach).all(axis=1)  # also true where x_new is nan or inf
                newly = alive & bad
                if newly.any():
                    diverged_at[newly] = t
                    alive &= ~bad
                    frozen = np.where(newly[:, None], x_new, frozen if frozen is not None else x_new)
            # A diverged run stays where it diverged, even if its optimizer would bring it back.
            x = x_new if frozen is None else np.where(alive[:, None], x_new, frozen)
            if slot < len(keep) and keep[slot] == t:
                positions[slot] = x
                slot += 1
            if frozen is not None and not alive.any():  # every run is frozen: the rest would only repeat x
                positions[slot:] = x
                break
        losses = surface.f(positions.reshape(-1, dim)).reshape(len(keep), n_runs)
    steps_taken = np.where(diverged_at >= 0, diverged_at, steps)
    return RunResult(surface.spec, optimizer_spec, steps, keep, positions, losses, diverged_at,
                     steps_taken * method.grad_evals_per_step)
