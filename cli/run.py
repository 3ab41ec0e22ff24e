"""`cmx landscapes`, `cmx optimizers` and `cmx run`."""

from __future__ import annotations

import argparse

import numpy as np

from cli.common import add_landscape_arguments, add_work_limit_argument, landscape_from, print_text
from experiments.run import run
from export.files import OutputFiles
from export.tables import result_csv, result_json
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from specs import Registry, SpecError


def schema_table(registry: Registry) -> str:
    """One block per entry: its name and help, then one line per parameter with default and allowed range."""
    lines = []
    for entry in registry.entries():
        lines.append(f"{entry.name}  —  {entry.help}")
        for field in entry.fields:
            lines.append(f"    {field.name:<14} default {field.format(field.default):<10} {field.range_text():<34} "
                         f"{field.help}")
        lines.append("")
    return "\n".join(lines)


def parse_point(text: str, dim: int) -> list[float]:
    """'X,Y' -> [x, y], checked for length and finiteness."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    try:
        values = [float(part) for part in text.split(",")] if text.isascii() else None
    except ValueError:
        values = None
    if values is None or len(values) != dim or not all(np.isfinite(values)):
        raise SpecError(f"--start must be {dim} comma-separated finite numbers (got '{shown}')")
    return values


def _landscapes(args: argparse.Namespace) -> None:
    print_text(schema_table(LANDSCAPES))


def _optimizers(args: argparse.Namespace) -> None:
    print_text(schema_table(OPTIMIZERS))


def _run(args: argparse.Namespace) -> None:
    with OutputFiles() as files:
        out = files.claim(args.out, "--out", (args.format,)) if args.out not in (None, "-") else None
        landscape = landscape_from(args)
        optimizer = OPTIMIZERS.build(args.optimizer)
        if not args.start:
            raise SpecError("give at least one --start X,Y")
        starts = np.array([parse_point(text, landscape.dim) for text in args.start])
        result = run(landscape, optimizer, starts, args.steps, record="all" if args.every == 1 else args.every,
                     max_work=args.max_work)
        text = result_json(result) if args.format == "json" else result_csv(result)
        if out is None:
            print_text(text)
        else:
            files.write(out, text)
            files.commit()


def add_parser(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("landscapes", help="list landscapes with their parameters").set_defaults(handler=_landscapes)
    commands.add_parser("optimizers", help="list optimizers with their parameters").set_defaults(handler=_optimizers)
    parser = commands.add_parser("run", help="run one optimizer from given starts and print the trajectories")
    add_landscape_arguments(parser)
    parser.add_argument("--optimizer", required=True, help="optimizer spec, e.g. adam_cm:lr=0.01,top_c=5")
    parser.add_argument("--start", action="append", default=[], help="a start point X,Y (repeat for more runs)")
    parser.add_argument("--steps", type=int, default=500, help="number of steps (default 500)")
    parser.add_argument("--every", type=int, default=1, help="record every k-th step (default 1: all)")
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("--out", help="output file, ending in the format's extension (.json or .csv; default: "
                                       "standard output)")
    add_work_limit_argument(parser)
    parser.set_defaults(handler=_run)
