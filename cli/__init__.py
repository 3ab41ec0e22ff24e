"""The `cmx` command line. Every user error is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence

# Each command module exposes add_parser(subparsers) and sets `handler` on its parser.
from cli import lesson, measure, pictures, reproduce, run, study, tune
from experiments.allocator import keep_freed_memory
from specs import SpecError
from specs.fields import printable

COMMAND_MODULES = [run, measure, pictures, study, tune, lesson, reproduce]
ECHO_LIMIT = 40  # characters of a refused value argparse repeats

# argparse takes "-1,0" for an option; a value that is a list of numbers is glued to its flag instead, and so is
# any value of a text option (a formula such as "-x**2 + y**2").
_NUMBER_LIST = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(,\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)*$")
TEXT_OPTIONS = ("--formula",)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: {shorten_values(printable(message))}\n")


def shorten_values(message: str) -> str:
    """argparse's message with every quoted value cut to ECHO_LIMIT characters (a 5000-digit number stays short)."""
    too_long = r"'([^']{%d,})'".replace("%d", str(ECHO_LIMIT + 1))
    return re.sub(too_long, lambda m: f"'{m.group(1)[:ECHO_LIMIT - 3]}...'", message)


def glue_number_lists(argv: Sequence[str]) -> list[str]:
    """['--start', '-1,0'] -> ['--start=-1,0'] so that negative coordinates (and formulas) need no '='."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token.startswith("--") and "=" not in token and i + 1 < len(argv) and argv[i + 1].startswith("-") \
                and (_NUMBER_LIST.match(argv[i + 1]) or token in TEXT_OPTIONS):
            out.append(f"{token}={argv[i + 1]}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="cmx", description="The critical-momenta explorer: run and measure optimizers on toy "
                                                   "loss surfaces.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for module in COMMAND_MODULES:
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(glue_number_lists(list(sys.argv[1:] if argv is None else argv)))
    keep_freed_memory()  # long batches of fresh arrays: see experiments.allocator
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        return handler(args) or 0
    except SpecError as error:
        print(f"cmx {args.command}: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(printable(f"cmx {args.command}: {error.strerror or error}: {error.filename or ''}".rstrip(": ")),
              file=sys.stderr)
        return 2
    except MemoryError:
        print(f"cmx {args.command}: this machine ran out of memory; lower runs, steps or the resolution",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cmx {args.command}: interrupted", file=sys.stderr)
        return 130
