"""`cmx escape` and `cmx sweep`: the sweep engine from the command line, a table on stdout, CSV and image files."""

from __future__ import annotations

import argparse
import math

from cli.common import (
    IMAGE_FORMATS,
    add_landscape_arguments,
    add_optimizer_arguments,
    add_work_limit_argument,
    landscape_from,
    optimizers_from,
    print_text,
    progress_bar,
)
from experiments.matched import MATCH_MODES
from experiments.sweep import MAX_AXES, MAX_VALUES, MEASURES, SweepTable, sweep
from experiments.theory import kick_boundaries, radius_boundaries
from experiments.watch import EARLY_WINDOW
from export.files import OutputFiles
from specs import SpecError

SHOWN_ESCAPE = ("runs", "escaped", "diverged", "escape_rate", "ci_low", "ci_high", "flatter_fraction",
                "median_escape_step", "out_by_2", "out_by_10", "converged_fraction", "early_step_mean", "steps")
SHOWN_EXTRA = ("predicted_out_by_2", "late_escaped", "late_runs", "late_escape_rate", "late_ci_low", "late_ci_high",
               "matched_lr", "match_window")
TABLE_FORMATS = ("csv",)
PHASE_VALUES = ("escape_rate", "median_escape_step", "mean_escape_step")


def parse_sweeps(texts: list[str] | None) -> dict[str, list[str]]:
    """Every --sweep NAME=V1,V2,... as {NAME: [V1, V2, ...]} (two give a phase diagram); values are checked by the
    parameter's schema later."""
    axes: dict[str, list[str]] = {}
    for text in texts or []:
        name, values = parse_sweep(text)
        if name in axes:
            raise SpecError(f"--sweep {name[:40]} is given twice")
        axes[name] = values
    if len(axes) > MAX_AXES:
        raise SpecError(f"--sweep takes at most {MAX_AXES} parameters (got {len(axes)})")
    return axes


def parse_sweep(text: str) -> tuple[str, list[str]]:
    """'NAME=V1,V2,...' -> ('NAME', ['V1', 'V2', ...])."""
    name, eq, values = text.partition("=")
    items = [v.strip() for v in values.split(",") if v.strip()]
    if not eq or not name.strip() or not items:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise SpecError(f"--sweep must be written NAME=V1,V2,... as in sharpness=1,2,4,8 (got '{shown}')")
    if len(items) > MAX_VALUES:
        raise SpecError(f"--sweep takes at most {MAX_VALUES} values (got {len(items)})")
    return name.strip(), items


def _sweep_from(args: argparse.Namespace, measure: str) -> SweepTable:
    """`cmx escape` and `cmx sweep`: the sweep, its files renamed together once all are written, then the table
    (or, with --out -, the CSV) on standard output."""
    with OutputFiles() as files:
        table, axes = _sweep_into(files, args, measure)
        files.commit()
    if args.out == "-":
        print_text(table.to_csv())
    else:
        shown = (*SHOWN_ESCAPE, *(c for c in SHOWN_EXTRA if c in table.columns)) if measure == "escape" else None
        print_text(table.to_text(("optimizer", *axes, *shown) if shown else None))
    return table


def _sweep_into(files: OutputFiles, args: argparse.Namespace, measure: str) -> tuple[SweepTable, list[str]]:
    """The sweep and its swept names, its files claimed before any work (--out, --plot, --survival) and filled
    from its table."""
    out = files.claim(args.out, "--out", TABLE_FORMATS) if args.out not in (None, "-") else None
    plot = files.claim(args.plot, "--plot", IMAGE_FORMATS) if args.plot else None
    survival = files.claim(args.survival, "--survival", TABLE_FORMATS + IMAGE_FORMATS) if args.survival else None
    if measure != "escape" and (survival or args.after is not None or args.match_step or args.predict):
        raise SpecError("--survival, --after, --match-step and --predict measure escapes: use them with "
                        "--measure escape (or cmx escape)")
    windows = [w.strip() for w in args.match_window.split(",") if w.strip()] if args.match_window else [EARLY_WINDOW]
    landscape = landscape_from(args)
    optimizers = optimizers_from(args)
    axes = parse_sweeps(args.sweep)
    drawn_survival = survival is not None and survival.suffix.lower().lstrip(".") not in TABLE_FORMATS
    if drawn_survival:
        from export.figures import check_survival_panels  # matplotlib only when a figure is asked for

        check_survival_panels(math.prod(len(values) for values in axes.values()))
    with progress_bar(f"cmx {args.command}") as bar:
        table = sweep(landscape, optimizers, axes or None, runs=args.runs, steps=args.steps, seed=args.seed,
                      basin=args.basin, measure=measure, equalise_grad_evals=args.equal_grad_evals, progress=bar,
                      max_work=args.max_work, spread=args.spread, after=args.after, match_step=args.match_step,
                      predict=args.predict, match_window=windows, match_mode=args.match_mode)
    if out is not None:
        files.write(out, table.to_csv())
    if plot is not None:
        from export.figures import escape_curve_figure, phase_figure

        if len(axes) == 2:
            figure = phase_figure(table, *axes, value=args.cells, boundaries=kick_boundaries(table, *axes, args.basin),
                                  radius_boundaries=radius_boundaries(table, *axes, args.basin))
        else:
            figure = escape_curve_figure(table, next(iter(axes), None))
        files.write_figure(plot, figure)
    if survival is not None:
        if drawn_survival:
            from export.figures import survival_figure

            files.write_figure(survival, survival_figure(table.survival, list(axes)))
        else:
            files.write(survival, table.survival.to_csv())
    return table, list(axes)


def _escape(args: argparse.Namespace) -> None:
    _sweep_from(args, "escape")


def _sweep(args: argparse.Namespace) -> None:
    if args.plot and args.measure != "escape":
        raise SpecError("--plot draws escape rates: use it with --measure escape (or cmx escape)")
    _sweep_from(args, args.measure)


def _add_engine_arguments(parser: argparse.ArgumentParser, runs: int, steps: int) -> None:
    add_optimizer_arguments(parser)
    parser.add_argument("--sweep", action="append",
                        help="NAME=V1,V2,...: a landscape parameter (sharpness, depth, ...) or an optimizer "
                             "hyperparameter (lr, rho, top_c, decay, priority, ...); twice for a phase diagram")
    parser.add_argument("--basin", default="sharp",
                        help="start basin: sharp, flat, global, sharpest or a minimum's index (default sharp)")
    parser.add_argument("--spread", type=float, default=0.5,
                        help="starts lie within this fraction of the distance from the minimum to its basin's "
                             "nearest edge (default 0.5)")
    parser.add_argument("--runs", type=int, default=runs, help=f"runs per row (default {runs})")
    parser.add_argument("--steps", type=int, default=steps, help=f"steps per run (default {steps})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the starts (default 0)")
    parser.add_argument("--equal-grad-evals", action="store_true",
                        help="give every optimizer the same gradient evaluations: SAM variants take steps/2 steps")
    parser.add_argument("--out", help="write the table as CSV to this file, .csv ('-': CSV on stdout instead of the "
                                      "table)")
    parser.add_argument("--plot", help="draw escape rate with 95%% intervals to this image (.png, .pdf, .svg, ...)")
    parser.add_argument("--cells", choices=PHASE_VALUES, default="escape_rate",
                        help="with two --sweep and --plot: what the heatmap's cells show (default escape_rate); on "
                             "two_basin's lr x sharpness the kick law's boundary (dashed) and the radius law's "
                             "(dotted) are drawn over Adam+CM's")
    parser.add_argument("--survival", help="escape: the share of runs still in the basin at every checked step, with "
                                           "95%% bands, as CSV (.csv) or drawn (.png, .pdf, .svg, ...)")
    parser.add_argument("--after", type=int,
                        help="escape: also count escapes only among runs still in their basin at this step")
    parser.add_argument("--match-step", metavar="OPTIMIZER",
                        help="escape: also run every optimizer without a memory buffer (adam, adam_sam, sgd, ...) at "
                             "the lr whose mean step over the first 20 steps equals this one's (e.g. adam_cm): "
                             "escape at equal step length")
    parser.add_argument("--match-window", metavar="W1,W2,...",
                        help="escape, with --match-step: the steps the mean step lengths are matched over, one row "
                             f"per window (default {EARLY_WINDOW}), e.g. 2,20,200")
    parser.add_argument("--match-mode", choices=MATCH_MODES, default="lr",
                        help="escape, with --match-step: lr (run at the lr matching the mean step over the window) "
                             "or lengths (each run takes its own direction with the reference run's step lengths, "
                             "step by step)")
    parser.add_argument("--predict", action="store_true",
                        help="escape: add the kick law's predicted share out after two steps (Adam+CM rows)")
    add_work_limit_argument(parser)


def add_parser(commands: argparse._SubParsersAction) -> None:
    escape = commands.add_parser("escape", help="escape rates from a basin, per optimizer (and swept value)")
    add_landscape_arguments(escape, default="two_basin")
    _add_engine_arguments(escape, runs=1000, steps=200)
    escape.set_defaults(handler=_escape)
    sweeper = commands.add_parser("sweep", help="final loss, sharpness and distance (or escape) over a swept value")
    add_landscape_arguments(sweeper, default="two_basin")
    _add_engine_arguments(sweeper, runs=500, steps=500)
    sweeper.add_argument("--measure", choices=MEASURES, default="final",
                         help="final: runs start all over the domain; escape: inside --basin (default final)")
    sweeper.set_defaults(handler=_sweep)
