"""`cmx reproduce`: measure a published result again and print it beside the published value and the tolerance."""

from __future__ import annotations

import argparse

from cli.common import print_text
from experiments.reproduced import MEASURES, measure, rows_of


def _reproduce(args: argparse.Namespace) -> int:
    if args.figures:
        from study.reproduced import write_figures

        print_text("\n".join(str(path) for path in write_figures(args.figures)))
        return 0
    keys = args.results or list(MEASURES)
    lines, failed = [], 0
    for key in keys:
        recorded = {row.key: row for row in rows_of(key)}
        for measured in measure(key, args.quick):
            row = recorded[measured.key]
            failed += not measured.holds
            lines += [f"{measured.key}: {row.claim}",
                      f"  published: {row.published}  ({row.source})",
                      f"  measured:  {measured.value}  [{'holds' if measured.holds else 'OUTSIDE'}: {row.tolerance}]"]
    print_text("\n".join(lines))
    return 1 if failed else 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    reproduce = commands.add_parser("reproduce", help="measure the published results docs/reproduced.md lists")
    reproduce.add_argument("results", nargs="*", metavar="RESULT",
                           help=f"which results (default: all): {', '.join(MEASURES)}")
    reproduce.add_argument("--figures", metavar="DIR", help="write the figures of docs/reproduced.md into DIR instead "
                                                           "(results 2 to 5, a few minutes)")
    reproduce.add_argument("--quick", action="store_true", help="fewer runs (seconds to a minute a result)")
    reproduce.set_defaults(handler=_reproduce)
