"""Sweeps: one landscape parameter or optimizer hyperparameter over a list of values, for several optimizers, as a
tidy table (one row per optimizer and value).

Two measures share the engine. "escape": every run starts inside a basin and the row counts escapes (escape.py).
"final": runs start uniformly over the domain and the row summarises where they ended. Within one landscape every
optimizer starts from the same seeded points, so rows compare like with like.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from experiments.basins import assign_basins
from experiments.escape import RUNS, SEED, SPREAD, escape_experiment, resolve_basin, starts_in_basin
from experiments.metrics import largest_eigenvalue
from experiments.run import DEFAULT_MAX_WORK, MAX_WORK, STEPS, RunResult, run, work_units
from landscapes import LANDSCAPES, Landscape, build_landscape
from optimizers import OPTIMIZERS, build_optimizer
from specs import SpecError, format_spec

MEASURES = ("escape", "final")
SUMMARY_COLUMNS = ("global_fraction", "final_loss_mean", "final_loss_median", "sharpness_median", "distance_median")
ESCAPE_COLUMNS = ("runs", "escaped", "diverged", "escape_rate", "ci_low", "ci_high", "flatter_fraction")
FINAL_COLUMNS = ("runs", "diverged")
TRAILER_COLUMNS = ("steps", "grad_evals", "landscape", "optimizer_spec")


@dataclass(frozen=True)
class SweepTable:
    """A tidy table: `columns` in order, and one dict per row (optimizer, swept value)."""

    columns: tuple[str, ...]
    rows: tuple[dict, ...]

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


def sweep(landscape: Landscape | str, optimizers: list[str], axis: str | None = None, values: list | None = None,
          runs: int = 500, steps: int = 500, seed: int = 0, basin: str | int = "sharp", measure: str = "escape",
          equalise_grad_evals: bool = False, progress: Callable[[float], None] | None = None,
          max_work: int = DEFAULT_MAX_WORK, spread: float = 0.5) -> SweepTable:
    """Run every optimizer at every value of `axis` and tabulate one row per (optimizer, value).

    `axis` names a landscape parameter (e.g. "sharpness"; it wins when both have the name) or an optimizer
    hyperparameter ("lr", "rho", "top_c", "decay", "priority", ...); an optimizer without that hyperparameter runs
    once and its row is repeated at every value, as a reference line. With `equalise_grad_evals`, `steps` is a
    budget of gradient evaluations: an optimizer using k per step (SAM: 2) takes steps // k steps.
    `progress(fraction_done)` is called as the work completes. The whole sweep must fit within `max_work`.
    """
    if measure not in MEASURES:
        raise SpecError(f"measure must be one of {', '.join(MEASURES)} (got {measure})")
    runs, steps, seed = RUNS.check(runs), STEPS.check(steps), SEED.check(seed)
    max_work, spread = MAX_WORK.check(max_work), SPREAD.check(spread)
    if not optimizers:
        raise SpecError("give at least one optimizer")
    base_landscape = landscape.spec if isinstance(landscape, Landscape) else landscape
    kind, points = _axis_values(base_landscape, optimizers, axis, values)
    plan = []  # (row label values, landscape spec, optimizer spec, steps, grad evals per step)
    for value in points:
        landscape_spec = _with(LANDSCAPES, base_landscape, axis if kind == "landscape" else None, value)
        for given in optimizers:
            spec = _with(OPTIMIZERS, given, axis, value) if kind == "optimizer" else OPTIMIZERS.canonical(given)
            per_step = build_optimizer(spec).grad_evals_per_step
            plan.append((given, value, landscape_spec, spec, steps // per_step if equalise_grad_evals else steps,
                         per_step))
    step_cost = (landscape if isinstance(landscape, Landscape) else build_landscape(base_landscape)).step_cost
    jobs = {(p[2], p[3], p[4]): work_units(runs, p[4], p[5], step_cost) for p in plan}
    total = sum(jobs.values())
    if total > max_work:
        raise SpecError(f"the sweep's runs x steps x gradient evaluations, summed over its {len(jobs)} distinct "
                        f"runs, must be at most {max_work:,} (got {total:,}); lower runs, steps or the number of "
                        "values")
    report = progress or (lambda fraction: None)
    report(0.0)
    done, results, starts = 0, {}, {}
    surfaces = {LANDSCAPES.canonical(landscape.spec): landscape} if isinstance(landscape, Landscape) else {}
    for given, value, landscape_spec, spec, job_steps, per_step in plan:
        key = (landscape_spec, spec, job_steps)
        if key not in results:
            if landscape_spec not in surfaces:
                surfaces[landscape_spec] = build_landscape(landscape_spec)
            if landscape_spec not in starts:
                starts[landscape_spec] = _starts(surfaces[landscape_spec], measure, basin, runs, seed, spread)
            results[key] = _measure(surfaces[landscape_spec], spec, starts[landscape_spec], job_steps, measure, basin,
                                    max_work)
            done += jobs[key]
            report(done / total if total else 1.0)
    rows = []
    for given, value, landscape_spec, spec, job_steps, per_step in plan:
        label = {"optimizer": _without(given, axis) if kind == "optimizer" else OPTIMIZERS.canonical(given)}
        if kind is not None:
            label[axis] = value
        rows.append({**label, **results[(landscape_spec, spec, job_steps)], "steps": job_steps,
                     "grad_evals": job_steps * per_step, "landscape": landscape_spec, "optimizer_spec": spec})
    middle = ESCAPE_COLUMNS if measure == "escape" else FINAL_COLUMNS
    columns = ("optimizer", *([axis] if kind is not None else []), *middle, *SUMMARY_COLUMNS, *TRAILER_COLUMNS)
    report(1.0)
    return SweepTable(columns, tuple(rows))


def _axis_values(landscape: str, optimizers: list[str], axis: str | None,
                 values: list | None) -> tuple[str | None, list]:
    """Whether `axis` is a "landscape" or "optimizer" parameter (None: no sweep), and its values checked."""
    if axis is None:
        if values:
            raise SpecError("values were given without an axis to sweep")
        return None, [None]
    if not values:
        raise SpecError(f"give at least one value for {axis}")
    landscape_entry = LANDSCAPES.entry(LANDSCAPES.resolve(landscape)[0])
    if axis in {f.name for f in landscape_entry.fields}:
        field = landscape_entry.field(axis)
        return "landscape", [field.check(v) for v in values]
    entries = [OPTIMIZERS.entry(OPTIMIZERS.resolve(spec)[0]) for spec in optimizers]
    having = [e for e in entries if axis in {f.name for f in e.fields}]
    if not having:
        own = ", ".join(f.name for f in landscape_entry.fields) or "none"
        raise SpecError(f"no optimizer given has a parameter '{axis}', and {landscape_entry.name} has only: {own}")
    field = having[0].field(axis)
    return "optimizer", [field.check(v) for v in values]


def _with(registry, spec: str, axis: str | None, value: Any) -> str:
    """The canonical spec with `axis` set to `value` (unchanged if the entry has no such parameter)."""
    name, params = registry.resolve(spec)
    entry = registry.entry(name)
    if axis in params:
        params[axis] = entry.field(axis).check(value)
    return format_spec(name, params, entry.fields)


def _without(spec: str, axis: str) -> str:
    """The canonical optimizer spec with `axis` back at its default (the swept column carries it)."""
    name, params = OPTIMIZERS.resolve(spec)
    entry = OPTIMIZERS.entry(name)
    if axis in params:
        params[axis] = entry.field(axis).default
    return format_spec(name, params, entry.fields)


def _starts(landscape: Landscape, measure: str, basin: str | int, runs: int, seed: int, spread: float) -> np.ndarray:
    """Seeded starts shared by every optimizer on this landscape: inside the basin, or uniform over the domain."""
    if measure == "escape":
        return starts_in_basin(landscape, resolve_basin(landscape, basin), runs, seed, spread)
    return np.random.default_rng(seed).uniform(landscape.domain.low, landscape.domain.high, (runs, landscape.dim))


def _measure(landscape: Landscape, optimizer: str, starts: np.ndarray, steps: int, measure: str,
             basin: str | int, max_work: int) -> dict:
    """The row's measured columns for one optimizer on one landscape."""
    if measure == "escape":
        found = escape_experiment(landscape, optimizer, basin, steps=steps, max_work=max_work, starts=starts)
        columns = {"runs": found.runs, "escaped": found.escaped, "diverged": found.diverged,
                   "escape_rate": found.escape_rate, "ci_low": found.ci_low, "ci_high": found.ci_high,
                   "flatter_fraction": found.flatter_fraction}
        final, losses, final_basins = found.final, found.final_losses, found.final_basins
    else:
        result: RunResult = run(landscape, optimizer, starts, steps, record="final", max_work=max_work)
        final, losses = result.final, result.final_losses
        final_basins = np.where(result.diverged, -2, assign_basins(landscape, final))
        columns = {"runs": result.n_runs, "diverged": int(result.diverged.sum())}
    return {**columns, **summarise_finals(landscape, starts, final, losses, final_basins)}


def summarise_finals(landscape: Landscape, starts: np.ndarray, final: np.ndarray, losses: np.ndarray,
                     final_basins: np.ndarray) -> dict:
    """Where the runs that did not diverge ended: the fraction at a global minimum (of all runs), and the mean and
    median final loss, median largest Hessian eigenvalue and median distance from the start (nan if none)."""
    values = np.array([m.value for m in landscape.minima])
    lowest = values.min(initial=np.inf)
    is_global = np.abs(values - lowest) <= 1e-9 * (1.0 + abs(lowest)) if len(values) else np.zeros(0, dtype=bool)
    landed = final_basins >= 0
    at_global = np.zeros(len(final_basins), dtype=bool)
    at_global[landed] = is_global[final_basins[landed]]
    alive = final_basins != -2
    if not alive.any():
        return {"global_fraction": 0.0, **{c: math.nan for c in SUMMARY_COLUMNS[1:]}}
    return {"global_fraction": float(at_global.mean()),
            "final_loss_mean": float(np.mean(losses[alive])),
            "final_loss_median": float(np.median(losses[alive])),
            "sharpness_median": float(np.median(largest_eigenvalue(landscape, final[alive]))),
            "distance_median": float(np.median(np.linalg.norm(final[alive] - starts[alive], axis=1)))}
