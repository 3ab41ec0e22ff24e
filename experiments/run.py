"""Run one optimizer on one landscape from many starts at once: the only loop is over steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from experiments import work
from landscapes import LANDSCAPES, Landscape
from optimizers import OPTIMIZERS, GradFn, Optimizer, counter_rng
from optimizers.base import default_run_ids
from specs import Field, SpecError

# A run is diverged once it leaves the domain by more than this many domain widths, or stops being finite.
FAR_WIDTHS = 10.0

STEPS = Field("steps", "int", 500, "number of optimizer steps", low=0, high=10_000_000)
EVERY = Field("every", "int", 1, "record every k-th step", low=1, high=10_000_000)
RECORD_CHOICES = ("all", "final")

# Why a run stopped before its last step (RunResult.stop_reason).
RUNNING, DIVERGED, UNDEFINED = 0, 1, 2
STOP_REASONS = {RUNNING: "ran every step", DIVERGED: "diverged", UNDEFINED: "gradient undefined"}


@dataclass(frozen=True)
class RunResult:
    """Trajectories of N runs: positions (R, N, d) and losses (R, N) at the recorded steps (R,).

    A run that stops early is frozen where it stopped: `stopped_at` is that step (-1 if it ran every step) and
    `stop_reason` says why: DIVERGED (its point stopped being finite or went more than FAR_WIDTHS domain widths
    outside the domain) or UNDEFINED (the gradient was nan at a finite point, e.g. at the tip of a cone).
    """

    landscape: str  # canonical spec
    optimizer: str  # canonical spec
    steps: int
    recorded_steps: np.ndarray  # (R,) step index of each recorded point, 0 (the start) first, `steps` last
    positions: np.ndarray  # (R, N, d)
    losses: np.ndarray  # (R, N)
    stopped_at: np.ndarray  # (N,) int: the step at which the run stopped, -1 if it did not
    stop_reason: np.ndarray  # (N,) int8: RUNNING, DIVERGED or UNDEFINED
    grad_evals: np.ndarray  # (N,) gradient evaluations used (until the run stopped)

    @property
    def starts(self) -> np.ndarray:
        return self.positions[0]

    @property
    def final(self) -> np.ndarray:
        """(N, d) final points (a stopped run's point is where it stopped)."""
        return self.positions[-1]

    @property
    def final_losses(self) -> np.ndarray:
        return self.losses[-1]

    @property
    def stopped(self) -> np.ndarray:
        """(N,) bool: the run stopped early, diverged or with an undefined gradient."""
        return self.stopped_at >= 0

    @property
    def diverged(self) -> np.ndarray:
        return self.stop_reason == DIVERGED

    @property
    def undefined(self) -> np.ndarray:
        return self.stop_reason == UNDEFINED

    @property
    def kind(self) -> str:
        """The optimizer's registry name, from its canonical spec."""
        return OPTIMIZERS.parse(self.optimizer)[0]

    @property
    def n_runs(self) -> int:
        return self.positions.shape[1]

    def first(self, count: int) -> RunResult:
        """The same result keeping only the first `count` runs."""
        return RunResult(self.landscape, self.optimizer, self.steps, self.recorded_steps,
                         self.positions[:, :count], self.losses[:, :count], self.stopped_at[:count],
                         self.stop_reason[:count], self.grad_evals[:count])

    def thinned(self, stride: int) -> RunResult:
        """The same result keeping every `stride`-th recorded point (the first and the last always)."""
        rows = np.unique(np.append(np.arange(0, len(self.recorded_steps), stride), len(self.recorded_steps) - 1))
        return RunResult(self.landscape, self.optimizer, self.steps, self.recorded_steps[rows], self.positions[rows],
                         self.losses[rows], self.stopped_at, self.stop_reason, self.grad_evals)


def as_landscape(landscape: object) -> Landscape:
    """A Landscape as given, or built from its spec (a string or a mapping with a "name")."""
    surface = LANDSCAPES.build(landscape) if isinstance(landscape, (str, Mapping)) else landscape
    if not isinstance(surface, Landscape):
        raise SpecError(f"landscape must be a spec such as 'ackley' or a Landscape (got {type(landscape).__name__})")
    return surface


def as_optimizer(optimizer: object) -> Optimizer:
    """An Optimizer as given, or built from its spec (a string or a mapping with a "name")."""
    method = OPTIMIZERS.build(optimizer) if isinstance(optimizer, (str, Mapping)) else optimizer
    if not isinstance(method, Optimizer):
        raise SpecError("optimizer must be a spec such as 'adam:lr=0.01' or an Optimizer "
                        f"(got {type(optimizer).__name__})")
    return method


def as_starts(starts: object, dim: int) -> np.ndarray:
    """Starts as a finite float64 (N, d) array, or a SpecError naming what is wrong."""
    if isinstance(starts, (str, bytes)) or starts is None:
        raise SpecError(f"starts must be numbers in an (N, {dim}) array (got {type(starts).__name__})")
    try:
        array = np.asarray(starts)
    except (TypeError, ValueError, OverflowError):
        raise SpecError(f"starts must be real numbers in an (N, {dim}) array of one shape") from None
    if array.dtype.kind not in "biuf" and array.dtype != object:
        raise SpecError(f"starts must be real numbers in an (N, {dim}) array (got {array.dtype} values)")
    try:
        X = np.array(array, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise SpecError(f"starts must be real numbers in an (N, {dim}) array") from None
    if X.ndim == 1 and X.shape[0] == dim:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != dim or X.shape[0] == 0:
        raise SpecError(f"starts must be an (N, {dim}) array with N >= 1 (got shape {X.shape})")
    if not np.all(np.isfinite(X)):
        raise SpecError("starts must be finite numbers (got nan or inf)")
    return X


def as_steps(steps: object) -> int:
    return STEPS.check(steps)


def surely_near_bounds(centre: np.ndarray, reach: np.ndarray) -> tuple[float, float]:
    """Scalar bounds [low, high] inside which every coordinate is surely within `reach` of `centre` (all axes,
    with a margin far above rounding), so that a batch passing them needs no per-run divergence test."""
    margin = 1e-9 * float(np.max(reach + np.abs(centre)))
    return float(np.max(centre - reach)) + margin, float(np.min(centre + reach)) - margin


def recorded_step_indices(steps: int, record: str | int) -> np.ndarray:
    """Which steps are kept: "all", "final" (the start and the end), or every k-th (and the end)."""
    if record == "all":
        return np.arange(steps + 1)
    if record == "final":
        return np.unique([0, steps])
    if isinstance(record, str) and not record.strip().isdigit():
        raise SpecError(f"record must be one of {', '.join(RECORD_CHOICES)} or a whole number of steps (got "
                        f"{record[:40]!r})")
    every = EVERY.check(record)
    return np.unique(np.append(np.arange(0, steps + 1, every), steps))


def run_cost(landscape: Landscape | str, optimizer: Optimizer | str, starts: object, steps: int,
             record: str | int = "all") -> work.Work:
    """What `run` with these arguments costs: its steps and the trajectories it keeps (work.run_work)."""
    surface, method, steps = as_landscape(landscape), as_optimizer(optimizer), as_steps(steps)
    runs = as_starts(starts, surface.dim).shape[0]
    return work.run_work(surface, method, runs, steps, len(recorded_step_indices(steps, record)))


@work.declares_cost(run_cost)
def run(landscape: Landscape | str, optimizer: Optimizer | str, starts: object, steps: int,
        record: str | int = "all", max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> RunResult:
    """Advance every start (a row of `starts`, (N, d)) for `steps` steps of `optimizer` on `landscape`.

    A spec string is built once here. A run whose point stops being finite or lands more than FAR_WIDTHS domain
    widths outside the domain is diverged; one whose gradient is nan at a finite point has an undefined gradient.
    Either way it is frozen at that point and flagged with the step and the reason, never clipped. The request's
    work and memory are checked against `max_work` first (None: the caller has checked the whole request).
    """
    surface = as_landscape(landscape)
    method = as_optimizer(optimizer)
    steps = as_steps(steps)
    x = as_starts(starts, surface.dim)
    keep = recorded_step_indices(steps, record)
    if max_work is not None:
        work.check(run.cost(surface, method, x, steps, record), max_work, lower="runs, steps or the recorded steps")
    return advance(surface, method, x, steps, keep)


def advance(surface: Landscape, method: Optimizer, x: np.ndarray, steps: int, keep: np.ndarray,
            run_ids: np.ndarray | None = None, watchers: Sequence = ()) -> RunResult:
    """The loop of `run`, on checked inputs: record the steps in `keep` (sorted, 0 and `steps` included).

    `run_ids` (N,) name the runs for the optimizer's random streams (a chunk of a larger batch passes its rows).
    Each of `watchers` (experiments.watch) observes every step: (t, points before, points after, alive)."""
    n_runs, dim = x.shape
    positions = np.empty((len(keep), n_runs, dim))
    positions[0] = x
    stopped_at = np.full(n_runs, -1, dtype=np.int64)
    stop_reason = np.zeros(n_runs, dtype=np.int8)
    centre, reach = surface.domain.centre, FAR_WIDTHS * (surface.domain.high - surface.domain.low)
    safe_low, safe_high = surely_near_bounds(centre, reach)
    alive = np.ones(n_runs, dtype=bool)
    frozen = None  # (N, d) where stopped runs stopped, once one has
    slot = 1
    update, grad = method.update, surface.grad
    sampled = sampled_gradients(surface, default_run_ids(x, run_ids)) if surface.draws_per_step else None
    with np.errstate(all="ignore"):
        state = method.init(x, run_ids)
        for t in range(1, steps + 1):
            x_new, state, _ = update(state, x, grad if sampled is None else sampled(t))
            # Two whole-array reductions clear the common case; nan fails both comparisons.
            if not (x_new.min() >= safe_low and x_new.max() <= safe_high):
                bad = ~(np.abs(x_new - centre) <= reach).all(axis=1)  # also true where x_new is nan or inf
                newly = alive & bad
                if newly.any():
                    stopped_at[newly] = t
                    stop_reason[newly] = np.where(undefined_gradient(surface, x[newly], centre, reach), UNDEFINED,
                                                  DIVERGED)
                    alive &= ~bad
                    # An undefined gradient leaves the run at its last finite point; a divergence where it went.
                    last = np.where((stop_reason == UNDEFINED)[:, None], x, x_new)
                    frozen = np.where(newly[:, None], last, frozen if frozen is not None else x_new)
            # A stopped run stays where it stopped, even if its optimizer would bring it back.
            before, x = x, x_new if frozen is None else np.where(alive[:, None], x_new, frozen)
            for watcher in watchers:
                watcher.observe(t, before, x, alive)
            if slot < len(keep) and keep[slot] == t:
                positions[slot] = x
                slot += 1
            if frozen is not None and not alive.any():  # every run is frozen: the rest would only repeat x
                positions[slot:] = x
                break
        losses = surface.f(positions.reshape(-1, dim)).reshape(len(keep), n_runs)
    steps_taken = np.where(stopped_at >= 0, stopped_at, steps)
    return RunResult(surface.spec, method.spec, steps, keep, positions, losses, stopped_at, stop_reason,
                     steps_taken * method.grad_evals_per_step)


def sampled_gradients(surface: Landscape, run_ids: np.ndarray) -> Callable[[int], GradFn]:
    """t -> the gradient step t of these runs (N,) sees on a landscape whose gradient is drawn per step (a minibatch,
    noisy labels): Landscape.sampled_grad with each run's uniforms, drawn from (the landscape's seed, the data stream,
    run id, t), so a run sees the same samples alone or in any batch, and every gradient call of one step (SAM's two,
    the noise's differences) sees the same ones."""
    seed, width = surface.params.get("seed", 0), surface.draws_per_step

    def at_step(t: int) -> GradFn:
        uniforms = counter_rng.uniform(seed, counter_rng.DATA_STREAM, run_ids, t, width)
        return lambda y: surface.sampled_grad(y, uniforms)

    return at_step


def undefined_gradient(surface: Landscape, x: np.ndarray, centre: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """(n,) bool: the gradient is nan somewhere at these points (n, d), each finite and within `reach` of the
    domain's centre (a kink, outside a formula's domain); far away a nan is overflow, and the run diverged."""
    finite = np.all(np.abs(x - centre) <= reach, axis=1)
    out = np.zeros(x.shape[0], dtype=bool)
    if finite.any():
        out[finite] = np.isnan(surface.grad(x[finite])).any(axis=1)
    return out
