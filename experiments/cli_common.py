"""Arguments several cmx commands share: the landscape (a spec or a formula) and the work limit."""

from __future__ import annotations

import argparse

from experiments.run import DEFAULT_MAX_WORK
from landscapes import Landscape, build_landscape
from specs import SpecError


def add_landscape_arguments(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    group = parser.add_mutually_exclusive_group(required=default is None)
    group.add_argument("--landscape", default=default,
                       help="landscape spec, e.g. two_basin:sharpness=8" + (f" (default {default})" if default else ""))
    group.add_argument("--formula", help="a custom landscape: a formula in x and y, e.g. 'x**2 + 3*sin(y)'")


def landscape_from(args: argparse.Namespace) -> Landscape:
    """The landscape named by --landscape, or the custom one written with --formula."""
    if args.formula is not None:
        return build_landscape("custom", formula=args.formula)
    if args.landscape is None:
        raise SpecError("give --landscape SPEC or --formula TEXT")
    return build_landscape(args.landscape)


def add_work_limit_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-work", type=int, default=DEFAULT_MAX_WORK,
                        help=f"refuse requests above this many runs x steps x gradient evaluations "
                             f"(default {DEFAULT_MAX_WORK:,})")
