"""Figures as matplotlib `Figure` objects (never pyplot: the app draws for many sessions at once).

Colours are fixed per optimizer name so every figure, GIF and app page agrees: Adam blue, Adam+SAM orange,
Adam+CM green, Adam+SAM+CM red.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from experiments.basins import assign_basins
from experiments.escape import DIVERGED
from experiments.metrics import largest_eigenvalue, max_distance, path_length
from experiments.run import DEFAULT_MAX_WORK, RunResult, run
from experiments.sweep import SweepTable, sweep
from landscapes import Landscape, build_landscape
from optimizers import OPTIMIZERS
from specs import SpecError

COLOURS = {"adam": "#1f77b4", "adam_sam": "#ff7f0e", "adam_cm": "#2ca02c", "adam_sam_cm": "#d62728",
           "adam_cg": "#9467bd", "sgd": "#8c564b", "momentum": "#e377c2"}
EXTRA_COLOURS = ("#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896")
SERIES_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")  # values of a knob
# Basin colours: one per minimum index (cycled); unassigned grey, diverged black.
BASIN_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
                 "#bab0ac")
UNASSIGNED, DIVERGED_COLOUR = "#d9d9d9", "#000000"


def colour_of(spec: str, index: int = 0) -> str:
    """The colour of an optimizer spec: by its name; specs of unknown names take the index-th extra colour."""
    return COLOURS.get(spec.partition(":")[0].strip(), EXTRA_COLOURS[index % len(EXTRA_COLOURS)])


def colours_for(specs: Sequence[str]) -> dict[str, str]:
    """A distinct colour per spec: the name's colour for the first spec of each name, extra colours after."""
    out: dict[str, str] = {}
    used: set[str] = set()
    extra = 0
    for spec in specs:
        colour = colour_of(spec)
        if colour in used or spec.partition(":")[0].strip() not in COLOURS:
            colour, extra = EXTRA_COLOURS[extra % len(EXTRA_COLOURS)], extra + 1
        out[spec] = colour
        used.add(colour)
    return out


def require_2d(landscape: Landscape, what: str) -> None:
    if landscape.dim != 2:
        raise SpecError(f"{what} needs a 2D landscape (got {landscape.spec} with dim={landscape.dim})")


def landscape_grid(landscape: Landscape, resolution: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (R,), ys (R,) and the shown values Z (R, R), masked where not finite: f, or log(f - min + 1) for a log
    scale."""
    xs = np.linspace(landscape.domain.low[0], landscape.domain.high[0], resolution)
    ys = np.linspace(landscape.domain.low[1], landscape.domain.high[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = landscape.f(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(X.shape)
    finite = np.isfinite(Z)
    if landscape.color_scale == "log" and finite.any():
        with np.errstate(all="ignore"):
            Z = np.log1p(Z - Z[finite].min())
    return xs, ys, np.ma.masked_invalid(Z)  # a formula's nan or inf regions are left blank


def draw_landscape(ax: Axes, landscape: Landscape, filled: bool = True, resolution: int = 160) -> None:
    """Contours of the landscape on `ax` (filled, or lines only), its minima as white stars, limits at the domain."""
    xs, ys, Z = landscape_grid(landscape, resolution)
    if filled:
        ax.contourf(xs, ys, Z, levels=30, cmap="viridis")
        ax.contour(xs, ys, Z, levels=15, colors="white", linewidths=0.3, alpha=0.5)
    else:
        ax.contour(xs, ys, Z, levels=15, colors="black", linewidths=0.4, alpha=0.5)
    minima = np.array([m.location for m in landscape.minima]).reshape(-1, 2)
    inside = landscape.domain.contains(minima) if len(minima) else np.zeros(0, dtype=bool)
    ax.plot(minima[inside, 0], minima[inside, 1], "*", color="white", markeredgecolor="black", markersize=9,
            linestyle="none")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")


def _grid(count: int, width: float = 3.6, height: float = 3.4, most_columns: int = 4) -> tuple[Figure, list[Axes]]:
    columns = min(count, most_columns)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    return figure, axes[:count]


def trajectories_figure(landscape: Landscape, results: dict[str, RunResult], resolution: int = 160) -> Figure:
    """One panel per optimizer: the landscape's contours, each run's path, its start (circle) and end (cross)."""
    require_2d(landscape, "a trajectory figure")
    colours = colours_for(list(results))
    figure, axes = _grid(len(results))
    for ax, (name, result) in zip(axes, results.items()):
        draw_landscape(ax, landscape, resolution=resolution)
        _draw_paths(ax, result, colours[name])
        ax.set_title(name, fontsize=9)
    figure.suptitle(landscape.spec, fontsize=10)
    return figure


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def escape_curve_figure(table: SweepTable, axis: str | None) -> Figure:
    """Escape rate against the swept value, one line per optimizer with its 95% confidence band.

    A categorical axis (or none) gives bars with confidence whiskers instead; a positive axis spanning 10x or
    more is drawn on a log scale.
    """
    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = figure.subplots()
    draw_escape_curve(ax, table, axis)
    landscapes = list(dict.fromkeys(row["landscape"] for row in table.rows))
    ax.set_title(landscapes[0] if len(landscapes) == 1 else "escape rate", fontsize=10)
    return figure


def draw_escape_curve(ax: Axes, table: SweepTable, axis: str | None, series: str = "optimizer") -> None:
    """The escape rates of `table` on `ax`: lines with confidence bands per `series` value, or bars."""
    names = list(dict.fromkeys(row[series] for row in table.rows))
    colours = (colours_for([str(n) for n in names]) if series == "optimizer"
               else {str(n): SERIES_COLOURS[k % len(SERIES_COLOURS)] for k, n in enumerate(names)})
    label = (lambda n: f"{series} = {n}") if series != "optimizer" and all(_is_number(n) for n in names) else str
    values = list(dict.fromkeys(row[axis] for row in table.rows)) if axis else [None]
    if axis is not None and all(_is_number(v) for v in values):
        for name in names:
            rows = sorted((r for r in table.rows if r[series] == name), key=lambda r: r[axis])
            x = np.array([r[axis] for r in rows], dtype=float)
            ax.plot(x, [r["escape_rate"] for r in rows], "o-", color=colours[str(name)], label=label(name),
                    markersize=4)
            ax.fill_between(x, [r["ci_low"] for r in rows], [r["ci_high"] for r in rows], color=colours[str(name)],
                            alpha=0.2, linewidth=0)
        if min(values) > 0 and max(values) / min(values) >= 10:
            ax.set_xscale("log", base=2)
    else:
        width = 0.8 / len(names)
        for k, name in enumerate(names):
            rows = {r[axis] if axis else None: r for r in table.rows if r[series] == name}
            x = np.arange(len(values)) + (k - (len(names) - 1) / 2) * width
            rate = np.array([rows[v]["escape_rate"] for v in values])
            low = rate - np.array([rows[v]["ci_low"] for v in values])
            high = np.array([rows[v]["ci_high"] for v in values]) - rate
            ax.bar(x, rate, width, color=colours[str(name)], label=label(name), yerr=[low, high], capsize=3)
        ax.set_xticks(np.arange(len(values)), [str(v) if v is not None else "" for v in values])
    if axis:
        ax.set_xlabel(axis)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("escape rate (95% CI)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def basin_colormap(count: int) -> tuple[ListedColormap, BoundaryNorm]:
    """Colours for basin values -2 (diverged), -1 (none) and 0..count-1 (the minima, cycling)."""
    colours = [DIVERGED_COLOUR, UNASSIGNED] + [BASIN_COLOURS[k % len(BASIN_COLOURS)] for k in range(max(count, 1))]
    return ListedColormap(colours), BoundaryNorm(np.arange(-2.5, max(count, 1) + 0.5), len(colours))


def basin_map_figure(maps: list, landscape: Landscape) -> Figure:
    """One panel per basin map: the grid coloured by the basin each start ended in, the landscape's contour lines
    over it and every minimum labelled with its index (grey: no listed basin; black: diverged)."""
    require_2d(landscape, "a basin map")
    count = len(landscape.minima)
    cmap, norm = basin_colormap(count)
    figure, axes = _grid(len(maps))
    for ax, found in zip(axes, maps):
        dx = (found.xs[1] - found.xs[0]) / 2 if len(found.xs) > 1 else 0.5
        dy = (found.ys[1] - found.ys[0]) / 2 if len(found.ys) > 1 else 0.5
        ax.imshow(found.basins, origin="lower", cmap=cmap, norm=norm, interpolation="nearest",
                  extent=(found.xs[0] - dx, found.xs[-1] + dx, found.ys[0] - dy, found.ys[-1] + dy))
        draw_landscape(ax, landscape, filled=False)
        for index, minimum in enumerate(landscape.minima):
            x, y = minimum.location[:2]
            if landscape.domain.contains(minimum.location[None])[0] and count <= 30:
                ax.annotate(str(index), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_title(found.optimizer, fontsize=9)
    figure.suptitle(f"{landscape.spec}: basin each start ends in", fontsize=10)
    return figure


# -- the paper-style toy study: `cmx figures` ----------------------------------------------------------------------
STUDY_OPTIMIZERS = ("adam", "adam_sam", "adam_cm", "adam_sam_cm")


@dataclass(frozen=True)
class StudySize:
    """How big the toy study is: the full one for the README, a quick one for tests and smoke checks."""

    shown: int  # trajectories drawn per optimizer in (a) and (b)
    explore_runs: int  # runs per optimizer behind the distances of (b) and the scatter of (d)
    explore_steps: int  # steps in (a), (b) and (d)
    runs: int  # runs per escape row in (c) and (e)
    steps: int  # steps per escape run
    sharpness: tuple[float, ...]  # (c), and the x axis of the ablations in (e)
    lrs: tuple[float, ...]  # one panel of (c) each
    top_c: tuple[int, ...]  # buffer sizes in (e)
    depth: tuple[float, ...]  # flat-basin depths in (e) (negative: shallower than the sharp basin)
    dpi: int = 100
    contour: int = 160  # contour grid resolution


FULL = StudySize(6, 300, 500, 1000, 200, (1, 2, 4, 8, 16, 32, 64), (0.02, 0.05, 0.1), (1, 2, 5, 10, 20),
                 (-1.0, -0.5, 0.0, 0.5))
QUICK = StudySize(2, 12, 40, 40, 40, (2, 16), (0.05,), (2, 5), (-0.5, 0.5), dpi=40, contour=40)
EXPLORE_LR = {"goldstein_price": 0.01, "ackley": 0.05}  # per landscape: a step that suits its scale
ABLATION_LR, ABLATION_SHARPNESS = 0.05, 16  # (e): the depth panel's setting, where CM escapes the sharp basin


def _runs_table(landscape: Landscape, results: dict[str, RunResult]) -> SweepTable:
    """One row per run: start, end, final loss, basin (-2 diverged), path length, farthest distance."""
    columns = ("optimizer", "run", "start_x", "start_y", "final_x", "final_y", "final_loss", "basin", "sharpness",
               "path_length", "max_distance", "diverged")
    rows = []
    for name, result in results.items():
        basins = np.where(result.diverged, DIVERGED, assign_basins(landscape, result.final))
        sharpness = largest_eigenvalue(landscape, result.final)
        lengths, farthest = path_length(result.positions), max_distance(result.positions)
        for i in range(result.n_runs):
            rows.append({"optimizer": name, "run": i, "start_x": float(result.starts[i, 0]),
                         "start_y": float(result.starts[i, 1]), "final_x": float(result.final[i, 0]),
                         "final_y": float(result.final[i, 1]), "final_loss": float(result.final_losses[i]),
                         "basin": int(basins[i]), "sharpness": float(sharpness[i]), "path_length": float(lengths[i]),
                         "max_distance": float(farthest[i]), "diverged": int(result.diverged[i])})
    return SweepTable(columns, tuple(rows))


def _explore(landscape: Landscape, runs: int, steps: int, seed: int, max_work: int) -> dict[str, RunResult]:
    """The four optimizers on one landscape from the same seeded uniform starts, every step recorded."""
    lr = EXPLORE_LR[landscape.name]
    starts = np.random.default_rng(seed).uniform(landscape.domain.low, landscape.domain.high, (runs, landscape.dim))
    return {name: run(landscape, f"{name}:lr={lr}", starts, steps, max_work=max_work) for name in STUDY_OPTIMIZERS}


def _first(results: dict[str, RunResult], count: int) -> dict[str, RunResult]:
    """The same results keeping only the first `count` runs (for drawing)."""
    return {name: RunResult(r.landscape, r.optimizer, r.steps, r.recorded_steps, r.positions[:, :count],
                            r.losses[:, :count], r.diverged_at[:count], r.grad_evals[:count])
            for name, r in results.items()}


def study_trajectories(size: StudySize, landscape: Landscape | None = None,
                       max_work: int = DEFAULT_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(a) Goldstein-Price: the four optimizers from the same starts."""
    landscape = landscape or build_landscape("goldstein_price")
    results = _explore(landscape, size.shown, size.explore_steps, 1, max_work)
    figure = trajectories_figure(landscape, results, resolution=size.contour)
    figure.suptitle(f"(a) goldstein_price, lr {EXPLORE_LR['goldstein_price']}, {size.explore_steps} steps: "
                    "circles start, crosses end, stars are minima", fontsize=10)
    return figure, _runs_table(landscape, results)


def study_exploration(size: StudySize, max_work: int = DEFAULT_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(b) Ackley: trajectories of each optimizer, and how far runs travel (median over explore_runs starts)."""
    landscape = build_landscape("ackley")
    results = _explore(landscape, size.explore_runs, size.explore_steps, 2, max_work)
    runs = _runs_table(landscape, results)
    global_index = 0
    columns = ("optimizer", "runs", "path_length_median", "max_distance_median", "global_fraction",
               "final_loss_median")
    rows = []
    for name in results:
        mine = [r for r in runs.rows if r["optimizer"] == name]
        rows.append({"optimizer": name, "runs": len(mine),
                     "path_length_median": float(np.median([r["path_length"] for r in mine])),
                     "max_distance_median": float(np.median([r["max_distance"] for r in mine])),
                     "global_fraction": float(np.mean([r["basin"] == global_index for r in mine])),
                     "final_loss_median": float(np.median([r["final_loss"] for r in mine]))})
    figure = Figure(figsize=(15.0, 3.6), layout="constrained")
    axes = figure.subplots(1, 5, width_ratios=[1, 1, 1, 1, 1.3])
    colours = colours_for(list(results))
    for ax, (name, result) in zip(axes, _first(results, size.shown).items()):
        draw_landscape(ax, landscape, resolution=size.contour)
        _draw_paths(ax, result, colours[name])
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


def _draw_paths(ax: Axes, result: RunResult, colour: str) -> None:
    P = result.positions
    for i in range(P.shape[1]):
        ax.plot(P[:, i, 0], P[:, i, 1], "-", color=colour, linewidth=1.2, alpha=0.9)
    ax.plot(P[0, :, 0], P[0, :, 1], "o", color="white", markeredgecolor=colour, markersize=5, linestyle="none")
    alive = ~result.diverged
    ax.plot(P[-1, alive, 0], P[-1, alive, 1], "x", color=colour, markeredgewidth=2, markersize=7, linestyle="none")


def _with_lr_column(table: SweepTable, lr: float) -> SweepTable:
    """The table with an lr column after the optimizer, and lr dropped from the optimizer labels."""
    rows = [{**row, "optimizer": _without_parameter(row["optimizer"], "lr"), "lr": lr} for row in table.rows]
    return SweepTable((table.columns[0], "lr", *table.columns[1:]), tuple(rows))


def _with_parameter(table: SweepTable, name: str) -> SweepTable:
    """The table with a column (after the optimizer) holding each row's value of the optimizer parameter `name`."""
    rows = [{**row, name: OPTIMIZERS.resolve(row["optimizer_spec"])[1][name]} for row in table.rows]
    return SweepTable((table.columns[0], name, *table.columns[1:]), tuple(rows))


def _without_parameter(spec: str, name: str) -> str:
    head, _, rest = spec.partition(":")
    kept = [p for p in rest.split(",") if p and p.partition("=")[0] != name]
    return head + (":" + ",".join(kept) if kept else "")


def study_escape(size: StudySize, progress: Callable[[float], None] | None = None,
                 max_work: int = DEFAULT_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(c) Escape rate from the sharp basin of two_basin against its sharpness, one panel per learning rate."""
    figure, axes = _grid(len(size.lrs), width=4.6, height=3.6)
    columns: tuple[str, ...] = ()
    rows: list[dict] = []
    for k, (ax, lr) in enumerate(zip(axes, size.lrs)):
        table = sweep("two_basin", [f"{name}:lr={lr}" for name in STUDY_OPTIMIZERS], "sharpness",
                      list(size.sharpness), runs=size.runs, steps=size.steps, seed=0, max_work=max_work,
                      progress=None if progress is None else (lambda f, k=k: progress((k + f) / len(size.lrs))))
        table = _with_lr_column(table, lr)
        columns, rows = table.columns, rows + list(table.rows)
        draw_escape_curve(ax, table, "sharpness")
        ax.set_title(f"lr {lr}", fontsize=9)
    figure.suptitle(f"(c) escape from the sharp basin of two_basin: {size.runs} runs, {size.steps} steps, "
                    "starts within half the basin's radius", fontsize=10)
    return figure, SweepTable(columns, tuple(rows))


def study_sharpness_distance(size: StudySize, landscape: Landscape | None = None,
                             max_work: int = DEFAULT_MAX_WORK) -> tuple[Figure, SweepTable]:
    """(d) Goldstein-Price: final sharpness (largest Hessian eigenvalue) against path length, every run."""
    landscape = landscape or build_landscape("goldstein_price")
    results = _explore(landscape, size.explore_runs, size.explore_steps, 3, max_work)
    runs = _runs_table(landscape, results)
    colours = colours_for(list(results))
    figure = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = figure.subplots()
    for name in results:
        mine = [r for r in runs.rows if r["optimizer"] == name and not r["diverged"]]
        x = np.array([r["path_length"] for r in mine])
        y = np.array([r["sharpness"] for r in mine])
        ax.scatter(x, y, s=8, color=colours[name], alpha=0.35, linewidths=0)
        if len(mine):
            ax.plot(np.median(x), np.median(y), "D", color=colours[name], markeredgecolor="black", markersize=8,
                    label=f"{name} (median)")
    ax.set_yscale("log")
    ax.set_xlabel("path length (distance travelled)")
    ax.set_ylabel("largest Hessian eigenvalue at the end")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(f"(d) goldstein_price, lr {EXPLORE_LR['goldstein_price']}, {size.explore_runs} starts, "
                 f"{size.explore_steps} steps", fontsize=10)
    return figure, runs


def study_ablations(size: StudySize, max_work: int = DEFAULT_MAX_WORK) -> tuple[Figure, dict[str, SweepTable]]:
    """(e) CM's priority modes and buffer size C against sharpness, and a flat basin that is shallower."""
    tables: dict[str, SweepTable] = {}
    cm = [f"adam_cm:lr={ABLATION_LR},priority={p}" for p in ("grad_norm", "momentum_norm", "fifo", "random")]
    tables["priority"] = _with_parameter(sweep("two_basin", cm, "sharpness", list(size.sharpness), runs=size.runs,
                                               steps=size.steps, max_work=max_work), "priority")
    buffers = [f"adam_cm:lr={ABLATION_LR},top_c={c}" for c in size.top_c]
    tables["buffer"] = _with_parameter(sweep("two_basin", buffers, "sharpness", list(size.sharpness), runs=size.runs,
                                             steps=size.steps, max_work=max_work), "top_c")
    depth = sweep(f"two_basin:sharpness={ABLATION_SHARPNESS}",
                  [f"{name}:lr={ABLATION_LR}" for name in STUDY_OPTIMIZERS], "depth", list(size.depth),
                  runs=size.runs, steps=size.steps, max_work=max_work)
    tables["depth"] = _with_lr_column(depth, ABLATION_LR)
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


def _draw_final_loss(ax: Axes, table: SweepTable, axis: str) -> None:
    names = list(dict.fromkeys(row["optimizer"] for row in table.rows))
    colours = colours_for(names)
    for name in names:
        rows = sorted((r for r in table.rows if r["optimizer"] == name), key=lambda r: r[axis])
        ax.plot([r[axis] for r in rows], [r["final_loss_mean"] for r in rows], "o-", color=colours[name], label=name,
                markersize=4)
    ax.set_xlabel(axis)
    ax.set_ylabel("mean final loss")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def write_study(out_dir: str | Path, quick: bool = False, progress: Callable[[float], None] | None = None,
                max_work: int = DEFAULT_MAX_WORK) -> list[Path]:
    """Run the toy study and write (a)-(e) as PNG + CSV into out_dir (created if missing); returns the paths.

    Everything is seeded and the PNGs carry no timestamp or version, so two runs write identical bytes.
    """
    size = QUICK if quick else FULL
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda fraction: None)
    written: list[Path] = []

    def save(stem: str, figure: Figure, tables: dict[str, SweepTable]) -> None:
        path = folder / f"{stem}.png"
        figure.savefig(path, dpi=size.dpi, metadata={"Software": None})
        written.append(path)
        for suffix, table in tables.items():
            csv_path = folder / f"{stem}{suffix}.csv"
            csv_path.write_text(table.to_csv(), encoding="utf-8")
            written.append(csv_path)

    report(0.0)
    goldstein_price = build_landscape("goldstein_price")  # its minima cost a moment: found once for (a) and (d)
    figure, table = study_trajectories(size, goldstein_price, max_work)
    save("a_goldstein_price_trajectories", figure, {"": table})
    report(0.05)
    figure, table = study_exploration(size, max_work)
    save("b_ackley_exploration", figure, {"": table})
    report(0.1)
    figure, table = study_escape(size, lambda f: report(0.1 + 0.55 * f), max_work)
    save("c_escape_vs_sharpness", figure, {"": table})
    figure, table = study_sharpness_distance(size, goldstein_price, max_work)
    save("d_sharpness_vs_distance", figure, {"": table})
    report(0.7)
    figure, tables = study_ablations(size, max_work)
    save("e_ablations", figure, {f"_{name}": table for name, table in tables.items()})
    report(1.0)
    return written
