"""What several cmx commands share: the landscape and optimizer arguments (each spec parsed once, here), the work
limit and the progress bar. Output files are claimed, filled and renamed together by export.files.OutputFiles."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator

from tqdm import tqdm

from experiments.cluster import PROCESSES, THREADS
from experiments.work import DEFAULT_MAX_WORK
from landscapes import LANDSCAPES, Landscape
from optimizers import OPTIMIZERS, Optimizer
from specs import SpecError

DEFAULT_OPTIMIZERS = "adam,adam_sam,adam_cm,adam_sam_cm"
DEFAULT_LR = 0.05  # Adam's 1e-3 barely moves on these toy surfaces; 0.05 shows escapes within 200 steps (README)


def add_landscape_arguments(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    group = parser.add_mutually_exclusive_group(required=default is None)
    group.add_argument("--landscape", default=default,
                       help="landscape spec, e.g. two_basin:sharpness=8" + (f" (default {default})" if default else ""))
    group.add_argument("--formula", help="a custom landscape: a formula in x and y, e.g. 'x**2 + 3*sin(y)'")


def landscape_from(args: argparse.Namespace) -> Landscape:
    """The landscape named by --landscape, or the custom one written with --formula (built once)."""
    if args.formula is not None:
        return LANDSCAPES.build({"name": "custom", "formula": args.formula})
    if args.landscape is None:
        raise SpecError("give --landscape SPEC or --formula TEXT")
    return LANDSCAPES.build(args.landscape)


def add_optimizer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS,
                        help=f"comma-separated optimizer specs (default {DEFAULT_OPTIMIZERS}); "
                             "'adam_cm:lr=0.01,top_c=3' keeps its own commas, ';' also separates")
    parser.add_argument("--lr", type=float, default=DEFAULT_LR,
                        help=f"learning rate of every optimizer whose spec sets none (default {DEFAULT_LR})")


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


def optimizer_with_default_lr(spec: str, lr: float | None) -> Optimizer:
    """The optimizer of `spec`, with lr set to `lr` unless the spec sets its own (or the optimizer has none)."""
    name, raw = OPTIMIZERS.parse(spec)
    if lr is not None and "lr" not in raw and any(f.name == "lr" for f in OPTIMIZERS.entry(name).fields):
        raw["lr"] = lr
    return OPTIMIZERS.build({"name": name, **raw})


def optimizers_from(args: argparse.Namespace) -> list[Optimizer]:
    return [optimizer_with_default_lr(spec, args.lr) for spec in split_specs(args.optimizers)]


def add_work_limit_argument(parser: argparse.ArgumentParser, default: int = DEFAULT_MAX_WORK) -> None:
    parser.add_argument("--max-work", type=int, default=default,
                        help=f"refuse requests above this many run-steps of work (default {default:,}); "
                             "every part of a request counts: runs, basin assignment, minima, frames")


def add_scheduler_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheduler", default=THREADS,
                        help=f"where the runs go: {THREADS} (default: this process), {PROCESSES} (a dask LocalCluster, "
                             "a worker process per core) or a dask scheduler's address, tcp://HOST:PORT (started "
                             "with `dask scheduler`, its workers with `dask worker tcp://HOST:PORT`); the same table")


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[float], None]]:
    """A callback taking the fraction done, drawn on the terminal (stderr) after a second; silent off a terminal."""
    with tqdm(total=100, desc=label, delay=1, disable=None, leave=False, file=sys.stderr,
              bar_format="{desc} {bar} {percentage:3.0f}% {elapsed}") as bar:
        def report(fraction: float) -> None:
            bar.update(round(100 * min(max(fraction, 0.0), 1.0)) - bar.n)

        yield report


# What matplotlib's Agg canvas writes, by file extension.
IMAGE_FORMATS = ("png", "pdf", "svg", "svgz", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")


def print_text(text: str) -> None:
    """Text on standard output, ending in one newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
