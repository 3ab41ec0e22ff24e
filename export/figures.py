"""Figures as matplotlib `Figure` objects (never pyplot: the app draws for many sessions at once).

Every figure speaks the palette of `export.palette`: an optimizer kind has one colour and dash pattern, a repeat its
own shade, dash and hollow marker; start ○, end in the series' marker (● for the first of a kind), diverged ✕,
minimum ★ with its value, the landscape in light greys so the paths stand out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from experiments.basins import DIVERGED_BASIN, NO_BASIN, UNDEFINED_BASIN
from experiments.run import RunResult
from experiments.sweep import SweepTable, is_global
from export import palette
from export.labels import minimum_value
from landscapes import LANDSCAPES, Landscape
from specs import SpecError

# The landscape's picture: light (low) to mid grey (high), with darker contour lines; coloured paths stand out on it.
LANDSCAPE_COLOURMAP = LinearSegmentedColormap.from_list("cmx_landscape", ["#FFFFFF", "#D9DEE4", "#8E98A3"])
CONTOUR_LINE_COLOUR = "#5C6670"
CONTOUR_LEVELS = 15  # contour lines over a landscape (matplotlib's nicely rounded levels for this many)
# Panels of one survival figure, one per combination of swept values: a 5 x 5 grid still reads; drawing it takes a
# few seconds whatever the curves (at most MAX_OPTIMIZERS and their matched rows a panel).
SURVIVAL_PANELS = 25
WASH = (1.0, 1.0, 1.0, 0.75)  # white at 75% over the starts of a basin map that are not the point


def require_2d(landscape: Landscape, what: str) -> None:
    if landscape.dim != 2:
        raise SpecError(f"{what} needs a 2D landscape (got {landscape.spec} with dim={landscape.dim})")


def styles_of(results: dict[str, RunResult]) -> dict[str, palette.Style]:
    """label -> the style of its optimizer kind (shaded when a kind appears again)."""
    styles = palette.styles_for([result.kind for result in results.values()])
    return dict(zip(results, styles))


def landscape_grid(landscape: Landscape, resolution: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (R,), ys (R,) and the shown values Z (R, R), masked where not finite: f, or log10(f - min + 1) on a log
    scale."""
    xs = np.linspace(landscape.domain.low[0], landscape.domain.high[0], resolution)
    ys = np.linspace(landscape.domain.low[1], landscape.domain.high[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = landscape.f(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(X.shape)
    return xs, ys, np.ma.masked_invalid(shown_values(Z, landscape.color_scale == "log"))


def shown_values(values: np.ndarray, log: bool) -> np.ndarray:
    """What a colour scale shows of f: f itself, or log10(f - min + 1) when f spans decades (nan stays nan)."""
    values = np.where(np.isfinite(values), values, np.nan)
    if not log or not np.isfinite(values).any():
        return values
    with np.errstate(all="ignore"):
        return np.log10(values - np.nanmin(values) + 1.0)


def draw_landscape(ax: Axes, landscape: Landscape, filled: bool = True, resolution: int = 160,
                   inward: bool = False) -> None:
    """Contours of the landscape on `ax` (filled, or lines only), its minima as stars with their values (labelled
    towards the middle with `inward`)."""
    xs, ys, Z = landscape_grid(landscape, resolution)
    if filled:
        ax.contourf(xs, ys, Z, levels=30, cmap=LANDSCAPE_COLOURMAP)
    ax.contour(xs, ys, Z, levels=CONTOUR_LEVELS, colors=CONTOUR_LINE_COLOUR, linewidths=0.4, alpha=0.6)
    draw_minima(ax, landscape, inward)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")


def percent(share: float) -> str:
    """A share as a percentage to 3 significant digits: '13.0%', '0.500%', '100%', '0%' ('—' when undefined)."""
    if not math.isfinite(share):
        return "—"
    value = 100 * share
    if value == 0 or value >= 100:
        return f"{value:.0f}%"
    return f"{value:.{max(0, 2 - math.floor(math.log10(value)))}f}%"


def minimum_label(landscape: Landscape, index: int) -> str:
    """'f=3 global', 'sharp f=0': what a minimum is, in a few characters; where two minima would read alike (two
    global minima f=0), each also says where it is: 'f=0 global at (3, 2)'."""
    words = [_minimum_words(landscape, k) for k in range(len(landscape.minima))]
    if words.count(words[index]) == 1:
        return words[index]
    x, y = landscape.minima[index].location[:2]
    return f"{words[index]} at ({x:.3g}, {y:.3g})"


def _minimum_words(landscape: Landscape, index: int) -> str:
    minimum = landscape.minima[index]
    parts = [minimum.label] if minimum.label and minimum.label != "global" else []
    parts.append(f"f={minimum_value(minimum.value):.3g}")
    if is_global(landscape)[index]:
        parts.append("global")
    return " ".join(parts)


def landscape_title(landscape: Landscape) -> str:
    """'Goldstein-Price', 'Two basins (sharpness=16)': the surface as a person names it."""
    settings = landscape.spec.partition(":")[2]
    return LANDSCAPES.record(landscape.name).label + (f" ({settings})" if settings else "")


def runs_caption(results: dict[str, RunResult]) -> str:
    """'3 runs of each optimizer, 150 steps, the same starts': the settings a figure of runs was drawn from."""
    runs = sorted({result.n_runs for result in results.values()})
    steps = sorted({result.steps for result in results.values()})
    return (f"{' or '.join(map(str, runs))} run{'s' if runs[-1] != 1 else ''} of each optimizer, "
            f"{' or '.join(map(str, steps))} steps, the same starts")


def draw_minima(ax: Axes, landscape: Landscape, inward: bool = False) -> None:
    """Every listed minimum inside the domain as ★, labelled with its name and value: to its right, or with `inward`
    towards the middle of the domain (a label then stays inside the axes instead of widening the figure's margin)."""
    middle = (landscape.domain.low[0] + landscape.domain.high[0]) / 2
    for index, minimum in enumerate(landscape.minima):
        if not landscape.domain.contains(minimum.location[None])[0]:
            continue
        x, y = minimum.location[:2]
        ax.plot([x], [y], palette.MINIMUM_MARKER, color="white", markeredgecolor="black", markersize=11,
                linestyle="none", zorder=5)
        if len(landscape.minima) <= 12:
            left = inward and x > middle
            ax.annotate(minimum_label(landscape, index), (x, y), textcoords="offset points",
                        xytext=(-6 if left else 6, 5), ha="right" if left else "left", fontsize=7, zorder=6,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})


def grid_figure(count: int, width: float = 3.6, height: float = 3.4, most_columns: int = 4
                ) -> tuple[Figure, list[Axes]]:
    columns = min(count, most_columns)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    return figure, axes[:count]


def draw_paths(ax: Axes, result: RunResult, style: palette.Style) -> None:
    """Each run's path in the optimizer's colour and dash, its start ○, its end in the style's marker and, if it
    stopped early, ✕ where it stopped."""
    P = result.positions
    for i in range(P.shape[1]):
        ax.plot(P[:, i, 0], P[:, i, 1], color=style.colour, linestyle=style.matplotlib_linestyle, linewidth=1.5,
                alpha=0.95, zorder=3)
    ax.plot(P[0, :, 0], P[0, :, 1], palette.START_MARKER, color="white", markeredgecolor=style.colour,
            markeredgewidth=1.5, markersize=6 * style.start_size, linestyle="none", zorder=4)
    ran, stopped = ~result.stopped, result.stopped
    ax.plot(P[-1, ran, 0], P[-1, ran, 1], **style.matplotlib_marker_style(6), linestyle="none",
            zorder=5 if style.hollow else 4)
    ax.plot(P[-1, stopped, 0], P[-1, stopped, 1], palette.DIVERGED_MARKER, color=style.colour,
            markeredgecolor="black", markersize=9, linestyle="none", zorder=4)


def trajectories_figure(landscape: Landscape, results: dict[str, RunResult], resolution: int = 160) -> Figure:
    """One panel per optimizer (keyed by its label): the landscape, each run's path, start ○, end ●, stopped ✕."""
    require_2d(landscape, "a trajectory figure")
    styles = styles_of(results)
    figure, axes = grid_figure(len(results))
    for ax, (label, result) in zip(axes, results.items()):
        draw_landscape(ax, landscape, resolution=resolution)
        draw_paths(ax, result, styles[label])
        ax.set_title(label, fontsize=9, color=styles[label].colour)
    figure.suptitle(landscape_title(landscape), fontsize=10)
    figure.supxlabel(f"{runs_caption(results)}; start ○, now ● (repeats □ △ ◇), stopped ✕, minima ★", fontsize=8)
    return figure


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def escape_curve_figure(table: SweepTable, axis: str | None, labels: dict[str, str] | None = None,
                        log: bool | None = None) -> Figure:
    """Escape rate against the swept value, one line per optimizer with 95% error bars; bars without an axis."""
    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = figure.subplots()
    draw_escape_curve(ax, table, axis, labels=labels, log=log)
    landscapes = list(dict.fromkeys(row["landscape"] for row in table.rows))
    ax.set_title(landscapes[0] if len(landscapes) == 1 else "escape rate", fontsize=10)
    return figure


def draw_escape_curve(ax: Axes, table: SweepTable, axis: str | None, series: str = "optimizer",
                      labels: dict[str, str] | None = None, log: bool | None = None) -> None:
    """The escape rates of `table` on `ax`: a line with error bars (95% interval, visible at 0 and 1) per
    `series` value, or bars; a numeric axis has a tick at every swept value, on a log scale when `log` says so
    (None: when the positive values span a factor of ten or more)."""
    names = list(dict.fromkeys(row[series] for row in table.rows))
    kinds = [next(r["kind"] for r in table.rows if r[series] == n) for n in names]  # each row names what ran
    styles = dict(zip(map(str, names), palette.styles_for(kinds)))  # a knob's values: repeats of their kind

    def label(name: object) -> str:
        if labels and str(name) in labels:
            return labels[str(name)]
        return f"{series} = {name}" if series != "optimizer" and _is_number(name) else str(name)

    values = list(dict.fromkeys(row[axis] for row in table.rows)) if axis else [None]
    if axis is not None and all(_is_number(v) for v in values):
        for name in names:
            rows = sorted((r for r in table.rows if r[series] == name), key=lambda r: r[axis])
            x = np.array([r[axis] for r in rows], dtype=float)
            rate = np.array([r["escape_rate"] for r in rows])
            error = [rate - [r["ci_low"] for r in rows], np.array([r["ci_high"] for r in rows]) - rate]
            style = styles[str(name)]
            ax.errorbar(x, rate, yerr=error, fmt="none", color=style.colour, capsize=3)
            ax.plot(x, rate, color=style.colour, linestyle=style.matplotlib_linestyle, linewidth=1.5,
                    **style.matplotlib_marker_style(5), zorder=4 if style.hollow else 3, label=label(name))
        if log is None:
            log = min(values) > 0 and max(values) / min(values) >= 10
        if log:
            ax.set_xscale("log")
        ax.set_xticks(sorted(values), [f"{v:g}" for v in sorted(values)])
        ax.minorticks_off()
    else:
        width = 0.8 / len(names)
        for k, name in enumerate(names):
            rows = {r[axis] if axis else None: r for r in table.rows if r[series] == name}
            x = np.arange(len(values)) + (k - (len(names) - 1) / 2) * width
            rate = np.array([rows[v]["escape_rate"] for v in values])
            low = rate - np.array([rows[v]["ci_low"] for v in values])
            high = np.array([rows[v]["ci_high"] for v in values]) - rate
            style = styles[str(name)]
            ax.bar(x, rate, width, color=style.colour, hatch=style.matplotlib_hatch, edgecolor="white",
                   yerr=[low, high], capsize=3, label=label(name))
        ax.set_xticks(np.arange(len(values)), [str(v) if v is not None else "" for v in values])
    if axis:
        ax.set_xlabel(axis)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("escape rate (95% interval)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def basin_colormap(count: int) -> tuple[ListedColormap, BoundaryNorm]:
    """Colours for basin codes UNDEFINED..NO_BASIN and the minima 0..count-1 (cycling)."""
    colours = [palette.DIVERGED_COLOUR, palette.DIVERGED_COLOUR, palette.UNASSIGNED_COLOUR] + [
        palette.BASIN_COLOURS[k % len(palette.BASIN_COLOURS)] for k in range(max(count, 1))]
    return ListedColormap(colours), BoundaryNorm(np.arange(UNDEFINED_BASIN - 0.5, max(count, 1) + 0.5), len(colours))


def basin_key(landscape: Landscape) -> list[tuple[int, str, str]]:
    """(code, colour, label) for each basin colour a map can show: every listed minimum, none, stopped."""
    key = []
    for index, minimum in enumerate(landscape.minima):
        name = f"#{index} {minimum_label(landscape, index)}, λmax={minimum.sharpness:.3g}"
        key.append((index, palette.BASIN_COLOURS[index % len(palette.BASIN_COLOURS)], name))
    key.append((NO_BASIN, palette.UNASSIGNED_COLOUR, "no listed minimum"))
    key.append((DIVERGED_BASIN, palette.DIVERGED_COLOUR, "diverged or stopped"))
    return key


def draw_basin_map(ax: Axes, found, landscape: Landscape, washed: np.ndarray | None = None) -> None:
    """One basin map on `ax`: the grid coloured by the basin each start ended in, the landscape's contour lines over
    it, the domain with equal axes, minima as stars with their values; `washed` (one flag per start, as the grid)
    lightens the starts it marks, so that the others stand out."""
    cmap, norm = basin_colormap(len(landscape.minima))
    dx = (found.xs[1] - found.xs[0]) / 2 if len(found.xs) > 1 else 0.5
    dy = (found.ys[1] - found.ys[0]) / 2 if len(found.ys) > 1 else 0.5
    extent = (found.xs[0] - dx, found.xs[-1] + dx, found.ys[0] - dy, found.ys[-1] + dy)
    ax.imshow(found.basins, origin="lower", cmap=cmap, norm=norm, interpolation="nearest", extent=extent)
    if washed is not None:
        wash = np.zeros((*found.basins.shape, 4))
        wash[washed] = WASH
        ax.imshow(wash, origin="lower", interpolation="nearest", extent=extent)
    draw_landscape(ax, landscape, filled=False, inward=True)


def basin_map_figure(maps: list, landscape: Landscape, titles: list[str] | None = None) -> Figure:
    """One panel per basin map (titled by `titles`, else by its optimizer): the grid coloured by the basin each start
    ended in, contour lines over it, minima as stars with their values, and a key naming each basin."""
    require_2d(landscape, "a basin map")
    figure, axes = grid_figure(len(maps))
    for ax, found, title in zip(axes, maps, titles or [found.optimizer for found in maps]):
        draw_basin_map(ax, found, landscape)
        ax.set_title(title, fontsize=9)
    shown = {int(code) for found in maps for code in np.unique(found.basins)}
    handles = [Patch(facecolor=colour, edgecolor="black", linewidth=0.4, label=text)
               for code, colour, text in basin_key(landscape) if code in shown or code >= 0]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=7)
    figure.suptitle(f"{landscape.spec}: the basin each start ends in", fontsize=10)
    return figure


def _tick(value: object) -> str:
    """A swept value as a tick's text: a number to 6 significant digits, a choice as it is."""
    return f"{value:g}" if _is_number(value) else str(value)


def _within(value: float, values: list) -> bool:
    numbers = [v for v in values if _is_number(v)]
    return bool(numbers) and min(numbers) <= value <= max(numbers)


def phase_figure(table: SweepTable, x_axis: str, y_axis: str, value: str = "escape_rate",
                 boundaries: dict[str, list[tuple[float, float]]] | None = None,
                 radius_boundaries: dict[str, list[tuple[float, float]]] | None = None) -> Figure:
    """One heatmap per optimizer of `value` (escape rate by default) over two swept axes, each cell labelled with its
    value, the theory's boundaries (optimizer -> (x, y) points) drawn over it where given: the kick law's dashed,
    the radius law's dotted."""
    names = list(dict.fromkeys(row["optimizer"] for row in table.rows))
    xs = sorted(dict.fromkeys(row[x_axis] for row in table.rows))
    ys = sorted(dict.fromkeys(row[y_axis] for row in table.rows))
    figure, axes = grid_figure(len(names), width=3.9, height=3.4)
    image = None
    for ax, name in zip(axes, names):
        cells = np.full((len(ys), len(xs)), np.nan)
        for row in table.rows:
            if row["optimizer"] == name:
                cells[ys.index(row[y_axis]), xs.index(row[x_axis])] = row[value]
        image = ax.imshow(cells, origin="lower", cmap="viridis", vmin=0.0, vmax=1.0 if value.endswith("rate") else None,
                          aspect="auto")
        for (i, j), cell in np.ndenumerate(cells):
            text = "" if np.isnan(cell) else (f"{cell:.0%}" if value.endswith("rate") else f"{cell:.3g}")
            ax.text(j, i, text, ha="center", va="center", fontsize=6,
                    color="white" if np.isnan(cell) or cell < 0.6 else "black")
        for law, dash, drawn in (("kick law", "--", boundaries), ("radius law", ":", radius_boundaries)):
            points = (drawn or {}).get(name, [])
            inside = [(x, y) for x, y in points if _within(x, xs) and _within(y, ys)]  # never drawn at the edge
            if inside:
                px = np.interp([p[0] for p in inside], xs, np.arange(len(xs)))
                py = np.interp([p[1] for p in inside], ys, np.arange(len(ys)))
                ax.plot(px, py, dash, color="white", linewidth=1.5, label=law)
                ax.legend(fontsize=6, loc="upper left")
        ax.set_xticks(np.arange(len(xs)), [_tick(v) for v in xs], fontsize=6, rotation=45)
        ax.set_yticks(np.arange(len(ys)), [_tick(v) for v in ys], fontsize=6)
        ax.set_xlabel(x_axis)
        ax.set_ylabel(y_axis)
        ax.set_title(name, fontsize=8)
    if image is not None:
        figure.colorbar(image, ax=axes, shrink=0.8, label=value.replace("_", " "))
    return figure


def check_survival_panels(panels: int) -> None:
    """Refuse a survival figure of more than SURVIVAL_PANELS panels, before anything is computed for it."""
    if panels > SURVIVAL_PANELS:
        raise SpecError(f"a survival figure draws one panel per combination of swept values, at most "
                        f"{SURVIVAL_PANELS} (got {panels:,}); sweep fewer values, or write the curves as .csv")


def survival_figure(curves: SweepTable, axes: Sequence[str] = ()) -> Figure:
    """The share of runs still in their start basin against the step (a sweep's `survival` table): one panel per
    combination of swept values (draw_survival), at most SURVIVAL_PANELS."""
    panels = list(dict.fromkeys(tuple(row[a] for a in axes) for row in curves.rows)) or [()]
    check_survival_panels(len(panels))
    figure, grid = grid_figure(len(panels), width=3.9, height=3.2)
    for ax, panel in zip(grid, panels):
        rows = SweepTable(curves.columns, tuple(r for r in curves.rows if tuple(r[a] for a in axes) == panel))
        draw_survival(ax, rows)
        ax.set_title(", ".join(f"{a} = {v:g}" if _is_number(v) else f"{a} = {v}" for a, v in zip(axes, panel))
                     or (curves.rows[0]["landscape"] if curves.rows else ""), fontsize=8)
    return figure


def draw_survival(ax: Axes, curves: SweepTable, labels: dict[str, str] | None = None) -> None:
    """Survival curves on `ax`: a line per optimizer with its 95% band, from step 0 (every run in) on a log-like
    step axis (the checks climb geometrically)."""
    names = list(dict.fromkeys(row["optimizer"] for row in curves.rows))
    kinds = [next(r["kind"] for r in curves.rows if r["optimizer"] == n) for n in names]  # each row names what ran
    styles = dict(zip(names, palette.styles_for(kinds)))
    for name in names:
        rows = [r for r in curves.rows if r["optimizer"] == name]
        step = np.array([0] + [r["step"] for r in rows], dtype=float)
        share, low, high = (np.array([1.0] + [r[c] for r in rows]) for c in ("in_basin", "in_basin_low",
                                                                              "in_basin_high"))
        style = styles[name]
        ax.step(step, share, where="post", color=style.colour, linestyle=style.matplotlib_linestyle, linewidth=1.5,
                label=(labels or {}).get(str(name), str(name)))
        ax.fill_between(step, low, high, step="post", color=style.colour, alpha=0.15, linewidth=0)
    ax.set_xscale("symlog", linthresh=1.0)  # step 0 on the linear part, then geometric
    ax.set_xlim(left=0)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("step")
    ax.set_ylabel("share still in the basin (95% band)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6)
