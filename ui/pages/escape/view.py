"""The sweep as the Escape lab shows it: the table, what was swept, a label and a style per optimizer, the
configurations the player can show and their first runs, and the tables and CSVs for reading."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from experiments import work
from experiments.escape import escape_work, resolve_basin, starts_in_basin
from experiments.run import RunResult, recorded_step_indices
from experiments.sweep import CURVE_COLUMNS, SweepTable, sweep
from export import palette
from export.figures import percent
from export.labels import display_name, optimizer_labels
from export.player import build_payload
from export.player.explore import default_follow, record_every
from export.player.payload import BASIN_POINTS, BASIN_RUNS, basin_names
from export.player.picture import RESOLUTION as PICTURE_RESOLUTION
from export.player.picture import Picture
from landscapes import Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import Field, SpecError
from ui import compute
from ui.optimizer_slots import slot_specs
from ui.pages.escape.state import (
    KICK_LANDSCAPE,
    EscapeState,
    built_optimizers,
    has_field,
    knob_symbol,
    match_reference,
    match_targets,
    on_landscape,
)

SAMPLE_RUNS = BASIN_RUNS  # every run the player shows has a basin track, so its status line says which escaped


@dataclass(frozen=True)
class SweptAxis:
    """One swept knob as the page shows it."""

    knob: Field
    symbol: str  # how the knob is written: "sharpness", "lr", "C"
    values: tuple  # the swept values, in the order given
    lacking: frozenset[int]  # optimizers without this knob: one configuration at every value
    log: bool  # drawn on a logarithmic scale

    @property
    def name(self) -> str:
        return self.knob.name

    @property
    def numeric(self) -> bool:
        """The knob is a number: its axis is continuous."""
        return self.knob.kind in ("int", "float")

    def text(self, value: Any) -> str:
        return self.knob.format(value)


@dataclass(frozen=True)
class EscapeView:
    """A sweep as the page shows it: the table, the swept axes, and a human label and a style per optimizer (k, in
    the order given). The table's rows run over the combinations of the swept values (the first axis's values
    outside, the second's inside), the optimizers inside: a combination is one index v."""

    table: SweepTable
    axes: tuple[SweptAxis, ...]  # none, one, or two (a phase diagram)
    labels: tuple[str, ...]  # optimizer k's human label, without the swept values
    styles: tuple[palette.Style, ...]  # optimizer k's colour and dash, as in the PNG
    default_sample: tuple[int, int]  # what the player shows until a configuration is chosen
    curves: tuple[tuple[dict, ...], ...] = ()  # each row's survival curve (its rows of table.survival), row by row
    matched: frozenset[int] = frozenset()  # rows of optimizers run at another's early step length (after the slots)
    lrs: tuple[float | None, ...] = ()  # optimizer k's own lr (None: it has none, or it is matched)
    predicted: bool = False  # the table holds the kick law's share out by step 2 (predicted_out_by_2)

    @property
    def first(self) -> SweptAxis | None:
        """The swept knob of the escape curve's x axis (the phase diagram's first), or None."""
        return self.axes[0] if self.axes else None

    @property
    def second(self) -> SweptAxis | None:
        """The phase diagram's second knob, or None."""
        return self.axes[1] if len(self.axes) > 1 else None

    @property
    def numeric(self) -> bool:
        """The first swept knob is a number: the curve has a continuous axis and lines."""
        return self.first is not None and self.first.numeric

    @property
    def phase(self) -> bool:
        """Two knobs are swept: the page draws a phase diagram."""
        return self.second is not None

    def row(self, k: int, v: int) -> dict:
        return self.table.rows[v * len(self.labels) + k]

    def rows_of(self, k: int) -> list[dict]:
        return [self.row(k, v) for v in range(self.cell_count)]

    def indices(self, v: int) -> tuple[int, ...]:
        """Combination v as its index on each axis."""
        out = []
        for axis in reversed(self.axes):
            v, index = divmod(v, len(axis.values))
            out.append(index)
        return tuple(reversed(out))

    def combination(self, indices: Sequence[int]) -> int:
        """The combination v at these indices, one per axis."""
        v = 0
        for axis, index in zip(self.axes, indices):
            v = v * len(axis.values) + index
        return v

    def settings(self, k: int, v: int) -> list[str]:
        """['sharpness = 16', 'lr = 0.05']: the swept values of combination v that optimizer k has."""
        return [f"{axis.symbol} = {axis.text(axis.values[i])}" for axis, i in zip(self.axes, self.indices(v))
                if k not in axis.lacking]

    def sample_label(self, sample: tuple[int, int]) -> str:
        """'Adam+CM (lr=0.05) at sharpness = 16'; an optimizer without the swept knob is named alone."""
        k, v = sample
        settings = self.settings(k, v)
        return f"{self.labels[k]} at {', '.join(settings)}" if settings else self.labels[k]

    def samples(self) -> list[tuple[int, int]]:
        """Every configuration the player can show, optimizer by optimizer (one value of a knob it does not have)."""
        return [(k, v) for k in range(len(self.labels)) for v in range(self.cell_count)
                if all(i == 0 or k not in axis.lacking for axis, i in zip(self.axes, self.indices(v)))]

    def shown_sample(self, chosen: tuple[int, int] | None) -> tuple[int, int]:
        """The configuration the player shows: the chosen one when this sweep ran it, else the default (never a
        neighbour of it)."""
        k, v = chosen if self.has_sample(chosen) else self.default_sample
        return k, self.combination([0 if k in axis.lacking else i for axis, i in zip(self.axes, self.indices(v))])

    def has_sample(self, chosen: tuple[int, int] | None) -> bool:
        return chosen is not None and chosen[0] < len(self.labels) and chosen[1] < self.cell_count

    @property
    def cell_count(self) -> int:
        """How many swept values (combinations of them) the sweep ran: each optimizer has a row at each."""
        return len(self.table.rows) // len(self.labels)

    def cell_label(self, v: int) -> str:
        """'sharpness = 16' (with two axes 'sharpness = 16, lr = 0.05'): the swept values v in words ('' when
        nothing is swept)."""
        return ", ".join(f"{axis.symbol} = {axis.text(axis.values[i])}" for axis, i in zip(self.axes,
                                                                                          self.indices(v)))

    def shown_cell(self, chosen: int | None) -> int:
        """The swept value whose survival curves are shown: the chosen one when this sweep ran it, else the player's
        default configuration's."""
        return chosen if chosen is not None and chosen < self.cell_count else self.default_sample[1]

    def curve(self, k: int, v: int) -> tuple[dict, ...]:
        """Optimizer k's survival curve at swept value v: its rows of table.survival."""
        return self.curves[v * len(self.labels) + k]

    def lr_used(self, k: int, v: int) -> float | None:
        """The lr optimizer k ran at in combination v: the matched lr, the swept lr, or its own."""
        row = self.row(k, v)
        if k in self.matched:
            return row["matched_lr"]
        swept = any(axis.name == "lr" and k not in axis.lacking for axis in self.axes)
        return row["lr"] if swept else self.lrs[k]

    def png_labels(self) -> dict[str, str]:
        """The PNG's labels, keyed as escape_curve_figure groups the rows (by the table's "optimizer" column)."""
        return {self.row(k, 0)["optimizer"]: label for k, label in enumerate(self.labels)}


def cached_sweep(landscape: str, optimizers: tuple[str, ...], axes: tuple[tuple[str, tuple], ...], runs: int,
                 steps: int, seed: int, basin: str, equalise: bool, max_work: int, match_step: str | None = None,
                 predict: bool = False, also: work.Work | None = None) -> SweepTable:
    """The sweep over `axes` ((name, values) each: none, one, or two for a phase diagram), from the shared cache when
    this exact one has run before (whatever the work limit was then), else checked whole against `max_work` (every
    combination counted, the matching too) and run with a progress bar; `match_step` and `predict` as sweep's.
    `also` is what the view computes beside the sweep (the radius laws), counted with it in one check."""
    key = (landscape, optimizers, axes, runs, steps, seed, basin, equalise, match_step, predict)
    request = dict(landscape=landscape, optimizers=list(optimizers),
                   axis={name: list(values) for name, values in axes} or None, runs=runs, steps=steps, seed=seed,
                   basin=basin, equalise_grad_evals=equalise, match_step=match_step, predict=predict)
    table = compute.stored("sweeps", key)
    if also is not None and also.parts:
        work.check(work.total([work.Work() if table is not None else sweep.cost(**request), also]), max_work)
    if table is None:
        bar = st.progress(0.0, text="running the sweep…")
        table = sweep(**request, max_work=max_work,
                      progress=lambda done: bar.progress(min(max(done, 0.0), 1.0), text="running the sweep…"))
        bar.empty()
        compute.store("sweeps", key, table)
    return table


def row_curves(table: SweepTable) -> tuple[tuple[dict, ...], ...]:
    """Each row's survival curve, in the rows' order: table.survival holds the curves one after another, each's
    checked steps ascending, so a curve ends where the step falls back or the configuration changes."""
    found: list[tuple[dict, ...]] = []
    start = 0
    points = table.survival.rows if table.survival is not None else ()
    key = [column for column in table.survival.columns if column not in CURVE_COLUMNS] if points else []
    for i in range(1, len(points) + 1):
        if i == len(points) or points[i]["step"] <= points[i - 1]["step"] or any(
                points[i][c] != points[i - 1][c] for c in key):
            found.append(tuple(points[start:i]))
            start = i
    if len(found) != len(table.rows):
        raise SpecError(f"the sweep's survival table has {len(found)} curves for {len(table.rows)} rows")
    return tuple(found)


def matched_beside_their_cell(table: SweepTable, slots: int, matched: int) -> SweepTable:
    """The sweep's rows (and survival curves) with each combination's matched rows right after its slots' rows: the
    sweep puts every matched row last, the view reads combination v's optimizer k at v * (slots + matched) + k."""
    if not matched:
        return table
    cells = len(table.rows) // (slots + matched)
    order = [i for v in range(cells)
             for i in [*range(v * slots, (v + 1) * slots), *range(cells * slots + v * matched,
                                                                  cells * slots + (v + 1) * matched)]]
    if sorted(order) != list(range(len(table.rows))) or any(
            bool(table.rows[i]["matched_to"]) != (n % (slots + matched) >= slots) for n, i in enumerate(order)):
        raise SpecError(f"the sweep's {len(table.rows)} rows are not {cells} combinations of {slots} optimizers and "
                        f"{matched} matched ones")
    curves = row_curves(table)
    survival = SweepTable(table.survival.columns, tuple(point for i in order for point in curves[i]))
    return SweepTable(table.columns, tuple(table.rows[i] for i in order), survival)


def predicts(state: EscapeState) -> bool:
    """Whether the table gives the kick law's share out by step 2: on two_basin, when an optimizer the law covers
    is shown (experiments.theory, imported only then: it loads scipy.stats)."""
    if state.landscape[0] != KICK_LANDSCAPE:
        return False
    from experiments.theory import kick_applies

    return any(kick_applies(method) for method in built_optimizers(state.optimizers))


@compute.cached
def radius_reach(optimizer: str) -> float:
    """How far Adam+CM's oscillation at a minimum reaches, in units of lr (experiments.theory.radius_law), for a spec
    at lr=1 (per_lr_spec): one measurement serves every lr a diagram sweeps."""
    from experiments.theory import radius_law

    return radius_law(optimizer).peak_per_lr


def per_lr_spec(optimizer: str) -> str:
    return OPTIMIZERS.replace(optimizer, lr=1.0)


def draws_laws(landscape: str, knobs: Sequence[str]) -> bool:
    """Whether a sweep of `knobs` on the landscape named `landscape` is a phase diagram the kick and radius laws draw
    their boundaries on: lr against sharpness on two_basin."""
    return landscape == KICK_LANDSCAPE and sorted(knobs) == ["lr", "sharpness"]


def radius_law_work(state: EscapeState, specs: Sequence[str]) -> work.Work:
    """The radius laws a phase diagram of lr and sharpness on two_basin draws the boundary of and has not measured
    yet (radius_reach), counted (experiments.theory.radius_law_work): nothing on any other view."""
    if not draws_laws(state.landscape[0], [field.name for field in state.knobs()]):
        return work.Work()
    from experiments.theory import radius_applies, radius_law

    laws = sorted({per_lr_spec(spec) for spec in specs if radius_applies(spec)})
    return work.total([radius_law.cost(spec) for spec in laws if not radius_reach.holds(spec)])


def compute_view(state: EscapeState, max_work: int) -> EscapeView:
    """The sweep (cached whole) and how to show it: labels without the swept hyperparameters, the palette's styles,
    the axes, and the sample the player opens on; with equal step lengths, each matched optimizer after the slots,
    its label saying whose step it took and its style a shade of its kind's."""
    knobs, value_lists = state.knobs(), tuple(tuple(values) for values in state.value_lists())
    specs = tuple(slot_specs(state.optimizers, {}))
    axes = tuple((field.name, given) for field, given in zip(knobs, value_lists))
    reference = match_reference(state.optimizers) if state.match else None
    targets = match_targets(state.optimizers) if reference is not None else []
    predicted = predicts(state)
    table = cached_sweep(state.landscape_spec, specs, axes, state.runs, state.steps, state.seed, state.basin,
                         state.equalise, max_work, specs[reference] if reference is not None else None, predicted,
                         radius_law_work(state, specs))
    table = matched_beside_their_cell(table, len(specs), len(targets))
    swept = {field.name for field in knobs if not on_landscape(state.landscape[0], field.name)}

    def lacking(field: Field) -> frozenset[int]:
        return frozenset(k for k, (name, _) in enumerate(state.optimizers)
                         if field.name in swept and not has_field(OPTIMIZERS.entry(name), field.name))

    labels = optimizer_labels([(name, {key: value for key, value in values_of.items() if key not in swept})
                               for name, values_of in state.optimizers])
    if reference is not None:  # "Adam at Adam+CM's step": the matched optimizer without its lr, the reference's kind
        kind = state.optimizers[reference][0]
        whose = display_name(kind) if sum(name == kind for name, _ in state.optimizers) == 1 else labels[reference]
        unmatched = optimizer_labels([(name, {key: value for key, value in values_of.items()
                                              if key not in swept and not (k in targets and key == "lr")})
                                      for k, (name, values_of) in enumerate(state.optimizers)])
        labels += [f"{unmatched[k]} at {whose}'s step" for k in targets]
    slots = [*state.optimizers, *(state.optimizers[k] for k in targets)]
    styles = palette.styles_for([name for name, _ in slots])  # a matched Adam: a shade of Adam's colour
    teaching = default_follow(built_optimizers(state.optimizers))
    default = (teaching, telling_value(table, len(labels), teaching))
    matched = frozenset(range(len(specs), len(labels)))
    lrs = tuple(None if k in matched else params.get("lr") for k, (_, params) in enumerate(slots))

    def lacking_all(field: Field) -> frozenset[int]:  # a matched optimizer follows its own and the reference's
        own = lacking(field)
        return own | {len(specs) + m for m, k in enumerate(targets) if k in own and reference in own}

    shown = tuple(SweptAxis(field, knob_symbol(state.landscape[0], field.name), given, lacking_all(field),
                            field.kind == "float" and field.log and all(v > 0 for v in given))
                  for field, given in zip(knobs, value_lists))
    return EscapeView(table, shown, tuple(labels), tuple(styles), default, row_curves(table), matched, lrs, predicted)


def telling_value(table: SweepTable, count: int, k: int) -> int:
    """The value at which optimizer k's escape rate is furthest above the others' (nearest the middle value of
    those alike): where its sample runs show the difference."""
    values = len(table.rows) // count
    rates = [[table.rows[v * count + j]["escape_rate"] for j in range(count)] for v in range(values)]
    lead = [rates[v][k] - max((rate for j, rate in enumerate(rates[v]) if j != k), default=0.0) for v in range(values)]
    return max(range(values), key=lambda v: (lead[v], -abs(v - values // 2)))


def significant(value: float) -> str:
    """A measurement to 3 significant digits ('—' when undefined: every run stopped early)."""
    return f"{value:.3g}" if math.isfinite(value) else "—"


def mean_escape_text(row: dict) -> str:
    """The mean escape step, or '—' when no run escaped (the mean would only be the number of steps run)."""
    return significant(row["mean_escape_step"]) if row["escaped"] else "—"


def people_table(view: EscapeView) -> pd.DataFrame:
    """The sweep for reading: human labels, rates as percentages, counts as integers, 3 significant digits."""
    undefined = any(row["undefined"] for row in view.table.rows)
    long_runs = any(math.isfinite(row["out_by_100"]) for row in view.table.rows)
    rows = []
    for v in range(view.cell_count):
        for k, label in enumerate(view.labels):
            row = view.row(k, v)
            entry: dict[str, Any] = {"optimizer": label}
            for axis in view.axes:
                entry[axis.symbol] = "—" if k in axis.lacking else axis.text(row[axis.name])
            if view.matched:
                lr = view.lr_used(k, v)
                entry["lr used"] = significant(lr) if lr is not None else "—"
            entry |= {"escape rate": percent(row["escape_rate"]),
                      "95% interval": f"{percent(row['ci_low'])} to {percent(row['ci_high'])}",
                      "escaped": f"{row['escaped']} of {row['runs']}", "diverged": int(row["diverged"])}
            if undefined:
                entry["gradient undefined"] = int(row["undefined"])
            entry |= {"median escape step": significant(row["median_escape_step"]),
                      "mean escape step": mean_escape_text(row),
                      "out by step 2": percent(row["out_by_2"])}
            if view.predicted:
                entry["out by step 2 (kick law)"] = percent(row["predicted_out_by_2"])
            entry["out by step 10"] = percent(row["out_by_10"])
            if long_runs:
                entry["out by step 100"] = percent(row["out_by_100"])
            entry |= {"ended in a flatter basin": percent(row["flatter_fraction"]),
                      "ended at a global minimum": percent(row["global_fraction"]),
                      "median final loss": significant(row["final_loss_median"]),
                      "median λmax at the end": significant(row["end_point_sharpness_median"]),
                      "median distance travelled": significant(row["distance_median"]),
                      "steps": int(row["steps"]), "gradient evaluations": int(row["grad_evals"])}
            rows.append(entry)
    return pd.DataFrame(rows)


def labelled_csv(view: EscapeView) -> str:
    """The exact table (SweepTable.to_csv) with each row's human label first."""
    count = len(view.labels)
    rows = tuple({"label": view.sample_label((i % count, i // count)), **row} for i, row in enumerate(view.table.rows))
    return SweepTable(("label", *view.table.columns), rows).to_csv()


def labelled_survival_csv(view: EscapeView) -> str:
    """Every row's survival curve (table.survival, exact) with the row's human label first."""
    count = len(view.labels)
    rows = tuple({"label": view.sample_label((i % count, i // count)), **point}
                 for i, curve in enumerate(view.curves) for point in curve)
    return SweepTable(("label", *view.table.survival.columns), rows).to_csv()


@compute.cached
def first_starts(surface: Landscape, basin: str, runs: int, seed: int, count: int) -> np.ndarray:
    """The first `count` of the `runs` starts a sweep draws inside `basin` (the same seeded draw: how many are drawn
    decides which come first)."""
    return starts_in_basin(surface, resolve_basin(surface, basin), runs, seed)[:count].copy()


@dataclass(frozen=True)
class SampleRuns:
    """A configuration's first runs as the player draws them, their basin tracks and the landscape's picture."""

    result: RunResult
    tracks: np.ndarray
    picture: Picture


def sample_runs(state: EscapeState, surface: Landscape, method: Optimizer, steps: int, max_work: int) -> SampleRuns:
    """The first runs of a configuration, from the shared cache when shown before (nothing to check then), else the
    whole request checked first: the sweep's starts drawn again, the runs, their basin tracks and the picture."""
    key = (surface.spec, method.spec, state.basin, state.runs, state.seed, steps)
    found = compute.stored("escape samples", key)
    if found is not None:
        return found
    count = min(SAMPLE_RUNS, state.runs)
    every = record_every(steps, count)
    recorded = len(recorded_step_indices(steps, every))
    work.check(work.total([escape_work(surface, method, state.runs, 0, draw_starts=True),
                           work.run_work(surface, method, count, steps, recorded),
                           work.basin_work(surface, count * min(recorded, BASIN_POINTS), "the runs' basin tracks"),
                           work.pixels_work(surface, PICTURE_RESOLUTION**2)]), max_work, work.APP_REQUEST_BYTES)
    starts = tuple(map(tuple, first_starts(surface, state.basin, state.runs, state.seed, count).tolist()))
    return compute.store("escape samples", key, SampleRuns(
        compute.trajectories(surface, method, starts, steps, every).result,
        compute.tracks(surface, method, starts, steps, every), compute.picture(surface)))


def sample_payload(state: EscapeState, view: EscapeView, sample: tuple[int, int], max_work: int) -> dict:
    """The player's payload of one configuration's first runs, in its optimizer's colour, with basin tracks."""
    k, v = sample
    row = view.row(k, v)
    surface = compute.landscape(row["landscape"])
    runs = sample_runs(state, surface, OPTIMIZERS.build(row["optimizer_spec"]), row["steps"], max_work)
    label = view.sample_label(sample)
    basin = basin_names(surface)[resolve_basin(surface, state.basin)]
    note = (f"The first {runs.result.n_runs} of the {state.runs} runs of this configuration: the sweep's own starts, "
            f"drawn inside the {basin}. The status line names the runs that escape; press play.")
    payload = build_payload(surface, {label: runs.result}, runs.picture, basins={label: runs.tracks}, note=note,
                            landscape_label=row["landscape"])
    style = view.styles[k]  # the optimizer's colour among all shown (a second Adam is a shade of the first)
    payload["series"][0] |= {"colour": style.colour, "dash": list(style.dash)}
    return payload
