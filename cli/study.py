"""`cmx figures`: the toy study, every figure and table, into one folder."""

from __future__ import annotations

import argparse

from cli.common import add_scheduler_argument, add_work_limit_argument, print_text, progress_bar
from experiments.cluster import Cluster
from study import write_study
from study.toy import STUDY_MAX_WORK


def _figures(args: argparse.Namespace) -> None:
    with Cluster(args.scheduler) as cluster, progress_bar("cmx figures") as bar:
        written = write_study(args.out, quick=args.quick, progress=bar, max_work=args.max_work, client=cluster)
    print_text("\n".join(str(path) for path in written))


def add_parser(commands: argparse._SubParsersAction) -> None:
    figures = commands.add_parser("figures", help="the paper-style toy study as PNG + CSV files")
    figures.add_argument("--out", required=True, help="folder to write into (created if missing); its files are "
                                                     "written together once every study has run")
    figures.add_argument("--quick", action="store_true", help="a tiny version (seconds, for tests and smoke checks)")
    add_scheduler_argument(figures)
    add_work_limit_argument(figures, STUDY_MAX_WORK)  # each of the study's requests
    figures.set_defaults(handler=_figures)
