"""`cmx landscapes`, `cmx optimizers` and `cmx run`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys

import numpy as np

from experiments.cli_common import add_landscape_arguments, add_work_limit_argument, landscape_from
from experiments.run import RunResult, run
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
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise SpecError(f"--start must be {dim} comma-separated numbers (got '{text}')") from None
    if len(values) != dim or not all(np.isfinite(values)):
        raise SpecError(f"--start must be {dim} comma-separated finite numbers (got '{text}')")
    return values


def result_json(result: RunResult) -> str:
    def finite_or_none(values: np.ndarray) -> list:
        return [v if np.isfinite(v) else None for v in values.tolist()]

    runs = []
    for i in range(result.n_runs):
        runs.append({
            "start": result.starts[i].tolist(),
            "positions": [finite_or_none(p) for p in result.positions[:, i]],
            "losses": finite_or_none(result.losses[:, i]),
            "diverged_at": int(result.diverged_at[i]) if result.diverged[i] else None,
            "grad_evals": int(result.grad_evals[i]),
        })
    return json.dumps({"landscape": result.landscape, "optimizer": result.optimizer, "steps": result.steps,
                       "recorded_steps": result.recorded_steps.tolist(), "runs": runs}, indent=1)


def result_csv(result: RunResult) -> str:
    """One row per (run, recorded step): run, step, x0..x{d-1}, loss, diverged."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    dim = result.positions.shape[2]
    writer.writerow(["run", "step", *[f"x{k}" for k in range(dim)], "loss", "diverged"])
    for i in range(result.n_runs):
        for r, step in enumerate(result.recorded_steps):
            diverged = bool(result.diverged[i] and step >= result.diverged_at[i])
            point = map(repr, result.positions[r, i].tolist())
            writer.writerow([i, int(step), *point, repr(float(result.losses[r, i])), int(diverged)])
    return out.getvalue()


def write_output(text: str, path: str | None) -> None:
    if path in (None, "-"):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


def _landscapes(args: argparse.Namespace) -> None:
    write_output(schema_table(LANDSCAPES), None)


def _optimizers(args: argparse.Namespace) -> None:
    write_output(schema_table(OPTIMIZERS), None)


def _run(args: argparse.Namespace) -> None:
    landscape = landscape_from(args)
    if not args.start:
        raise SpecError("give at least one --start X,Y")
    starts = np.array([parse_point(text, landscape.dim) for text in args.start])
    result = run(landscape, args.optimizer, starts, args.steps, record="all" if args.every == 1 else args.every,
                 max_work=args.max_work)
    write_output(result_json(result) if args.format == "json" else result_csv(result), args.out)


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
    parser.add_argument("--out", help="output file (default: standard output)")
    add_work_limit_argument(parser)
    parser.set_defaults(handler=_run)
