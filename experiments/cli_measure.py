"""`cmx escape` and `cmx sweep`: the sweep engine from the command line, a table on stdout, CSV and PNG files."""

from __future__ import annotations

import argparse

from experiments.cli_common import add_landscape_arguments, add_work_limit_argument, landscape_from
from experiments.cli_run import write_output
from experiments.progress import ProgressBar
from experiments.sweep import MEASURES, SweepTable, sweep
from optimizers import OPTIMIZERS
from specs import SpecError, format_spec, parse_spec

DEFAULT_OPTIMIZERS = "adam,adam_sam,adam_cm,adam_sam_cm"
DEFAULT_LR = 0.05  # Adam's 1e-3 barely moves on these toy surfaces; 0.05 shows escapes within 200 steps (README)
SHOWN_ESCAPE = ("runs", "escaped", "diverged", "escape_rate", "ci_low", "ci_high", "flatter_fraction",
                "final_loss_median", "steps")


def split_specs(text: str) -> list[str]:
    """'adam,adam_cm:lr=0.01,top_c=3' -> ['adam', 'adam_cm:lr=0.01,top_c=3']: a piece with '=' and no ':' before
    it continues the previous spec; ';' always separates."""
    specs: list[str] = []
    for group in text.split(";"):
        current: list[str] = []
        for piece in (p.strip() for p in group.split(",")):
            key, eq, _ = piece.partition("=")
            if eq and ":" not in key and current:
                current[-1] += "," + piece
            elif piece:
                current.append(piece)
        specs += current
    if not specs:
        raise SpecError(f"--optimizers must name at least one optimizer, e.g. {DEFAULT_OPTIMIZERS} (got '{text}')")
    return specs


def with_default_lr(spec: str, lr: float | None) -> str:
    """The spec with lr set to `lr` unless the spec sets its own (or the optimizer has no lr)."""
    name, values = OPTIMIZERS.resolve(spec)
    if lr is None or "lr" in parse_spec(spec)[1] or "lr" not in values:
        return spec
    values["lr"] = lr
    return format_spec(name, values, OPTIMIZERS.entry(name).fields)


def parse_sweep(text: str | None) -> tuple[str | None, list[str] | None]:
    """'NAME=V1,V2,...' -> ('NAME', ['V1', 'V2', ...]); values are checked by the parameter's schema later."""
    if text is None:
        return None, None
    name, eq, values = text.partition("=")
    items = [v.strip() for v in values.split(",") if v.strip()]
    if not eq or not name.strip() or not items:
        raise SpecError(f"--sweep must be written NAME=V1,V2,... as in sharpness=1,2,4,8 (got '{text}')")
    return name.strip(), items


def _sweep_from(args: argparse.Namespace, measure: str) -> SweepTable:
    landscape = landscape_from(args)
    optimizers = [with_default_lr(spec, args.lr) for spec in split_specs(args.optimizers)]
    axis, values = parse_sweep(args.sweep)
    with ProgressBar(f"cmx {args.command}") as bar:
        return sweep(landscape, optimizers, axis, values, runs=args.runs, steps=args.steps, seed=args.seed,
                     basin=args.basin, measure=measure, equalise_grad_evals=args.equal_grad_evals, progress=bar,
                     max_work=args.max_work, spread=args.spread)


def _write(args: argparse.Namespace, table: SweepTable, shown: tuple[str, ...] | None) -> None:
    axis = parse_sweep(args.sweep)[0]
    if args.out == "-":
        write_output(table.to_csv(), None)
    else:
        if args.out:
            write_output(table.to_csv(), args.out)
        columns = ("optimizer", *([axis] if axis else []), *shown) if shown else None
        write_output(table.to_text(columns), None)
    if args.plot:
        from experiments.figures import escape_curve_figure  # matplotlib only when a plot is asked for

        escape_curve_figure(table, axis).savefig(args.plot, dpi=120, metadata={"Software": None})


def _escape(args: argparse.Namespace) -> None:
    _write(args, _sweep_from(args, "escape"), SHOWN_ESCAPE)


def _sweep(args: argparse.Namespace) -> None:
    if args.plot and args.measure != "escape":
        raise SpecError("--plot draws escape rates: use it with --measure escape (or cmx escape)")
    _write(args, _sweep_from(args, args.measure), SHOWN_ESCAPE if args.measure == "escape" else None)


def _add_engine_arguments(parser: argparse.ArgumentParser, runs: int, steps: int) -> None:
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS,
                        help=f"comma-separated optimizer specs (default {DEFAULT_OPTIMIZERS}); "
                             "'adam_cm:lr=0.01,top_c=3' keeps its own commas, ';' also separates")
    parser.add_argument("--lr", type=float, default=DEFAULT_LR,
                        help=f"learning rate of every optimizer whose spec sets none (default {DEFAULT_LR})")
    parser.add_argument("--sweep", help="NAME=V1,V2,...: a landscape parameter (sharpness, depth, ...) or an "
                                        "optimizer hyperparameter (lr, rho, top_c, decay, priority, ...)")
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
    parser.add_argument("--out", help="write the table as CSV to this file ('-': CSV on stdout instead of the table)")
    parser.add_argument("--plot", help="draw escape rate with 95%% confidence bands to this PNG")
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
