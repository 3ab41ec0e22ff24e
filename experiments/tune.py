"""Tuned comparisons: each optimizer at its own best lr (and any knob named) for a stated objective, within a budget.

A comparison at one shared lr favours whichever optimizer that lr suits. `tune` searches each optimizer's own knobs
with Optuna's TPE sampler, seeded, for a trial budget, on a fixed set of seeded starts, and reports the values found
with the objective they reach; every trial is a deterministic measurement, so the same call finds the same values.

Objectives (the direction each is optimised in):
- "final_loss": the mean final loss of runs started uniformly over the domain (minimised; a run that diverges counts
  as the largest loss among the starts, so a diverging lr never looks good);
- "escape_rate": the share of runs started in `basin` that end in another (maximised; experiments.escape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from experiments import work
from experiments.escape import (
    RUNS,
    SEED,
    ends_work,
    measure_escape,
    resolve_basin,
    run_to_ends,
    starts_in_basin,
    starts_work,
)
from experiments.run import as_landscape, as_optimizer, as_steps
from experiments.starts import uniform_starts
from landscapes import Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import Field, SpecError

OBJECTIVES = {"final_loss": "minimize", "escape_rate": "maximize"}
OBJECTIVE = Field("objective", "choice", "final_loss", "what a tuned optimizer is best at: the mean final loss of "
                  "runs started over the domain, or the escape rate from a basin", choices=tuple(OBJECTIVES))
TRIALS = Field("trials", "int", 30, "Optuna trials per optimizer (each a full measurement)", low=1, high=1000)
LR_SEARCH = (1e-4, 1.0)  # lr is searched on a log scale over this range unless given
INT_SEARCH_SPAN = 20  # an integer knob with a wide field (C up to 100) is searched from its low end over this span


@dataclass(frozen=True)
class Trial:
    number: int
    values: dict[str, float | int]
    objective: float


@dataclass(frozen=True)
class Tuned:
    """What `tune` found for one optimizer: the optimizer at the best values, those values, the objective there,
    and every trial in order."""

    optimizer: Optimizer
    values: dict[str, float | int]
    objective: float
    trials: tuple[Trial, ...]
    objective_name: str


def search_ranges(method: Optimizer, knobs: Sequence[str], ranges: Mapping[str, tuple[float, float]] | None
                  ) -> dict[str, tuple[str, float, float, bool]]:
    """Each knob's search: (kind, low, high, log). A range given is checked against the knob's field; otherwise lr
    runs over LR_SEARCH (log), a float knob over its field's range (log where the field is), an integer knob over
    its low end and INT_SEARCH_SPAN more. Only numeric knobs are searched."""
    entry = OPTIMIZERS.entry(method.name)
    found = {}
    for name in knobs:
        field = entry.field(name)
        if field.kind not in ("float", "int"):
            raise SpecError(f"tune searches numeric knobs; {name} is a {field.kind} (fix it in the optimizer's spec)")
        if ranges and name in ranges:
            low, high = (field.check(v) for v in ranges[name])
            if not low < high:
                raise SpecError(f"the search range of {name} must have low < high (got {low:g}, {high:g})")
        elif name == "lr":
            low, high = LR_SEARCH
        elif field.kind == "int":
            low, high = int(field.low), int(min(field.high, field.low + INT_SEARCH_SPAN))
        else:
            low, high = field.low, field.high
            if field.high_open:
                high = high - 1e-3 * (high - low)
            if field.low_open:
                low = low + 1e-6 * (high - low) if not field.log else max(low, high * 1e-6)
        found[name] = (field.kind, float(low), float(high), name == "lr" or field.log)
    return found


def _checked(landscape, optimizers, objective, knobs, trials, runs, steps, seed, basin, ranges):
    surface = as_landscape(landscape)
    methods = [as_optimizer(spec) for spec in ([optimizers] if isinstance(optimizers, str) else optimizers)]
    objective, trials = OBJECTIVE.check(objective), TRIALS.check(trials)
    runs, steps, seed = RUNS.check(runs), as_steps(steps), SEED.check(seed)
    knobs = [knobs] if isinstance(knobs, str) else list(knobs)
    if not knobs:
        raise SpecError("name at least one knob to tune, such as lr")
    searches = [search_ranges(method, knobs, ranges) for method in methods]
    if objective == "escape_rate":
        resolve_basin(surface, basin)
    return surface, methods, objective, trials, runs, steps, seed, searches


def tune_cost(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | str, objective: str = "final_loss",
              knobs: Sequence[str] | str = ("lr",), trials: int = 30, runs: int = 200, steps: int = 200, seed: int = 0,
              basin: str | int = "sharp", ranges: Mapping[str, tuple[float, float]] | None = None) -> work.Work:
    """What `tune` costs: per optimizer, `trials` measurements of `runs` runs of `steps` steps, and the starts."""
    surface, methods, objective, trials, runs, steps, seed, _ = _checked(
        landscape, optimizers, objective, knobs, trials, runs, steps, seed, basin, ranges)
    parts = [work.setup_work(surface),
             starts_work(surface, runs) if objective == "escape_rate" else work.Work()]
    for method in methods:
        one = ends_work(surface, method, runs, steps)
        parts.append(work.Work(tuple((f"tuning {method.name}: {trials} trials, {name}", units * trials)
                                     for name, units in one.parts), peak_bytes=one.peak_bytes))
    return work.total(parts)


@work.declares_cost(tune_cost)
def tune(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | str, objective: str = "final_loss",
         knobs: Sequence[str] | str = ("lr",), trials: int = 30, runs: int = 200, steps: int = 200, seed: int = 0,
         basin: str | int = "sharp", ranges: Mapping[str, tuple[float, float]] | None = None,
         max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK) -> list[Tuned]:
    """Each optimizer tuned on its own: Optuna's TPE sampler (seeded with `seed`) proposes values of `knobs`
    (searched over `ranges`, or `search_ranges`' defaults) for `trials` trials; each trial measures `objective` over
    `runs` runs of `steps` steps from the same seeded starts (uniform over the domain for final_loss, inside `basin`
    for escape_rate). The best trial's values are kept (the first of equal ones, since trials are in order). The
    whole request is checked against `max_work` first."""
    surface, methods, objective, trials, runs, steps, seed, searches = _checked(
        landscape, optimizers, objective, knobs, trials, runs, steps, seed, basin, ranges)
    if max_work is not None:
        work.check(tune.cost(surface, methods, objective, knobs, trials, runs, steps, seed, basin, ranges), max_work,
                   lower="trials, runs or steps")
    if objective == "escape_rate":
        index = resolve_basin(surface, basin)
        starts = starts_in_basin(surface, index, runs, seed)
    else:
        index = -1
        starts = uniform_starts(surface.domain.low, surface.domain.high, runs, seed)
    at_starts = surface.f(starts)
    worst = float(np.max(at_starts[np.isfinite(at_starts)]))
    return [_tune_one(surface, method, objective, search, trials, steps, seed, starts, index, worst)
            for method, search in zip(methods, searches)]


def _tune_one(surface: Landscape, method: Optimizer, objective: str, search: dict, trials: int, steps: int,
              seed: int, starts: np.ndarray, basin: int, worst: float) -> Tuned:
    import optuna  # 1 s to import: only when something is tuned

    def measure(values: dict) -> float:
        candidate = OPTIMIZERS.build({"name": method.name, **method.params, **values})
        if objective == "escape_rate":
            return measure_escape(surface, candidate, basin, starts, steps, workers=1).escape_rate
        ends = run_to_ends(surface, candidate, starts, steps, workers=1)
        losses = np.where((ends.reasons == 0) & np.isfinite(ends.final_losses), ends.final_losses, worst)
        return float(np.mean(losses))

    def suggest(trial) -> dict:
        return {name: (trial.suggest_int(name, int(low), int(high), log=log) if kind == "int" else
                       trial.suggest_float(name, low, high, log=log))
                for name, (kind, low, high, log) in search.items()}

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=OBJECTIVES[objective], sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(lambda trial: measure(_rounded(suggest(trial))), n_trials=trials)
    found = tuple(Trial(t.number, _rounded(t.params), float(t.value)) for t in study.trials)
    better = (lambda a, b: a < b) if OBJECTIVES[objective] == "minimize" else (lambda a, b: a > b)
    best = found[0]
    for trial in found[1:]:
        if better(trial.objective, best.objective):
            best = trial
    return Tuned(OPTIMIZERS.build({"name": method.name, **method.params, **best.values}), best.values,
                 best.objective, found, objective)


def _rounded(values: dict) -> dict:
    """Floats to four significant digits, so a value found reads back the same from the spec it is written in."""
    return {name: float(f"{v:.4g}") if isinstance(v, float) else v for name, v in values.items()}


def tuned_table_rows(found: list[Tuned]) -> list[dict]:
    """One row per tuned optimizer: its name, the objective, the value it reached, each knob found, its spec."""
    return [{"optimizer": t.optimizer.name, "objective": t.objective_name, "value": t.objective,
             **{f"tuned_{k}": v for k, v in t.values.items()}, "trials": len(t.trials),
             "optimizer_spec": t.optimizer.spec} for t in found]


__all__ = ["OBJECTIVES", "Trial", "Tuned", "search_ranges", "tune", "tune_cost", "tuned_table_rows"]
