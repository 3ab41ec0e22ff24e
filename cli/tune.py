"""`cmx tune`: each optimizer at its own best lr (and any knob named) for a stated objective, within a budget."""

from __future__ import annotations

import argparse

from cli.common import (
    add_landscape_arguments,
    add_optimizer_arguments,
    add_work_limit_argument,
    landscape_from,
    optimizers_from,
    print_text,
)
from experiments.sweep import SweepTable
from experiments.tune import OBJECTIVES, tune, tuned_table_rows
from export.files import OutputFiles
from specs import SpecError


def parse_ranges(texts: list[str] | None) -> dict[str, tuple[str, str]]:
    """Every --range NAME=LOW:HIGH as {NAME: (LOW, HIGH)} (checked by the knob's field later)."""
    ranges = {}
    for text in texts or []:
        name, eq, bounds = text.partition("=")
        low, colon, high = bounds.partition(":")
        if not eq or not colon or not name.strip() or not low.strip() or not high.strip():
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise SpecError(f"--range must be written NAME=LOW:HIGH as in lr=0.001:0.5 (got '{shown}')")
        ranges[name.strip()] = (low.strip(), high.strip())
    return ranges


def _tune(args: argparse.Namespace) -> None:
    with OutputFiles() as files:
        out = files.claim(args.out, "--out", ("csv",)) if args.out else None
        found = tune(landscape_from(args), optimizers_from(args), args.objective,
                     [k.strip() for k in args.knobs.split(",") if k.strip()], args.trials, args.runs, args.steps,
                     args.seed, args.basin, parse_ranges(args.range), max_work=args.max_work)
        rows = tuned_table_rows(found)
        columns = tuple(dict.fromkeys(key for row in rows for key in row))
        table = SweepTable(columns, tuple({c: row.get(c, "") for c in columns} for row in rows))
        if out is not None:
            trials = [{"optimizer": t.optimizer.name, "trial": trial.number, **trial.values,
                       "objective": trial.objective} for t in found for trial in t.trials]
            names = tuple(dict.fromkeys(key for row in trials for key in row))
            files.write(out, SweepTable(names, tuple({c: r.get(c, "") for c in names} for r in trials)).to_csv())
        files.commit()
    print_text(table.to_text(tuple(c for c in columns if c != "optimizer_spec")))


def add_parser(commands: argparse._SubParsersAction) -> None:
    tuner = commands.add_parser("tune", help="each optimizer at its own best lr (or other knobs) for an objective")
    add_landscape_arguments(tuner, default="two_basin")
    add_optimizer_arguments(tuner)
    tuner.add_argument("--objective", choices=tuple(OBJECTIVES), default="final_loss",
                       help="final_loss: the mean final loss of runs started over the domain (minimised); "
                            "escape_rate: the share of runs leaving --basin (maximised) (default final_loss)")
    tuner.add_argument("--knobs", default="lr", help="comma-separated numeric knobs to search (default lr)")
    tuner.add_argument("--range", action="append", metavar="NAME=LOW:HIGH",
                       help="a knob's search range (default: lr 1e-4 to 1 on a log scale; others their field's)")
    tuner.add_argument("--trials", type=int, default=30, help="Optuna TPE trials per optimizer (default 30)")
    tuner.add_argument("--runs", type=int, default=200, help="runs per trial (default 200)")
    tuner.add_argument("--steps", type=int, default=200, help="steps per run (default 200)")
    tuner.add_argument("--seed", type=int, default=0, help="seed of the sampler and of the starts (default 0)")
    tuner.add_argument("--basin", default="sharp", help="escape_rate: the start basin (default sharp)")
    tuner.add_argument("--out", help="write every trial (optimizer, trial, values, objective) as CSV to this file")
    add_work_limit_argument(tuner)
    tuner.set_defaults(handler=_tune)
