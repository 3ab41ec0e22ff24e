"""Sweeps: one landscape parameter or optimizer hyperparameter over a list of values, for several optimizers, as a
tidy table (one row per optimizer and value).

Two measures share the engine. "escape": every run starts inside a basin and the row counts escapes (escape.py).
"final": runs start uniformly over the domain and the row summarises where they ended. Within one landscape every
optimizer starts from the same seeded points, so rows compare like with like. Specs are built once, at the entry;
the swept variants are built from the built objects' names and parameters, never by editing strings.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments import work
from experiments.basins import DIVERGED_BASIN, UNDEFINED_BASIN
from experiments.escape import (
    RUNS,
    SEED,
    SPREAD,
    converged,
    ends_work,
    measure_escape,
    resolve_basin,
    run_to_ends,
    starts_in_basin,
    starts_work,
)
from experiments.matched import (
    MATCH_MODE,
    MATCH_RUNS,
    MATCH_WINDOW,
    lengths_work,
    matched_step,
    matching_work,
    reference_step_lengths,
    with_step_lengths,
)
from experiments.metrics import eigen_work, largest_eigenvalue
from experiments.run import DIVERGED, UNDEFINED, as_landscape, as_optimizer, as_steps
from experiments.starts import uniform_starts
from experiments.survival import Survival, late_escape
from experiments.theory import kick_applies, kicked_out_share
from experiments.tune import tune as tune_optimizers
from experiments.tune import tune_cost
from experiments.watch import EARLY_WINDOW, SHARES_AT
from landscapes import LANDSCAPES, Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import Field, SpecError

MEASURES = ("escape", "final")
MAX_VALUES = 100  # values of one axis of a sweep
MAX_AXES = 2
AFTER = Field("after", "int", 0, "count escapes only among runs still in their basin at this step", low=0,
              high=10_000_000)
MAX_OPTIMIZERS = 32
GLOBAL_TOLERANCE = 1e-9  # a minimum is global when its value is within this (relative) of the lowest
SUMMARY_COLUMNS = ("converged_fraction", "global_fraction", "final_loss_mean", "final_loss_median",
                   "reached_minimum_sharpness_median", "end_point_sharpness_median", "distance_median",
                   "early_step_mean", "step_mean")
ESCAPE_COLUMNS = ("runs", "escaped", "diverged", "undefined", "escape_rate", "ci_low", "ci_high", "flatter_fraction",
                  "median_escape_step", "mean_escape_step", *(f"out_by_{t}" for t in SHARES_AT))
LATE_COLUMNS = ("after", "late_escaped", "late_runs", "late_escape_rate", "late_ci_low", "late_ci_high")
PREDICT_COLUMNS = ("predicted_out_by_2",)
PREDICT_LOG2_POINTS = 12  # 4096 low-discrepancy starts: the predicted share to about 0.5%
MATCH_COLUMNS = ("matched_to", "matched_lr", "early_step_of_reference", "match_window", "match_mode")
CURVE_COLUMNS = ("step", "in_basin", "in_basin_low", "in_basin_high", "at_risk")
FINAL_COLUMNS = ("runs", "diverged", "undefined")
TRAILER_COLUMNS = ("steps", "grad_evals", "landscape", "optimizer_spec", "kind")  # kind: the registry name that ran


@dataclass(frozen=True)
class SweepTable:
    """A tidy table: `columns` in order, and one dict per row (optimizer, swept value)."""

    columns: tuple[str, ...]
    rows: tuple[dict, ...]
    survival: SweepTable | None = None  # escape only: each row's S(t) at the checked steps, one row per step

    def to_csv(self) -> str:
        """The table as CSV; floats are written exactly (repr), so the file reads back bit for bit."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_cell(row[c], exact=True) for c in self.columns])
        return out.getvalue()

    def to_text(self, columns: tuple[str, ...] | None = None) -> str:
        """An aligned plain-text table for the terminal (4 significant digits)."""
        shown = columns or tuple(c for c in self.columns if c not in ("landscape", "optimizer_spec"))
        cells = [list(shown)] + [[_cell(row[c], exact=False) for c in shown] for row in self.rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(shown))]
        return "\n".join("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(line, widths)))
                         for line in cells) + "\n"


def _cell(value: Any, exact: bool) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if exact else f"{value:.4g}"
    return str(value)


def is_global(landscape: Landscape) -> np.ndarray:
    """(K,) bool per listed minimum: its value is the lowest (within GLOBAL_TOLERANCE, relative)."""
    values = np.array([m.value for m in landscape.minima])
    if not len(values):
        return np.zeros(0, dtype=bool)
    return np.abs(values - values.min()) <= GLOBAL_TOLERANCE * (1.0 + abs(values.min()))


@dataclass(frozen=True)
class _Job:
    """One (landscape, optimizer, steps) combination the sweep runs once, however many rows show it."""

    landscape: Landscape
    optimizer: Optimizer
    steps: int


@dataclass(frozen=True)
class _Plan:
    """What a sweep runs, checked: its axes, the surfaces (one per combination of landscape values), the jobs (each
    run once), the rows that show them, the matched-step controls and what it all costs."""

    measure: str
    runs: int
    seed: int
    spread: float
    basin: str | int
    after: int | None
    predict: bool
    axes: dict[str, list]
    kinds: dict[str, str]
    reference: Optimizer | None
    match_mode: str
    surfaces: dict[str, Landscape]
    jobs: dict[tuple[str, str, int], _Job]
    rows: list[tuple[Optimizer, dict, tuple[str, str, int]]]  # (given optimizer, {axis: value}, job key)
    # (given, point, reference's key, target, window: the steps matched over in "lr" mode, None in "lengths" mode)
    matches: list[tuple[Optimizer, dict, tuple[str, str, int], _Job, int | None]]
    costs: dict[tuple[str, str, int], work.Work]
    match_costs: list[work.Work]
    request: work.Work


def _optimizer_list(optimizers: object) -> list[Optimizer]:
    if isinstance(optimizers, (str, Mapping, Optimizer)):
        optimizers = [optimizers]
    if not isinstance(optimizers, Sequence) or isinstance(optimizers, bytes):
        raise SpecError(f"optimizers must be a list of specs such as ['adam', 'adam_cm:lr=0.01'] (got "
                        f"{type(optimizers).__name__})")
    if not 1 <= len(optimizers) <= MAX_OPTIMIZERS:
        raise SpecError(f"give between 1 and {MAX_OPTIMIZERS} optimizers (got {len(optimizers)})")
    return [as_optimizer(spec) for spec in optimizers]


def _axes(axis: object, values: object) -> dict[str, list]:
    """The swept axes as {name: values}: from `axis` and `values`, or from a mapping of several axes."""
    if axis is None:
        if values is not None and len(list(np.ravel(values))):
            raise SpecError("values were given without an axis to sweep")
        return {}
    if isinstance(axis, Mapping):
        if values is not None:
            raise SpecError("give values inside the mapping of axes, not as values=")
        if not 1 <= len(axis) <= MAX_AXES:
            raise SpecError(f"give between 1 and {MAX_AXES} axes to sweep (got {len(axis)})")
        return {name: _value_list(name, given) for name, given in axis.items()}
    return {axis: _value_list(axis, values)}


def _value_list(axis: object, values: object) -> list:
    if not isinstance(axis, str):
        raise SpecError(f"axis must be a parameter name such as 'sharpness' (got {type(axis).__name__})")
    if isinstance(values, (str, bytes, Mapping)) or values is None:
        raise SpecError(f"values must be a list of values for {axis[:40]} (got {type(values).__name__})")
    values = list(np.ravel(values)) if isinstance(values, np.ndarray) else list(values)
    if not 1 <= len(values) <= MAX_VALUES:
        raise SpecError(f"give between 1 and {MAX_VALUES} values for {axis[:40]} (got {len(values)})")
    return values


def _plan(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | str, axis: object, values: object,
          runs: int, steps: int, seed: int, basin: str | int, measure: str, equalise_grad_evals: bool,
          spread: float, after: int | None, match_step: str | None, predict: bool,
          match_window: int | Sequence[int] = EARLY_WINDOW, match_mode: str = "lr") -> _Plan:
    """Every argument of `sweep` checked, every job and row laid out, and the whole request counted."""
    if measure not in MEASURES:
        raise SpecError(f"measure must be one of {', '.join(MEASURES)} (got {str(measure)[:40]})")
    if not isinstance(equalise_grad_evals, (bool, np.bool_)):
        raise SpecError(f"equalise_grad_evals must be true or false (got {type(equalise_grad_evals).__name__})")
    runs, steps, seed, spread = RUNS.check(runs), as_steps(steps), SEED.check(seed), SPREAD.check(spread)
    if after is not None:
        if measure != "escape":
            raise SpecError("after counts late escapes: it needs the escape measure")
        after = AFTER.check(after)
    base_landscape = as_landscape(landscape)
    base_optimizers = _optimizer_list(optimizers)
    reference = _reference(base_optimizers, match_step, measure) if match_step is not None else None
    windows, match_mode = _match_windows(match_window, match_mode, reference)
    if not isinstance(predict, (bool, np.bool_)):
        raise SpecError(f"predict must be true or false (got {type(predict).__name__})")
    if predict and measure != "escape":
        raise SpecError("predict gives the kick law's share out after two steps: it needs the escape measure")
    axes = _axes(axis, values)
    kinds = {name: _axis_kind(base_landscape, base_optimizers, name) for name in axes}
    axes = {name: [_axis_field(base_landscape, base_optimizers, kinds[name], name).check(v) for v in given]
            for name, given in axes.items()}
    if math.prod(len(v) for v in axes.values()) > MAX_VALUES**2:
        raise SpecError(f"a sweep takes at most {MAX_VALUES**2:,} combinations of values")
    surfaces: dict[str, Landscape] = {}
    jobs: dict[tuple[str, str, int], _Job] = {}
    rows = []
    matches = []
    for combination in itertools.product(*axes.values()):
        point = dict(zip(axes, combination))
        on_landscape = {name: v for name, v in point.items() if kinds[name] == "landscape"}
        surface = base_landscape
        if on_landscape:
            surface = LANDSCAPES.build({"name": base_landscape.name, **base_landscape.params, **on_landscape})
        surface = surfaces.setdefault(surface.spec, surface)
        keys = {}
        for given in base_optimizers:
            method = given
            on_optimizer = {name: v for name, v in point.items() if kinds[name] == "optimizer" and name in given.params}
            if on_optimizer:
                method = OPTIMIZERS.build({"name": given.name, **given.params, **on_optimizer})
            job_steps = steps // method.grad_evals_per_step if equalise_grad_evals else steps
            key = (surface.spec, method.spec, job_steps)
            jobs.setdefault(key, _Job(surface, method, job_steps))
            rows.append((given, point, key))
            keys[given.spec] = key
        if reference is not None:
            matches += [(given, point, keys[reference.spec], jobs[keys[given.spec]], window)
                        for window in windows for given in base_optimizers
                        if given.spec != reference.spec and memoryless(given)]
    shortest = min(job.steps for job in jobs.values())
    if after is not None and after >= shortest:
        raise SpecError(f"after must be below the runs' {shortest:,} steps, as escapes are counted after it "
                        f"(got {after:,})")
    costs = {key: _job_work(job, measure, runs, predict) for key, job in jobs.items()}
    match_costs = [work.total([matching_work(job.landscape, job.optimizer, runs, window) if window is not None else
                               lengths_work(job.landscape, jobs[key].optimizer, runs, job.steps),
                               _job_work(job, measure, runs, predict)]) for _, _, key, job, window in matches]
    # Per surface, once: its minima, and for escapes the search for the basin's edge and the draws of the starts.
    per_surface = [work.setup_work(s) + (starts_work(s, runs) if measure == "escape" else work.Work())
                   for s in surfaces.values()]
    request = work.total(per_surface + list(costs.values()) + match_costs)
    return _Plan(measure, runs, seed, spread, basin, after, bool(predict), axes, kinds, reference, match_mode,
                 surfaces, jobs, rows, matches, costs, match_costs, request)


def sweep_work(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | str,
               axis: str | Mapping[str, Sequence] | None = None, values: Sequence | np.ndarray | None = None,
               runs: int = 500, steps: int = 500, seed: int = 0, basin: str | int = "sharp", measure: str = "escape",
               equalise_grad_evals: bool = False, spread: float = 0.5, after: int | None = None,
               match_step: str | None = None, predict: bool = False,
               match_window: int | Sequence[int] = EARLY_WINDOW, match_mode: str = "lr",
               tune: Mapping | None = None) -> work.Work:
    """What `sweep` with these arguments costs, counted (and every argument checked) without running anything."""
    request = _plan(landscape, optimizers, axis, values, runs, steps, seed, basin, measure, equalise_grad_evals,
                    spread, after, match_step, predict, match_window, match_mode).request
    return request if tune is None else work.total([_tuning(landscape, optimizers, tune, tune_cost), request])


@work.declares_cost(sweep_work)
def sweep(landscape: Landscape | str, optimizers: Sequence[Optimizer | str] | str,
          axis: str | Mapping[str, Sequence] | None = None, values: Sequence | np.ndarray | None = None,
          runs: int = 500, steps: int = 500, seed: int = 0,
          basin: str | int = "sharp", measure: str = "escape", equalise_grad_evals: bool = False,
          progress: Callable[[float], None] | None = None, max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK,
          spread: float = 0.5, after: int | None = None, match_step: str | None = None,
          predict: bool = False, match_window: int | Sequence[int] = EARLY_WINDOW,
          match_mode: str = "lr", tune: Mapping | None = None) -> SweepTable:
    """Run every optimizer at every value of `axis` and tabulate one row per (optimizer, value).

    `axis` names a landscape parameter (e.g. "sharpness"; it wins when both have the name) or an optimizer
    hyperparameter ("lr", "rho", "top_c", "decay", "priority", ...); an optimizer without that hyperparameter runs
    once and its row is repeated at every value, as a reference line. `axis` may also map several names to their
    values ({"lr": [...], "sharpness": [...]}): every combination is run, one row each (a phase diagram). With
    `equalise_grad_evals`, `steps` is a budget of gradient evaluations: an optimizer using k per step (SAM: 2)
    takes steps // k steps.
    `progress(fraction_done)` is called as the work completes. The whole sweep is checked against `max_work` first
    (`sweep_work` counts it).
    With `after` (escape only; below every run's steps), each row also counts the escapes among the runs still in
    their basin at that step.
    With `match_step` (escape only; the name or spec of one of `optimizers`), every optimizer without a memory
    buffer (Adam, Adam+SAM, SGD, momentum, ...: Optimizer.buffer_capacity is 0) also
    runs at the lr whose mean step over the escape window equals that optimizer's, from the same starts
    (experiments.matched, which refuses a match that needs diverging runs or that the step's growth with lr does not
    make unique), in rows labelled "NAME at REFERENCE's step" with the lr found. The matches are found first.
    `match_window` sets the escape window the mean steps are matched over (one int, or several: a row per window,
    labelled "... over W steps" unless W is the default 20); `match_mode="lengths"` instead runs each such optimizer's
    own direction with the reference's step lengths, run by run and step by step over the whole run
    (experiments.matched.with_step_lengths), in rows labelled "NAME with REFERENCE's step lengths".
    With `tune` (a mapping of experiments.tune.tune's keywords: objective, knobs, trials, runs, steps, seed, basin,
    ranges), every optimizer is first tuned on `landscape` as given, and the sweep runs each at the values found
    (its label then names them).
    With `predict` (escape only), Adam+CM rows also give the kick law's predicted share out after two steps
    (experiments.theory.kicked_out_share; nan for optimizers the law does not cover).
    An escape sweep's `survival` holds every row's survival curve (the share still in the basin at each checked
    step, with its 95% band).
    """
    if progress is not None and not callable(progress):
        raise SpecError(f"progress must be a function of the fraction done, or None (got {type(progress).__name__})")
    plan = _plan(landscape, optimizers, axis, values, runs, steps, seed, basin, measure, equalise_grad_evals, spread,
                 after, match_step, predict, match_window, match_mode)
    if max_work is not None:
        request = plan.request if tune is None else work.total([_tuning(landscape, optimizers, tune, tune_cost),
                                                                plan.request])
        tuning = "" if tune is None else " the tuning's trials,"
        work.check(request, max_work, lower=f"runs, steps,{tuning} or the number of values or optimizers")
    if tune is not None:
        tuned = [found.optimizer for found in _tuning(landscape, optimizers, tune, tune_optimizers, max_work=None)]
        plan = _plan(landscape, tuned, axis, values, runs, steps, seed, basin, measure, equalise_grad_evals, spread,
                     after, match_step, predict, match_window, match_mode)
    results, matches = _execute(plan, progress or (lambda fraction: None))
    return _tabulate(plan, results, matches)


_Key = tuple[str, str, int]  # a job's (landscape spec, optimizer spec, steps)
_Match = tuple[Optimizer, dict, _Key, dict]  # (given optimizer, {axis: value}, the match's job key, its columns)
_Measured = tuple[_Job, dict, "Survival | None"]  # a job, its measured columns and its survival curve (escape only)


def _execute(plan: _Plan, report: Callable[[float], None]) -> tuple[dict[_Key, _Measured], list[_Match]]:
    """Run every job of the plan once (the matched-step controls found first, so that a match refused wastes no
    runs), reporting the fraction of the planned work done: each job measured, and the matches with their
    columns."""
    report(0.0)
    done, results, starts = 0.0, {}, {}
    total_units = plan.request.units or 1.0
    jobs = dict(plan.jobs)

    def starts_on(surface: Landscape) -> np.ndarray:
        if surface.spec not in starts:
            starts[surface.spec] = _starts(surface, plan.measure, plan.basin, plan.runs, plan.seed, plan.spread)
        return starts[surface.spec]

    def measured(key: _Key, job: _Job, cost: float) -> None:
        nonlocal done
        if key not in results:
            results[key] = (job, *_measure(job, starts_on(job.landscape), plan.measure, plan.basin, plan.after,
                                           plan.spread if plan.predict else None))
        done += cost
        report(min(done / total_units, 1.0))

    matches = []
    traced: dict[_Key, np.ndarray] = {}  # the reference's step lengths, per reference job ("lengths" mode)
    for given, point, reference_key, target, window in plan.matches:
        reference = jobs[reference_key].optimizer
        if window is None:
            if reference_key not in traced:
                traced[reference_key] = reference_step_lengths(target.landscape, reference,
                                                               starts_on(target.landscape), target.steps)
            lengths = traced[reference_key]
            key = (target.landscape.spec, f"{target.optimizer.spec} with {reference.spec}'s step lengths", target.steps)
            jobs.setdefault(key, _Job(target.landscape, with_step_lengths(target.optimizer, lengths), target.steps))
            columns = {"matched_lr": math.nan, "early_step_of_reference": float(lengths[:EARLY_WINDOW].mean()),
                       "match_window": target.steps}
        else:
            found = matched_step(target.landscape, reference, target.optimizer,
                                 starts_on(target.landscape)[:MATCH_RUNS], window)
            key = (target.landscape.spec, found.optimizer.spec, target.steps)
            jobs.setdefault(key, _Job(target.landscape, found.optimizer, target.steps))
            columns = {"matched_lr": found.lr, "early_step_of_reference": found.reference_step, "match_window": window}
        matches.append((given, point, key, {"matched_to": reference.spec, **columns, "match_mode": plan.match_mode}))
    for key, job in plan.jobs.items():
        measured(key, job, plan.costs[key].units)
    for (_, _, key, _), cost in zip(matches, plan.match_costs):
        measured(key, jobs[key], cost.units)
    report(1.0)
    return results, matches


def _tabulate(plan: _Plan, results: dict[_Key, _Measured], matches: list[_Match]) -> SweepTable:
    """One row per (given optimizer, point of the axes) and per match, each with the structured `kind` of the
    optimizer that ran (its registry name) beside its label; and, for escapes, every row's survival curve."""
    rows, curves = [], []
    reference = plan.reference
    unmatched = {"matched_to": "", "matched_lr": math.nan, "early_step_of_reference": math.nan, "match_window": 0,
                 "match_mode": ""}
    for given, point, key, matching in [(*entry, unmatched) for entry in plan.rows] + matches:
        label = {"optimizer": given.spec}
        swept_here = {name: None for name in point if plan.kinds[name] == "optimizer"}
        if swept_here or matching is not unmatched:  # swept values and matched lrs live in their own columns
            drop = {**swept_here, **({"lr": None} if matching is not unmatched else {})}
            label["optimizer"] = OPTIMIZERS.replace({"name": given.name, **given.params}, **drop)
        if matching is not unmatched and matching["match_mode"] == "lengths":
            label["optimizer"] += f" with {reference.name}'s step lengths"
        elif matching is not unmatched:
            window = matching["match_window"]
            label["optimizer"] += f" at {reference.name}'s step" + (f" over {window} steps"
                                                                   if window != EARLY_WINDOW else "")
        label.update(point)
        job, columns, survival = results[key]
        trailer = {"steps": job.steps, "grad_evals": job.steps * job.optimizer.grad_evals_per_step,
                   "landscape": job.landscape.spec, "optimizer_spec": job.optimizer.spec, "kind": job.optimizer.name}
        rows.append({**label, **columns, **(matching if reference is not None else {}), **trailer})
        if survival is not None:
            curves += [{**label, **_curve_point(survival, k), **trailer} for k in range(len(survival.steps))]
    middle = ESCAPE_COLUMNS if plan.measure == "escape" else FINAL_COLUMNS
    if plan.predict:
        middle = (*middle, *PREDICT_COLUMNS)
    if plan.measure == "escape" and plan.after is not None:
        middle = (*middle, *LATE_COLUMNS)
    if reference is not None:
        middle = (*middle, *MATCH_COLUMNS)
    columns = ("optimizer", *plan.axes, *middle, *SUMMARY_COLUMNS, *TRAILER_COLUMNS)
    survival_table = SweepTable(("optimizer", *plan.axes, *CURVE_COLUMNS, *TRAILER_COLUMNS), tuple(curves)) \
        if plan.measure == "escape" else None
    return SweepTable(columns, tuple(rows), survival_table)


def _reference(optimizers: list[Optimizer], match_step: object, measure: str) -> Optimizer:
    """The optimizer whose early step the others are matched to, named by its name or spec."""
    if measure != "escape":
        raise SpecError("match_step compares escapes at equal step length: it needs the escape measure")
    wanted = str(match_step).strip()
    found = [m for m in optimizers if wanted in (m.name, m.spec)]
    if len(found) != 1:
        given = ", ".join(m.spec for m in optimizers)
        how = "is given more than once" if found else "is not among the optimizers"
        raise SpecError(f"match_step {wanted[:40]} {how} (given: {given[:200]})")
    if not any(m is not found[0] and memoryless(m) for m in optimizers):
        raise SpecError(f"match_step {wanted[:40]}: give an optimizer without a memory buffer to match (such as adam "
                        "or sgd)")
    return found[0]


def _match_windows(match_window: object, match_mode: object, reference: Optimizer | None
                   ) -> tuple[list[int | None], str]:
    """The windows the matched rows are matched over (None: "lengths" mode, which matches every step) and the mode,
    checked; the defaults when there is no reference, and a refusal if either was moved without one."""
    mode = MATCH_MODE.check(match_mode)
    given = [match_window] if isinstance(match_window, (int, np.integer, str)) else match_window
    if not isinstance(given, Sequence) or isinstance(given, bytes) or not 1 <= len(given) <= MAX_VALUES:
        raise SpecError(f"match_window must be a number of steps or a list of them (got {str(match_window)[:40]})")
    windows = list(dict.fromkeys(MATCH_WINDOW.check(w) for w in given))
    if reference is None:
        if mode != MATCH_MODE.default or windows != [EARLY_WINDOW]:
            raise SpecError("match_window and match_mode say how to match a step: give match_step too")
        return [], mode
    if mode == "lengths":
        if windows != [EARLY_WINDOW]:
            raise SpecError("match_mode=lengths matches every step of the run: it takes no match_window")
        return [None], mode
    return windows, mode


def _tuning(landscape: Landscape | str, optimizers: object, settings: object, call: Callable, **extra: Any) -> Any:
    """experiments.tune's `call` (tune or tune_cost) on the sweep's landscape and optimizers with `settings`."""
    if not isinstance(settings, Mapping):
        raise SpecError(f"tune must be a mapping of tune's keywords such as {{'objective': 'final_loss'}} (got "
                        f"{type(settings).__name__})")
    return call(as_landscape(landscape), _optimizer_list(optimizers), **settings, **extra)


def memoryless(optimizer: Optimizer) -> bool:
    """An optimizer the matched-step control runs: one with an lr and no buffer of past momenta."""
    return "lr" in optimizer.params and not has_buffer(optimizer)


def has_buffer(optimizer: Optimizer) -> bool:
    """An optimizer with a buffer of past momenta (it declares its capacity): what the matched-step control compares
    the others to."""
    return optimizer.buffer_capacity > 0


def _curve_point(survival: Survival, k: int) -> dict:
    return {"step": int(survival.steps[k]), "in_basin": float(survival.survival[k]),
            "in_basin_low": float(survival.low[k]), "in_basin_high": float(survival.high[k]),
            "at_risk": int(survival.at_risk[k])}


def _axis_kind(landscape: Landscape, optimizers: list[Optimizer], axis: str) -> str:
    """Whether `axis` is a "landscape" or an "optimizer" parameter."""
    if axis in landscape.params and axis in {f.name for f in LANDSCAPES.entry(landscape.name).fields}:
        return "landscape"
    if any(axis in method.params for method in optimizers):
        return "optimizer"
    own = ", ".join(landscape.params) or "none"
    raise SpecError(f"no optimizer given has a parameter '{axis[:40]}', and {landscape.name} has only: {own}")


def _axis_field(landscape: Landscape, optimizers: list[Optimizer], kind: str, axis: str):
    """The schema field that checks the swept values: the landscape's, or the first optimizer's having it."""
    if kind == "landscape":
        return LANDSCAPES.entry(landscape.name).field(axis)
    return next(OPTIMIZERS.entry(m.name).field(axis) for m in optimizers if axis in m.params)


def _job_work(job: _Job, measure: str, runs: int, predict: bool) -> work.Work:
    """One job's runs and their summaries (the end points' basins and largest eigenvalues); the surface's minima
    and starts are counted once per surface by the caller."""
    parts = [eigen_work(job.landscape, runs)]
    if measure == "escape":
        parts.append(ends_work(job.landscape, job.optimizer, runs, job.steps))
        if predict and kick_applies(job.optimizer):
            parts.append(work.basin_work(job.landscape, 2**PREDICT_LOG2_POINTS, "the kick law's kicked points"))
    else:
        parts += [work.run_work(job.landscape, job.optimizer, runs, job.steps, 2),
                  work.basin_work(job.landscape, runs, "assigning the end points' basins")]
    return work.total(parts)


def _starts(landscape: Landscape, measure: str, basin: str | int, runs: int, seed: int, spread: float) -> np.ndarray:
    """Seeded starts shared by every optimizer on this landscape: inside the basin, or uniform over the domain."""
    if measure == "escape":
        return starts_in_basin(landscape, resolve_basin(landscape, basin), runs, seed, spread)
    return uniform_starts(landscape.domain.low, landscape.domain.high, runs, seed)


def _measure(job: _Job, starts: np.ndarray, measure: str, basin: str | int, after: int | None,
             predict_spread: float | None) -> tuple[dict, Survival | None]:
    """The row's measured columns for one optimizer on one landscape, and its survival curve (escape only); with
    `predict_spread`, the kick law's share out after two steps for starts drawn with that spread."""
    landscape = job.landscape
    if measure == "escape":
        found = measure_escape(landscape, job.optimizer, resolve_basin(landscape, basin), starts, job.steps)
        survival = found.survival
        columns = {"runs": found.runs, "escaped": found.escaped, "diverged": found.diverged,
                   "undefined": found.undefined, "escape_rate": found.escape_rate, "ci_low": found.ci_low,
                   "ci_high": found.ci_high, "flatter_fraction": found.flatter_fraction,
                   "median_escape_step": survival.median_escape_step(),
                   "mean_escape_step": survival.restricted_mean(job.steps),
                   **{f"out_by_{t}": survival.share_out(t) if t <= job.steps else math.nan for t in SHARES_AT}}
        if predict_spread is not None:
            columns["predicted_out_by_2"] = math.nan
            if kick_applies(job.optimizer):
                columns["predicted_out_by_2"] = kicked_out_share(landscape, job.optimizer, basin, predict_spread,
                                                                 PREDICT_LOG2_POINTS)
        if after is not None:
            late, counted, rate, low, high = late_escape(found.exit_steps, found.stop_steps, after)
            columns.update({"after": after, "late_escaped": late, "late_runs": counted, "late_escape_rate": rate,
                            "late_ci_low": low, "late_ci_high": high})
        ends = (found.final, found.final_losses, found.final_basins, found.converged, found.early_steps,
                found.mean_steps)
    else:
        found = run_to_ends(landscape, job.optimizer, starts, job.steps)
        columns = {"runs": len(starts), "diverged": int(np.sum(found.reasons == DIVERGED)),
                   "undefined": int(np.sum(found.reasons == UNDEFINED))}
        ends = (found.final, found.final_losses, found.basins,
                converged(landscape, found.final, found.basins, found.tail_motion), found.early_steps,
                found.mean_steps)
        survival = None
    return {**columns, **summarise_finals(landscape, starts, *ends)}, survival


def summarise_finals(landscape: Landscape, starts: np.ndarray, final: np.ndarray, losses: np.ndarray,
                     basins: np.ndarray, converged_runs: np.ndarray, early_steps: np.ndarray,
                     mean_steps: np.ndarray) -> dict:
    """Where the runs ended and how they went: the fractions converged and at a global minimum (of all runs); over
    the runs that did not stop early, the mean and median final loss, the median largest Hessian eigenvalue at the
    minimum reached (its listed value, for runs that reached a listed basin) and at the end point itself (a run still
    moving is not at its minimum), the median distance from the start, and the mean step length over the escape
    window and over the run (nan where no run counts)."""
    landed = basins >= 0
    at_global = np.zeros(len(basins), dtype=bool)
    at_global[landed] = is_global(landscape)[basins[landed]]
    alive = (basins != DIVERGED_BASIN) & (basins != UNDEFINED_BASIN)
    listed = np.array([m.sharpness for m in landscape.minima])

    def median(values: np.ndarray) -> float:
        return float(np.median(values)) if values.size else math.nan

    return {"converged_fraction": float(np.mean(converged_runs)),
            "global_fraction": float(at_global.mean()),
            "final_loss_mean": float(np.mean(losses[alive])) if alive.any() else math.nan,
            "final_loss_median": median(losses[alive]),
            "reached_minimum_sharpness_median": median(listed[basins[landed]]) if len(listed) else math.nan,
            "end_point_sharpness_median": median(largest_eigenvalue(landscape, final[alive])),
            "distance_median": median(np.linalg.norm(final[alive] - starts[alive], axis=1)),
            "early_step_mean": float(np.mean(early_steps[alive])) if alive.any() else math.nan,
            "step_mean": float(np.mean(mean_steps[alive])) if alive.any() else math.nan}
