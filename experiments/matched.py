"""The matched-step control: the learning rate at which an optimizer's early steps are as long as another's.

Adam+CM's first steps are several times lr long (experiments.theory), so comparing it with Adam at the same lr
compares long steps with short ones. The control runs Adam (or Adam+SAM) at the lr whose mean step length over the
escape window equals Adam+CM's, from the same starts: what is left of Adam+CM's escape is what its memory adds.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from experiments import work
from experiments.run import advance, as_landscape, as_optimizer, recorded_step_indices
from experiments.watch import EARLY_WINDOW, StepLengths
from landscapes import Landscape
from optimizers import OPTIMIZERS, Optimizer
from optimizers.base import Aux, GradFn, default_run_ids, row_norms
from specs import Field, SpecError

BISECTIONS = 24  # halvings of the log-lr bracket: to about 1e-7 of the lr, far below what a table shows
BRACKET_DOUBLINGS = 20  # a factor of a million either way of the reference's lr: beyond any step a table compares
LR_FIELD_RANGE = (1e-12, 1e4)
MATCH_RUNS = 1000  # starts a sweep matches on: the mean step over 1000 runs x 20 steps is steady to well under 1%
MATCH_TOLERANCE = 0.01  # a match's mean step is within this share of the reference's (the lr is kept to 4 digits)
MATCH_MODES = ("lr", "lengths")
MATCH_MODE = Field("match_mode", "choice", "lr", "lr: run at the lr whose mean step over the window is the "
                   "reference's; lengths: take the reference's own step length, run by run and step by step",
                   choices=MATCH_MODES)
MATCH_WINDOW = Field("match_window", "int", EARLY_WINDOW, "steps over which the mean step lengths are matched",
                     low=1, high=100_000)


@dataclass(frozen=True)
class MatchedStep:
    """The matched optimizer (its lr set), the lr, and both mean step lengths over the window."""

    optimizer: Optimizer
    lr: float
    reference_step: float  # the reference optimizer's mean step length over the window
    matched_step: float  # the matched optimizer's, at `lr`


def early_step_mean(landscape: Landscape, optimizer: Optimizer, starts: np.ndarray, window: int) -> float:
    """Mean step length over the first `window` steps of every run from `starts` (runs that stop count 0 after)."""
    return early_window(landscape, optimizer, starts, window)[0]


def early_window(landscape: Landscape, optimizer: Optimizer, starts: np.ndarray, window: int) -> tuple[float, int]:
    """early_step_mean, and how many of the runs stopped (diverged, or an undefined gradient) within the window."""
    lengths = StepLengths(len(starts), window)
    result = advance(landscape, optimizer, starts, window, recorded_step_indices(window, "final"),
                     watchers=(lengths,))
    return float(np.mean(lengths.means(window)[0])), int(np.count_nonzero(result.stopped))


def matching_work(landscape: Landscape, target: Optimizer, runs: int, window: int = EARLY_WINDOW) -> work.Work:
    """The most a match can cost: every bracket doubling and bisection, each a window of steps from the starts."""
    searches = 2 * BRACKET_DOUBLINGS + BISECTIONS + 3
    one = work.run_work(landscape, target, min(runs, MATCH_RUNS), window, 1)
    return work.Work(((f"matching the step: {searches} trials of {window} steps", one.units * searches),),
                     peak_bytes=one.peak_bytes)


def matched_step(landscape: Landscape | str, reference: Optimizer | str, target: Optimizer | str,
                 starts: np.ndarray, window: int = EARLY_WINDOW) -> MatchedStep:
    """`target` with its lr set so that its mean step length over the first `window` steps, from `starts`, equals
    `reference`'s: a bisection on log lr, where an lr at which a run stops within the window counts as too long a
    step (a run that stops takes no more steps, so its mean would understate the step). SpecError when `target` has
    no lr, when no lr in its range reaches the reference's step with every run intact, or when the lrs tried show
    the mean step crossing the reference's more than once (the bisection could then pick any crossing)."""
    surface, reference, target = as_landscape(landscape), as_optimizer(reference), as_optimizer(target)
    if "lr" not in target.params:
        raise SpecError(f"{target.name} has no lr to match")
    wanted = early_step_mean(surface, reference, starts, window)
    tried: dict[float, tuple[float, int]] = {}  # lr -> (mean step, runs stopped)

    def at(lr: float) -> Optimizer:
        return OPTIMIZERS.build({"name": target.name, **target.params, "lr": lr})

    def step_at(lr: float) -> float:
        tried[lr] = early_window(surface, at(lr), starts, window)
        return math.inf if tried[lr][1] else tried[lr][0]

    low = high = float(reference.params.get("lr", target.params["lr"]))
    for _ in range(BRACKET_DOUBLINGS):  # widen a bracket [low, high] around the matching lr, from the reference's
        if step_at(high) >= wanted or high * 2 > LR_FIELD_RANGE[1]:
            break
        high *= 2
    for _ in range(BRACKET_DOUBLINGS):
        if step_at(low) <= wanted or low / 2 < LR_FIELD_RANGE[0]:
            break
        low /= 2
    if not step_at(low) <= wanted <= step_at(high):
        raise SpecError(f"no lr of {target.name} gives steps as long as {reference.spec}'s ({wanted:.3g})")
    low, high = math.log(low), math.log(high)
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        low, high = (middle, high) if step_at(math.exp(middle)) < wanted else (low, middle)
    lr = float(f"{math.exp((low + high) / 2):.4g}")  # four significant digits: a spec that reads back the same
    _refuse_a_second_crossing(target.name, reference.spec, wanted, tried)
    matched = at(lr)
    reached, stopped = early_window(surface, matched, starts, window)
    if stopped or abs(reached - wanted) > MATCH_TOLERANCE * wanted:
        diverging = min((rate for rate, (_, count) in tried.items() if count), default=None)
        why = (f"from lr {diverging:.4g} on, runs diverge within {window} steps" if diverging is not None else
               f"its mean step jumps there (lr {lr:.4g} gives {reached:.3g})")
        raise SpecError(f"no lr of {target.name} gives steps as long as {reference.spec}'s ({wanted:.3g}) with "
                        f"every run intact: {why}")
    return MatchedStep(matched, lr, wanted, reached)


def _refuse_a_second_crossing(target: str, reference: str, wanted: float,
                              tried: dict[float, tuple[float, int]]) -> None:
    """Refuse when the mean steps tried, in order of lr, cross `wanted` more than once (a stopped run counts as
    longer)."""
    lrs = sorted(tried)
    longer = [bool(tried[lr][1]) or tried[lr][0] >= wanted for lr in lrs]
    crossings = [k for k in range(1, len(lrs)) if longer[k] != longer[k - 1]]
    if len(crossings) > 1:
        first, second = lrs[crossings[0]], lrs[crossings[1]]
        raise SpecError(f"the mean step of {target} crosses {reference}'s ({wanted:.3g}) more than once as its lr "
                        f"grows (near lr {first:.4g} and {second:.4g}), so no single lr matches it")


class TracedLengths:
    """A watcher (experiments.watch) keeping every step length of every run: (steps, N)."""

    def __init__(self, runs: int, steps: int) -> None:
        self.lengths = np.zeros((steps, runs))

    def observe(self, t: int, before: np.ndarray, after: np.ndarray, alive: np.ndarray) -> None:
        self.lengths[t - 1] = row_norms(after - before)  # 0 for a stopped run: its point is frozen


def reference_step_lengths(landscape: Landscape, reference: Optimizer, starts: np.ndarray, steps: int) -> np.ndarray:
    """(steps, N) the length of every step of `reference`'s runs from `starts` (0 once a run has stopped)."""
    traced = TracedLengths(len(starts), steps)
    advance(landscape, reference, starts, steps, recorded_step_indices(steps, "final"), watchers=(traced,))
    return traced.lengths


def lengths_work(landscape: Landscape, reference: Optimizer, runs: int, steps: int) -> work.Work:
    """The reference's runs traced for `with_step_lengths`, and the (steps, N) lengths kept."""
    traced = work.run_work(landscape, reference, runs, steps, 2)
    return work.Work((("tracing the reference's step lengths", traced.units),),
                     held_bytes=float(steps) * runs * work.FLOAT_BYTES, peak_bytes=traced.peak_bytes)


class LengthsState(NamedTuple):
    t: int  # steps taken: the row of `lengths` the next step takes
    inner: Any
    run_ids: np.ndarray  # (N,) which runs these are: their column of `lengths`


def with_step_lengths(base: Optimizer, lengths: np.ndarray) -> Optimizer:
    """The base's direction at every step, scaled to the length run i's step t took under the reference
    (lengths (steps, N), `reference_step_lengths`): x <- x + L[t, i] (x_base - x) / |x_base - x| (no move where the
    base does not move). The control "Adam's direction with Adam+CM's step lengths"; its name and spec stay the
    base's (its lr then only shapes the direction's state, not how far it moves)."""

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> LengthsState:
        return LengthsState(0, base.init(x0, run_ids), default_run_ids(x0, run_ids))

    def update(state: LengthsState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, LengthsState, Aux]:
        x_base, inner, aux = base.update(state.inner, x, grad)
        step = np.subtract(x_base, x)
        norms = row_norms(step)
        wanted = lengths[state.t, state.run_ids] if state.t < len(lengths) else np.zeros(len(x))
        step *= np.divide(wanted, norms, out=np.zeros_like(norms), where=norms > 0)[:, None]
        step += x
        return step, LengthsState(state.t + 1, inner, state.run_ids), aux

    # the step and its norms beside the base's; `lengths` itself is held by the caller (lengths_work counts it)
    return dataclasses.replace(base, init=init, update=update, memory=lambda dim: base.memory(dim) + dim + 1)
