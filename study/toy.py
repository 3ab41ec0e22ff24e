"""The toy study behind `cmx figures`, seeded end to end, as PNG figures and CSV tables: (a)-(e) the paper's toy
figures, (f)-(i) what explains the escape (step length against memory over several windows and run by run, the
lr x sharpness phase diagrams with the kick law's and the radius law's boundaries, variants and baselines, gradient
noise), (j)-(l) what the escape survives (a turned landscape, a warm-up, each optimizer at its own tuned lr)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from experiments import work
from experiments.escape import converged, ends_work, run_to_ends, tail_length
from experiments.metrics import measurements_work, run_measurements
from experiments.run import RunResult, run
from experiments.starts import uniform_starts
from experiments.sweep import SweepTable, is_global, sweep
from experiments.theory import kick_boundaries, radius_boundaries
from experiments.tune import tune, tune_cost, tuned_table_rows
from export import palette
from export.figures import (
    draw_escape_curve,
    draw_landscape,
    draw_paths,
    draw_survival,
    grid_figure,
    phase_figure,
    styles_of,
    trajectories_figure,
)
from landscapes import Landscape, build_landscape
from optimizers import OPTIMIZERS

STUDY_OPTIMIZERS = ("adam", "adam_sam", "adam_cm", "adam_sam_cm")
# The limit on each request of the study: its largest, (g)'s kick-free phase diagrams (3 x 63 cells x 500 steps),
# counts 236 million run-steps, most of it the fixed cost of a step of few runs (about 9 s), above the default limit
# of a request typed by hand.
STUDY_MAX_WORK = 300_000_000


@dataclass(frozen=True, kw_only=True)
class StudySize:
    """How big the toy study is: the full one for the README, a quick one for tests and smoke checks (each field
    named where it is set)."""

    shown: int  # trajectories drawn per optimizer in (a) and (b)
    explore_runs: int  # runs per optimizer behind the distances of (b) and the scatter of (d)
    explore_steps: int  # steps in (a), (b) and (d)
    runs: int  # runs per escape row in (c) and (e)
    steps: int  # steps per escape run
    sharpness: tuple[float, ...]  # (c), and the x axis of the ablations in (e)
    lrs: tuple[float, ...]  # one panel of (c) each
    top_c: tuple[int, ...]  # buffer sizes in (e)
    depth: tuple[float, ...]  # flat-basin depths in (e) (negative: shallower than the sharp basin)
    converge_steps: int  # steps in (d): long enough for most runs to settle, so sharpness is read at a minimum
    phase_lrs: tuple[float, ...]  # the lr axis of the phase diagram (g)
    phase_runs: int  # runs per cell of (g) and (i)
    noise: tuple[float, ...]  # gradient-noise sigmas of (i)
    noise_sharpness: tuple[float, ...]  # sharpnesses of (i)
    noise_steps: int  # steps of (i): the budget escape times are censored at
    phase_steps: int  # steps of (g): the horizon its escape rates are counted at
    long_steps: int  # (d): the horizon at which runs converged at converge_steps are looked at again
    control_sharpness: tuple[float, ...]  # (f)'s controls over windows and run by run
    kick_free_top_c: tuple[int, ...]  # (g)'s kick-free phase diagrams, one per buffer size
    rotations: tuple[float, ...]  # (j)'s angles
    warmups: tuple[int, ...]  # (k)'s warm-up lengths (0: none)
    tune_trials: int  # (l): Optuna trials per optimizer
    tune_runs: int  # (l): runs per trial
    dpi: int = 100
    contour: int = 160  # contour grid resolution


FULL = StudySize(shown=6, explore_runs=300, explore_steps=500, runs=1000, steps=200, sharpness=(1, 2, 4, 8, 16, 32, 64),
                 lrs=(0.02, 0.05, 0.1), top_c=(1, 2, 5, 10, 20), depth=(-1.0, -0.5, 0.0, 0.5), converge_steps=3000,
                 phase_lrs=(0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2), phase_runs=300,
                 noise=(0.0, 1.0, 3.0, 10.0, 30.0), noise_sharpness=(2, 8, 32), noise_steps=2000, phase_steps=500,
                 long_steps=20000, control_sharpness=(8, 16, 32), kick_free_top_c=(1, 5, 10),
                 rotations=(0, 15, 30, 45, 60, 75, 90), warmups=(0, 2, 5, 10, 20, 50, 100), tune_trials=30,
                 tune_runs=200)
QUICK = StudySize(shown=2, explore_runs=12, explore_steps=40, runs=40, steps=40, sharpness=(2, 16), lrs=(0.05,),
                  top_c=(2, 5), depth=(-0.5, 0.5), converge_steps=300, phase_lrs=(0.02, 0.1), phase_runs=20,
                  noise=(0.0, 3.0), noise_sharpness=(2, 16), noise_steps=40, phase_steps=60, long_steps=400,
                  control_sharpness=(16,), kick_free_top_c=(5,), rotations=(0, 45), warmups=(0, 10), tune_trials=3,
                  tune_runs=20, dpi=40, contour=40)
EXPLORE_LR = {"goldstein_price": 0.01, "ackley": 0.05}  # per landscape: a step that suits its scale
ABLATION_LR, ABLATION_SHARPNESS = 0.05, 16  # (e): the depth panel's setting, where CM escapes the sharp basin
# (f): Adam+CM as the authors wrote it, and the knobs that shorten its early steps (docs/theory.md, section 1): K_2 is
# the second step in units of lr under a constant gradient
KICK_FREE = "adam_cm:first_step=step,second_moment=direction"  # no kick, the radius law's c kept (docs/theory.md)
STEP_VARIANTS = {"adam_cm": "authors' arithmetic (K_2 = 7.44)",
                 "adam_cm:bias_correction=momentum": "bias-correct m only (K_2 = 1.96)",
                 "adam_cm:second_moment=direction": "v of the step's direction (K_2 = 1.41)",
                 KICK_FREE: "no hold, v of the direction (steps of 1 lr)",
                 "adam_cm:top_c=1": "C = 1 (S* = 1, radius 3.16 lr)"}
MATCH_WINDOWS = (2, 20, 200)  # (f): the windows the matched step is matched over
ROTATION_CASES = ((8, 0.06), (16, 0.05))  # (j): (sharpness, lr) near and above the kick's threshold
WARMUP_SHARPNESS = (16, 32)  # (k)
TUNED_OPTIMIZERS = STUDY_OPTIMIZERS  # (l)
TUNE_LANDSCAPES = ("two_basin:sharpness=16", "two_basin:sharpness=16,depth=0.5")  # (l): where the lrs are tuned
VARIANTS = ("adam", "adam_cm", "adam_cg", "adam_cm:replacement=legacy_slot0", "sgd", "momentum")  # (h)
DECAYS = (0.0, 0.7, 0.9, 0.99)  # (h): the buffer's priority decay lambda
NOISE_LR = 0.01  # (i): far below the kick's escape lr at these sharpnesses, so any escape is the noise's
NOISE_OPTIMIZERS = ("adam", "adam_cm", "sgd")


def _runs_table(landscape: Landscape, results: dict[str, RunResult]) -> SweepTable:
    """One row per run: start, end, final loss, basin (experiments.basins codes), sharpness at the end, path length,
    farthest distance, stopped early."""
    columns = ("optimizer", "run", "start_x", "start_y", "final_x", "final_y", "final_loss", "basin", "sharpness",
               "path_length", "max_distance", "diverged")
    rows = []
    for name, result in results.items():
        measured = run_measurements(landscape, result)
        basins, sharpness = measured["basin"], measured["sharpness"]
        lengths, farthest = measured["path_length"], measured["max_distance"]
        for i in range(result.n_runs):
            rows.append({"optimizer": name, "run": i, "start_x": float(result.starts[i, 0]),
                         "start_y": float(result.starts[i, 1]), "final_x": float(result.final[i, 0]),
                         "final_y": float(result.final[i, 1]), "final_loss": float(result.final_losses[i]),
                         "basin": int(basins[i]), "sharpness": float(sharpness[i]), "path_length": float(lengths[i]),
                         "max_distance": float(farthest[i]), "diverged": int(result.stopped[i])})
    return SweepTable(columns, tuple(rows))


def _explore(landscape: Landscape, runs: int, steps: int, seed: int, max_work: int | None
             ) -> dict[str, RunResult]:
    """The four optimizers on one landscape from the same seeded uniform starts, every step recorded."""
    starts = uniform_starts(landscape.domain.low, landscape.domain.high, runs, seed)
    return {name: run(landscape, spec, starts, steps, max_work=max_work)
            for name, spec in _explore_optimizers(landscape).items()}


def _explore_optimizers(landscape: Landscape) -> dict[str, str]:
    lr = EXPLORE_LR[landscape.name]
    return {name: f"{name}:lr={lr}" for name in STUDY_OPTIMIZERS}


def _explore_work(landscape: Landscape, runs: int, steps: int) -> work.Work:
    """What _explore costs, with every run measured (run_measurements)."""
    return work.total([work.setup_work(landscape), *[
        work.run_work(landscape, OPTIMIZERS.build(spec), runs, steps, steps + 1) + measurements_work(landscape, runs)
        for spec in _explore_optimizers(landscape).values()]])


def study_trajectories(size: StudySize, landscape: Landscape | None = None,
                       max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(a) Goldstein-Price: the four optimizers from the same starts."""
    landscape = landscape or build_landscape("goldstein_price")
    results = _explore(landscape, size.shown, size.explore_steps, 1, max_work)
    figure = trajectories_figure(landscape, results, resolution=size.contour)
    figure.suptitle(f"(a) goldstein_price, lr {EXPLORE_LR['goldstein_price']}, {size.explore_steps} steps: "
                    "start ○, end ●, minima ★", fontsize=10)
    return figure, _runs_table(landscape, results)


def study_exploration(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(b) Ackley: trajectories of each optimizer, and how far runs travel (median over explore_runs starts)."""
    landscape = build_landscape("ackley")
    results = _explore(landscape, size.explore_runs, size.explore_steps, 2, max_work)
    runs = _runs_table(landscape, results)
    global_basins = np.flatnonzero(is_global(landscape))
    columns = ("optimizer", "runs", "path_length_median", "max_distance_median", "global_fraction",
               "final_loss_median")
    rows = []
    for name in results:
        mine = [r for r in runs.rows if r["optimizer"] == name]
        rows.append({"optimizer": name, "runs": len(mine),
                     "path_length_median": float(np.median([r["path_length"] for r in mine])),
                     "max_distance_median": float(np.median([r["max_distance"] for r in mine])),
                     "global_fraction": float(np.mean([r["basin"] in global_basins for r in mine])),
                     "final_loss_median": float(np.median([r["final_loss"] for r in mine]))})
    figure = Figure(figsize=(15.0, 3.6), layout="constrained")
    axes = figure.subplots(1, 5, width_ratios=[1, 1, 1, 1, 1.3])
    styles = styles_of(results)
    colours = {name: style.colour for name, style in styles.items()}
    for ax, (name, result) in zip(axes, results.items()):
        draw_landscape(ax, landscape, resolution=size.contour)
        draw_paths(ax, result.first(size.shown), styles[name])
        ax.set_title(name, fontsize=9)
    x = np.arange(len(rows))
    bars = axes[4]
    bars.bar(x - 0.2, [r["path_length_median"] for r in rows], 0.4, color=[colours[r["optimizer"]] for r in rows],
             label="path length")
    bars.bar(x + 0.2, [r["max_distance_median"] for r in rows], 0.4, color=[colours[r["optimizer"]] for r in rows],
             alpha=0.45, hatch="//", label="farthest from start")
    for k, r in enumerate(rows):
        bars.annotate(f"global {r['global_fraction']:.0%}", (k, 0), textcoords="offset points", xytext=(0, 3),
                      ha="center", fontsize=7, rotation=90, va="bottom")
    bars.set_xticks(x, [r["optimizer"] for r in rows], fontsize=7)
    bars.set_title(f"median over {size.explore_runs} starts", fontsize=9)
    bars.legend(fontsize=7)
    figure.suptitle(f"(b) ackley, lr {EXPLORE_LR['ackley']}, {size.explore_steps} steps: exploration", fontsize=10)
    return figure, SweepTable(columns, tuple(rows))


def _with_lr_column(table: SweepTable, lr: float) -> SweepTable:
    """The table with an lr column after the optimizer, and lr dropped from the optimizer labels."""
    rows = [{**row, "optimizer": OPTIMIZERS.replace(row["optimizer"], lr=None), "lr": lr} for row in table.rows]
    return SweepTable((table.columns[0], "lr", *table.columns[1:]), tuple(rows))


def _with_parameter(table: SweepTable, name: str) -> SweepTable:
    """The table with a column (after the optimizer) holding each row's value of the optimizer parameter `name`."""
    rows = [{**row, name: OPTIMIZERS.resolve(row["optimizer_spec"])[1][name]} for row in table.rows]
    return SweepTable((table.columns[0], name, *table.columns[1:]), tuple(rows))


def _escape_sweeps(size: StudySize) -> list[dict]:
    """(c)'s sweeps, one per lr, as sweep's arguments."""
    return [{"landscape": "two_basin", "optimizers": [f"{name}:lr={lr}" for name in STUDY_OPTIMIZERS],
             "axis": "sharpness", "values": list(size.sharpness), "runs": size.runs, "steps": size.steps, "seed": 0,
             "predict": True} for lr in size.lrs]


def study_escape(size: StudySize, progress: Callable[[float], None] | None = None,
                 max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(c) Escape rate from the sharp basin of two_basin against its sharpness, one panel per learning rate."""
    figure, axes = grid_figure(len(size.lrs), width=4.6, height=3.6)
    columns: tuple[str, ...] = ()
    rows: list[dict] = []
    for k, (ax, lr, request) in enumerate(zip(axes, size.lrs, _escape_sweeps(size))):
        table = sweep(**request, max_work=max_work,
                      progress=None if progress is None else (lambda f, k=k: progress((k + f) / len(size.lrs))))
        table = _with_lr_column(table, lr)
        columns, rows = table.columns, rows + list(table.rows)
        draw_escape_curve(ax, table, "sharpness")
        ax.set_title(f"lr {lr}", fontsize=9)
    figure.suptitle(f"(c) escape from the sharp basin of two_basin: {size.runs} runs, {size.steps} steps, "
                    "starts within half the basin's radius", fontsize=10)
    return figure, SweepTable(columns, tuple(rows))


def study_sharpness_distance(size: StudySize, landscape: Landscape | None = None,
                             max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(d) Goldstein-Price after converge_steps: which minima the runs reach, and the sharpness there, counted only
    for runs that converged (an end point still moving says nothing about the minimum it is heading for); then the
    same runs continued to long_steps: "converged" is a horizon, and the share of the converged runs that still are
    says whether it was a transient."""
    landscape = landscape or build_landscape("goldstein_price")
    results = _explore(landscape, size.explore_runs, size.converge_steps, 3, max_work)
    listed = np.array([m.sharpness for m in landscape.minima])
    columns = ("optimizer", "runs", "converged", "converged_fraction", *(f"at_minimum_{k}" for k in
               range(len(listed))), "reached_sharpness_median", "end_point_sharpness_median", "path_length_median",
               "steps", "long_steps", "converged_fraction_long", "still_converged",
               "converged_distance_long_median_lr")
    rows = []
    figure = Figure(figsize=(11.0, 4.2), layout="constrained")
    scatter, bars = figure.subplots(1, 2)
    colours = {name: style.colour for name, style in styles_of(results).items()}
    width = 0.8 / len(results)
    for k, (name, result) in enumerate(results.items()):
        measured = run_measurements(landscape, result)
        tail = tail_length(size.converge_steps)
        motion = np.max(np.linalg.norm(result.positions[-tail:] - result.positions[-tail - 1], axis=2), axis=0)
        settled = converged(landscape, result.final, measured["basin"], motion) & ~result.stopped
        reached = listed[measured["basin"][settled]]
        counts = np.bincount(measured["basin"][settled], minlength=len(listed))
        later = run_to_ends(landscape, OPTIMIZERS.build(result.optimizer), result.starts, size.long_steps)
        settled_later = converged(landscape, later.final, later.basins, later.tail_motion) & (later.reasons == 0)
        minima = np.array([m.location for m in landscape.minima])
        lr = OPTIMIZERS.resolve(result.optimizer)[1]["lr"]
        away = np.linalg.norm(later.final[settled] - minima[measured["basin"][settled]], axis=1) / lr
        rows.append({"optimizer": name, "runs": result.n_runs, "converged": int(settled.sum()),
                     "converged_fraction": float(settled.mean()),
                     **{f"at_minimum_{j}": int(c) for j, c in enumerate(counts)},
                     "reached_sharpness_median": float(np.median(reached)) if settled.any() else float("nan"),
                     "end_point_sharpness_median": float(np.median(measured["sharpness"][settled]))
                     if settled.any() else float("nan"),
                     "path_length_median": float(np.median(measured["path_length"][settled]))
                     if settled.any() else float("nan"), "steps": size.converge_steps,
                     "long_steps": size.long_steps, "converged_fraction_long": float(settled_later.mean()),
                     "still_converged": float(settled_later[settled].mean()) if settled.any() else float("nan"),
                     "converged_distance_long_median_lr": float(np.median(away)) if settled.any() else float("nan")})
        scatter.scatter(measured["path_length"][settled], measured["sharpness"][settled], s=8, color=colours[name],
                        alpha=0.35, linewidths=0, label=f"{name}: {settled.mean():.0%} converged")
        bars.bar(np.arange(len(listed)) + (k - (len(results) - 1) / 2) * width, counts / result.n_runs, width,
                 color=colours[name], label=name)
    if any(row["converged"] for row in rows):
        scatter.set_yscale("log")
    scatter.set_xlabel("path length (distance travelled)")
    scatter.set_ylabel("largest Hessian eigenvalue at the end")
    scatter.grid(alpha=0.3)
    scatter.legend(fontsize=7)
    scatter.set_title("converged runs only", fontsize=9)
    bars.set_xticks(np.arange(len(listed)), [f"f = {m.value:.3g}\nλmax {m.sharpness:.3g}" for m in landscape.minima],
                    fontsize=7)
    bars.set_ylabel("share of runs converged there")
    bars.grid(alpha=0.3, axis="y")
    bars.legend(fontsize=7)
    bars.set_title("the minima the runs settle in", fontsize=9)
    figure.suptitle(f"(d) goldstein_price, lr {EXPLORE_LR['goldstein_price']}, {size.explore_runs} starts, "
                    f"{size.converge_steps} steps (converged then: {still_text(rows)} still converged at "
                    f"{size.long_steps})", fontsize=9)
    return figure, SweepTable(columns, tuple(rows))


def still_text(rows: list[dict]) -> str:
    """Each optimizer's share of its converged runs still converged at the long horizon, for a title."""
    return ", ".join(f"{row['optimizer']} {row['still_converged']:.0%}" for row in rows)


def _long_work(landscape: Landscape, size: StudySize) -> list[work.Work]:
    """(d)'s runs continued to the long horizon, kept to their end points: a request per optimizer."""
    return [ends_work(landscape, OPTIMIZERS.build(spec), size.explore_runs, size.long_steps)
            for spec in _explore_optimizers(landscape).values()]


def _ablation_sweeps(size: StudySize) -> dict[str, dict]:
    """(e)'s sweeps as sweep's arguments: CM's priority modes and buffer sizes against sharpness, the flat basin's
    depth."""
    against_sharpness = {"landscape": "two_basin", "axis": "sharpness", "values": list(size.sharpness),
                         "runs": size.runs, "steps": size.steps}
    return {"priority": {**against_sharpness, "optimizers": [f"adam_cm:lr={ABLATION_LR},priority={p}" for p in (
                "grad_norm", "momentum_norm", "fifo", "random")]},
            "buffer": {**against_sharpness, "optimizers": [f"adam_cm:lr={ABLATION_LR},top_c={c}" for c in size.top_c]},
            "depth": {"landscape": f"two_basin:sharpness={ABLATION_SHARPNESS}",
                      "optimizers": [f"{name}:lr={ABLATION_LR}" for name in STUDY_OPTIMIZERS], "axis": "depth",
                      "values": list(size.depth), "runs": size.runs, "steps": size.steps}}


def study_ablations(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, dict[str, SweepTable]]:
    """(e) CM's priority modes and buffer size C against sharpness, and a flat basin that is shallower."""
    found = {name: sweep(**request, max_work=max_work) for name, request in _ablation_sweeps(size).items()}
    tables = {"priority": _with_parameter(found["priority"], "priority"),
              "buffer": _with_parameter(found["buffer"], "top_c"),
              "depth": _with_lr_column(found["depth"], ABLATION_LR)}
    figure = Figure(figsize=(18.0, 4.0), layout="constrained")
    axes = figure.subplots(1, 4)
    draw_escape_curve(axes[0], tables["priority"], "sharpness", series="priority")
    axes[0].set_title(f"CM priority modes (adam_cm, lr {ABLATION_LR})", fontsize=9)
    draw_escape_curve(axes[1], tables["buffer"], "sharpness", series="top_c")
    axes[1].set_title(f"buffer size C (adam_cm, lr {ABLATION_LR})", fontsize=9)
    draw_escape_curve(axes[2], tables["depth"], "depth")
    axes[2].set_title(f"flat basin depth (sharpness {ABLATION_SHARPNESS}; < 0: shallower)", fontsize=9)
    _draw_final_loss(axes[3], tables["depth"], "depth")
    axes[3].set_title("mean final loss (sharp minimum at 0)", fontsize=9)
    figure.suptitle(f"(e) ablations on two_basin: {size.runs} runs, {size.steps} steps each", fontsize=10)
    return figure, tables


def _step_length_sweep(size: StudySize) -> dict:
    """(f)'s sweep as sweep's arguments: the step variants, Adam and Adam+SAM matched to Adam+CM's early step."""
    optimizers = [f"{name},lr={ABLATION_LR}" if ":" in name else f"{name}:lr={ABLATION_LR}"
                  for name in (*STEP_VARIANTS, "adam", "adam_sam")]
    return {"landscape": "two_basin", "optimizers": optimizers, "axis": "sharpness", "values": list(size.sharpness),
            "runs": size.runs, "steps": size.steps, "match_step": optimizers[0]}


def _control_sweeps(size: StudySize) -> dict[str, dict]:
    """(f)'s controls at control_sharpness as sweep's arguments: Adam matched to Adam+CM's mean step over each of
    MATCH_WINDOWS, and Adam's direction with each run's step lengths under Adam+CM and under the kick-free Adam+CM."""
    at = {"landscape": "two_basin", "axis": "sharpness", "values": list(size.control_sharpness), "runs": size.runs,
          "steps": size.steps}
    adam, authors, kick_free = (f"adam:lr={ABLATION_LR}", f"adam_cm:lr={ABLATION_LR}",
                                OPTIMIZERS.canonical(f"{KICK_FREE},lr={ABLATION_LR}"))
    return {"windows": {**at, "optimizers": [authors, adam], "match_step": "adam_cm",
                        "match_window": list(MATCH_WINDOWS)},
            "lengths": {**at, "optimizers": [authors, adam], "match_step": "adam_cm", "match_mode": "lengths"},
            "kick_free_lengths": {**at, "optimizers": [kick_free, adam], "match_step": kick_free,
                                  "match_mode": "lengths"}}


def _controls_table(found: dict[str, SweepTable]) -> SweepTable:
    """The controls' rows (the matched ones, each once) in one table, labelled by what they hold equal."""
    rows = []
    for name, table in found.items():
        for row in table.rows:
            if row["matched_to"]:
                kick_free = name == "kick_free_lengths"
                rows.append({**row, "optimizer": "adam with kick-free adam_cm's step lengths" if kick_free
                             else row["optimizer"]})
    columns = next(iter(found.values())).columns
    return SweepTable(columns, tuple(rows))


def study_step_length(size: StudySize, max_work: int | None = STUDY_MAX_WORK
                      ) -> tuple[Figure, dict[str, SweepTable]]:
    """(f) Memory or step length: Adam+CM and the knobs that shorten its early steps (and C = 1), against Adam and
    Adam+SAM run at the lr that matches Adam+CM's mean step over the first 20 steps, with the survival curves at
    sharpness 16; then the controls at control_sharpness: the matched step over 2, 20 and 200 steps, and Adam's
    direction with each run's own step lengths under Adam+CM and under the kick-free Adam+CM."""
    request = _step_length_sweep(size)
    optimizers = request["optimizers"]
    table = sweep(**request, max_work=max_work)
    controls = _controls_table({name: sweep(**arguments, max_work=max_work)
                                for name, arguments in _control_sweeps(size).items()})
    labels = {OPTIMIZERS.build(spec).spec: text for spec, text in zip(optimizers, STEP_VARIANTS.values())}
    figure = Figure(figsize=(20.0, 4.6), layout="constrained")
    curve, survival, steps, held = figure.subplots(1, 4)
    draw_escape_curve(curve, table, "sharpness", labels=labels)
    curve.set_title(f"escape rate, lr {ABLATION_LR} (matched rows: the lr giving Adam+CM's early step)", fontsize=8)
    shown = ABLATION_SHARPNESS if ABLATION_SHARPNESS in size.sharpness else size.sharpness[-1]
    picked = SweepTable(table.survival.columns, tuple(r for r in table.survival.rows if r["sharpness"] == shown))
    draw_survival(survival, picked, labels)
    survival.set_title(f"share still in the sharp basin, sharpness {shown:g}", fontsize=8)
    at = [r for r in table.rows if r["sharpness"] == shown]
    names = [r["optimizer"] for r in at]
    styles = palette.styles_for([r["kind"] for r in at])
    steps.barh(np.arange(len(at)), [r["early_step_mean"] / ABLATION_LR for r in at], color=[s.colour for s in styles],
               hatch=[s.matplotlib_hatch for s in styles], edgecolor="white")
    steps.set_yticks(np.arange(len(at)), [labels.get(n, n) for n in names], fontsize=6)
    steps.set_xlabel("mean step over the first 20 steps, in units of lr 0.05")
    steps.grid(alpha=0.3, axis="x")
    steps.set_title(f"early step length, sharpness {shown:g}", fontsize=8)
    _draw_controls(held, controls, size.control_sharpness)
    figure.suptitle(f"(f) memory or step length? two_basin, {size.runs} runs, {size.steps} steps", fontsize=10)
    return figure, {"": table, "_survival": table.survival, "_controls": controls}


def _draw_controls(ax: Axes, controls: SweepTable, sharpness: tuple[float, ...]) -> None:
    """Grouped bars: each control's escape rate (95% interval) at each sharpness."""
    kinds = dict((row["optimizer"], row["kind"]) for row in controls.rows)  # label -> kind, in first-seen order
    names = list(kinds)
    styles = palette.styles_for(list(kinds.values()))
    width = 0.8 / max(len(names), 1)
    for k, (name, style) in enumerate(zip(names, styles)):
        rows = [next(r for r in controls.rows if r["optimizer"] == name and r["sharpness"] == v) for v in sharpness]
        rate = np.array([r["escape_rate"] for r in rows])
        ax.bar(np.arange(len(sharpness)) + (k - (len(names) - 1) / 2) * width, rate, width, color=style.colour,
               hatch=style.matplotlib_hatch, edgecolor="white", label=name,
               yerr=[rate - [r["ci_low"] for r in rows], [r["ci_high"] for r in rows] - rate], capsize=2)
    ax.set_xticks(np.arange(len(sharpness)), [f"sharpness {v:g}" for v in sharpness], fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("escape rate")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=6)
    ax.set_title(f"controls, lr {ABLATION_LR}: matched over 2, 20, 200 steps; run by run", fontsize=8)


def _phase_sweeps(size: StudySize) -> dict[str, dict]:
    """(g)'s sweeps as sweep's arguments: Adam and Adam+CM over lr and sharpness, and the kick-free Adam+CM at each
    of kick_free_top_c (two thirds of the runs a cell: its cells are many)."""
    axes = {"lr": list(size.phase_lrs), "sharpness": list(size.sharpness)}
    return {"": {"landscape": "two_basin", "optimizers": ["adam", "adam_cm"], "axis": axes, "runs": size.phase_runs,
                 "steps": size.phase_steps},
            "_kick_free": {"landscape": "two_basin", "optimizers": [f"{KICK_FREE},top_c={c}"
                                                                    for c in size.kick_free_top_c],
                           "axis": axes, "runs": 2 * size.phase_runs // 3, "steps": size.phase_steps}}


def study_phase(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, dict[str, SweepTable]]:
    """(g) Escape rate over lr and sharpness at a horizon of phase_steps: Adam, Adam+CM, and Adam+CM without its kick
    at several buffer sizes C, with the kick law's boundary (the second step reaches the basin's edge from next to
    the minimum) and the radius law's (the oscillation at the minimum reaches it)."""
    tables = {suffix: sweep(**request, max_work=max_work) for suffix, request in _phase_sweeps(size).items()}
    both = SweepTable(tables[""].columns, tables[""].rows + tables["_kick_free"].rows)
    figure = phase_figure(both, "lr", "sharpness", boundaries=kick_boundaries(both, "lr", "sharpness"),
                          radius_boundaries=radius_boundaries(both, "lr", "sharpness"))
    figure.suptitle(f"(g) escape rate on two_basin after {size.phase_steps} steps: {size.phase_runs} runs a cell "
                    f"({2 * size.phase_runs // 3} without the kick); dashed: the kick law's escape lr, dotted: the "
                    "radius law's", fontsize=9)
    return figure, tables


def _variant_sweeps(size: StudySize) -> dict[str, dict]:
    """(h)'s sweeps as sweep's arguments: the variants and baselines, and the priority decays, against sharpness."""
    against_sharpness = {"landscape": "two_basin", "axis": "sharpness", "values": list(size.sharpness),
                         "runs": size.runs, "steps": size.steps}
    given = [f"{name},lr={ABLATION_LR}" if ":" in name else f"{name}:lr={ABLATION_LR}" for name in VARIANTS]
    return {"": {**against_sharpness, "optimizers": given},
            "_decay": {**against_sharpness, "optimizers": [f"adam_cm:lr={ABLATION_LR},decay={d}" for d in DECAYS]}}


def study_variants(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, dict[str, SweepTable]]:
    """(h) Critical gradients against critical momenta, the publication-time buffer rule, SGD and momentum, and the
    priority decay lambda, against sharpness."""
    found = {suffix: sweep(**request, max_work=max_work) for suffix, request in _variant_sweeps(size).items()}
    tables = {"": found[""], "_decay": _with_parameter(found["_decay"], "decay")}
    figure = Figure(figsize=(12.0, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    draw_escape_curve(left, tables[""], "sharpness")
    left.set_title(f"variants and baselines, lr {ABLATION_LR}", fontsize=9)
    draw_escape_curve(right, tables["_decay"], "sharpness", series="decay")
    right.set_title(f"priority decay λ (adam_cm, lr {ABLATION_LR})", fontsize=9)
    figure.suptitle(f"(h) two_basin: {size.runs} runs, {size.steps} steps each", fontsize=10)
    return figure, tables


def _noise_sweep(size: StudySize) -> dict:
    """(i)'s sweep as sweep's arguments: three optimizers over noise sigma and sharpness."""
    return {"landscape": "two_basin", "optimizers": [f"{name}:lr={NOISE_LR}" for name in NOISE_OPTIMIZERS],
            "axis": {"noise": list(size.noise), "sharpness": list(size.noise_sharpness)}, "runs": size.phase_runs,
            "steps": size.noise_steps}


def study_noise(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(i) Escape driven by gradient noise: the mean escape step (restricted to the step budget: a run that never
    leaves counts the budget) over noise sigma and sharpness, at an lr too small for the kick."""
    table = sweep(**_noise_sweep(size), max_work=max_work)
    figure = phase_figure(table, "noise", "sharpness", value="mean_escape_step")
    figure.suptitle(f"(i) mean escape step under gradient noise (lr {NOISE_LR}, {size.phase_runs} runs a cell, "
                    f"censored at {size.noise_steps} steps)", fontsize=9)
    return figure, table


def _with_columns(table: SweepTable, **values: object) -> SweepTable:
    """The table with columns of constant values after the optimizer's."""
    return SweepTable((table.columns[0], *values, *table.columns[1:]),
                      tuple({**row, **values} for row in table.rows))


def _stacked(tables: list[SweepTable]) -> SweepTable:
    return SweepTable(tables[0].columns, tuple(row for table in tables for row in table.rows))


def _draw_predicted_out_by_2(ax: Axes, table: SweepTable, axis: str) -> None:
    """The kick law's predicted share out after two steps (black dashes) and the measured share (grey dots) of the
    rows the law covers."""
    rows = sorted((r for r in table.rows if not math.isnan(r["predicted_out_by_2"])), key=lambda r: r[axis])
    if rows:
        ax.plot([r[axis] for r in rows], [r["predicted_out_by_2"] for r in rows], "k--", linewidth=1,
                label="adam_cm: out by step 2, kick law")
        ax.plot([r[axis] for r in rows], [r["out_by_2"] for r in rows], ":", color="0.4", marker=".",
                label="adam_cm: out by step 2, measured")
        ax.legend(fontsize=6)


def _rotation_sweeps(size: StudySize) -> list[dict]:
    """(j)'s sweeps as sweep's arguments: Adam, Adam+CM and the kick-free Adam+CM against the landscape's rotation,
    one per (sharpness, lr) of ROTATION_CASES."""
    return [{"landscape": f"two_basin:sharpness={s}", "optimizers": [f"adam:lr={lr}", f"adam_cm:lr={lr}",
                                                                     f"{KICK_FREE},lr={lr}"],
             "axis": "rotation", "values": list(size.rotations), "runs": size.runs, "steps": size.steps,
             "predict": True} for s, lr in ROTATION_CASES]


def study_rotation(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(j) Escape against the landscape's rotation about the sharp minimum, with the kick law's predicted share out
    after two steps: Adam's and Adam+CM's steps act per coordinate, so the kick is longest along a diagonal."""
    figure, axes = grid_figure(len(ROTATION_CASES), width=4.8, height=3.8)
    tables = []
    for ax, (sharpness, lr), request in zip(axes, ROTATION_CASES, _rotation_sweeps(size)):
        table = _with_columns(_with_lr_column(sweep(**request, max_work=max_work), lr), sharpness=sharpness)
        tables.append(table)
        draw_escape_curve(ax, table, "rotation", log=False)
        _draw_predicted_out_by_2(ax, table, "rotation")
        ax.set_title(f"sharpness {sharpness}, lr {lr}", fontsize=9)
    figure.suptitle(f"(j) escape from two_basin's sharp basin turned about its minimum: {size.runs} runs, "
                    f"{size.steps} steps", fontsize=10)
    return figure, _stacked(tables)


def _warmup_sweeps(size: StudySize) -> list[dict]:
    """(k)'s sweeps as sweep's arguments: Adam, Adam+CM and the kick-free Adam+CM against the warm-up length, one
    per sharpness of WARMUP_SHARPNESS, over phase_steps steps."""
    return [{"landscape": f"two_basin:sharpness={s}", "optimizers": [f"adam:lr={ABLATION_LR}",
                                                                     f"adam_cm:lr={ABLATION_LR}",
                                                                     f"{KICK_FREE},lr={ABLATION_LR}"],
             "axis": "warmup", "values": list(size.warmups), "runs": size.runs, "steps": size.phase_steps,
             "predict": True} for s in WARMUP_SHARPNESS]


def study_warmup(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(k) Escape against a linear lr warm-up of K steps (step t at lr (t+1)/K): the kick scales with the lr at step
    2 (the kick law under a schedule: K_2 · 2/K), so does the escape survive a standard warm-up?"""
    figure, axes = grid_figure(len(WARMUP_SHARPNESS), width=4.8, height=3.8)
    tables = []
    for ax, sharpness, request in zip(axes, WARMUP_SHARPNESS, _warmup_sweeps(size)):
        table = _with_columns(_with_lr_column(_with_parameter(sweep(**request, max_work=max_work), "warmup"),
                                              ABLATION_LR), sharpness=sharpness)
        tables.append(table)
        draw_escape_curve(ax, table, "warmup", log=False)
        _draw_predicted_out_by_2(ax, table, "warmup")
        ax.set_title(f"sharpness {sharpness}, lr {ABLATION_LR}", fontsize=9)
    figure.suptitle(f"(k) escape under a linear warm-up of K steps (0: none): {size.runs} runs, {size.phase_steps} "
                    "steps", fontsize=10)
    return figure, _stacked(tables)


def _tunings(size: StudySize) -> list[dict]:
    """(l)'s tunings as tune's arguments: each optimizer's lr for the mean final loss from the domain."""
    return [{"landscape": spec, "optimizers": list(TUNED_OPTIMIZERS), "objective": "final_loss", "knobs": ["lr"],
             "trials": size.tune_trials, "runs": size.tune_runs, "steps": size.steps} for spec in TUNE_LANDSCAPES]


def _tuned_escape_sweep(size: StudySize, optimizers: list[str]) -> dict:
    return {"landscape": "two_basin", "optimizers": optimizers, "axis": "sharpness",
            "values": list(size.control_sharpness), "runs": size.runs, "steps": size.steps}


def study_tuned(size: StudySize, max_work: int | None = STUDY_MAX_WORK) -> tuple[Figure, dict[str, SweepTable]]:
    """(l) Each optimizer at its own tuned lr (Optuna's seeded TPE, the mean final loss of runs from the domain,
    tune_trials trials), then its escape from the sharp basin at that lr."""
    figure, axes = grid_figure(len(TUNE_LANDSCAPES), width=4.8, height=3.8)
    tuned_rows, escapes = [], []
    for ax, request in zip(axes, _tunings(size)):
        found = tune(**request, max_work=max_work)
        tuned_rows += [{"tuned_on": request["landscape"], **row} for row in tuned_table_rows(found)]
        table = _with_columns(sweep(**_tuned_escape_sweep(size, [t.optimizer.spec for t in found]),
                                    max_work=max_work), tuned_on=request["landscape"])
        escapes.append(table)
        draw_escape_curve(ax, table, "sharpness")
        ax.set_title(f"lrs tuned on {request['landscape']}", fontsize=8)
    figure.suptitle(f"(l) escape at each optimizer's own lr (tuned for the final loss: {size.tune_trials} trials of "
                    f"{size.tune_runs} runs); {size.runs} runs, {size.steps} steps", fontsize=9)
    columns = tuple(dict.fromkeys(key for row in tuned_rows for key in row))
    return figure, {"": SweepTable(columns, tuple(tuned_rows)), "_escape": _stacked(escapes)}


def _tuned_work(size: StudySize) -> list[work.Work]:
    """(l)'s tunings and its escape sweeps (counted at the optimizers' default lr: a run's cost does not depend on
    its lr)."""
    return [*(tune_cost(**request) for request in _tunings(size)),
            *(sweep.cost(**_tuned_escape_sweep(size, list(TUNED_OPTIMIZERS))) for _ in TUNE_LANDSCAPES)]


def _draw_final_loss(ax: Axes, table: SweepTable, axis: str) -> None:
    kinds = {row["optimizer"]: row["kind"] for row in table.rows}  # each row names the optimizer that ran
    names = list(kinds)
    styles = dict(zip(names, palette.styles_for(list(kinds.values()))))
    for name in names:
        rows = sorted((r for r in table.rows if r["optimizer"] == name), key=lambda r: r[axis])
        style = styles[name]
        ax.plot([r[axis] for r in rows], [r["final_loss_mean"] for r in rows], color=style.colour,
                linestyle=style.matplotlib_linestyle, **style.matplotlib_marker_style(4), label=name)
    ax.set_xlabel(axis)
    ax.set_ylabel("mean final loss")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


Tables = dict[str, SweepTable]  # a study's tables by file-name suffix ("" for the main one)


@dataclass(frozen=True)
class Study:
    """One study of the toy study: its share of the whole study's time (for the progress bar), what it computes
    (its figure and tables, from the size, the shared Goldstein-Price and a progress callback) and what it requests
    (one Work per request, counted with every argument checked before any runs)."""

    share: float
    compute: Callable[[StudySize, Landscape, Callable[[float], None] | None], tuple[Figure, Tables]]
    requests: Callable[[StudySize, Landscape], list[work.Work]]


def _main_table(found: tuple[Figure, SweepTable]) -> tuple[Figure, Tables]:
    return found[0], {"": found[1]}


def _panel_tables(found: tuple[Figure, Tables]) -> tuple[Figure, Tables]:
    """Tables by panel ("buffer") as tables by file-name suffix ("_buffer")."""
    return found[0], {f"_{name}": table for name, table in found[1].items()}


def _sweeps_work(requests: list[dict]) -> list[work.Work]:
    return [sweep.cost(**request) for request in requests]


# Each study by its files' stem.
STUDIES: dict[str, Study] = {
    "a_goldstein_price_trajectories": Study(
        0.05, lambda size, gp, progress: _main_table(study_trajectories(size, gp, None)),
        lambda size, gp: [_explore_work(gp, size.shown, size.explore_steps)]),
    "b_ackley_exploration": Study(
        0.05, lambda size, gp, progress: _main_table(study_exploration(size, None)),
        lambda size, gp: [_explore_work(build_landscape("ackley"), size.explore_runs, size.explore_steps)]),
    "c_escape_vs_sharpness": Study(
        0.3, lambda size, gp, progress: _main_table(study_escape(size, progress, None)),
        lambda size, gp: _sweeps_work(_escape_sweeps(size))),
    "d_sharpness_vs_distance": Study(
        0.1, lambda size, gp, progress: _main_table(study_sharpness_distance(size, gp, None)),
        lambda size, gp: [_explore_work(gp, size.explore_runs, size.converge_steps), *_long_work(gp, size)]),
    "e_ablations": Study(
        0.1, lambda size, gp, progress: _panel_tables(study_ablations(size, None)),
        lambda size, gp: _sweeps_work(list(_ablation_sweeps(size).values()))),
    "f_memory_vs_step_length": Study(
        0.1, lambda size, gp, progress: study_step_length(size, None),
        lambda size, gp: _sweeps_work([_step_length_sweep(size), *_control_sweeps(size).values()])),
    "g_phase_lr_sharpness": Study(
        0.15, lambda size, gp, progress: study_phase(size, None),
        lambda size, gp: _sweeps_work(list(_phase_sweeps(size).values()))),
    "h_variants": Study(
        0.1, lambda size, gp, progress: study_variants(size, None),
        lambda size, gp: _sweeps_work(list(_variant_sweeps(size).values()))),
    "i_noise": Study(
        0.1, lambda size, gp, progress: _main_table(study_noise(size, None)),
        lambda size, gp: _sweeps_work([_noise_sweep(size)])),
    "j_rotation": Study(
        0.05, lambda size, gp, progress: _main_table(study_rotation(size, None)),
        lambda size, gp: _sweeps_work(_rotation_sweeps(size))),
    "k_warmup": Study(
        0.05, lambda size, gp, progress: _main_table(study_warmup(size, None)),
        lambda size, gp: _sweeps_work(_warmup_sweeps(size))),
    "l_tuned": Study(
        0.05, lambda size, gp, progress: study_tuned(size, None),
        lambda size, gp: _tuned_work(size)),
}
