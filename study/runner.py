"""Running the toy study: each study of study.toy.STUDIES checked against the work limit before any runs, then
computed, and the whole study written as PNG + CSV files together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from experiments import work
from export.files import OutputFiles
from landscapes import Landscape, build_landscape
from specs import SpecError
from study.toy import FULL, QUICK, STUDIES, STUDY_MAX_WORK, Study, StudySize, Tables


def study_of(stem: str) -> Study:
    if stem not in STUDIES:
        raise SpecError(f"no study is called {stem[:40]}; the studies are {', '.join(STUDIES)}")
    return STUDIES[stem]


def study_requests(stem: str, size: StudySize, goldstein_price: Landscape | None = None) -> list[work.Work]:
    """What run_study(stem, size) costs, one Work per request it makes (its runs, each sweep), counted (each
    argument checked) before any of them runs."""
    return study_of(stem).requests(size, goldstein_price or build_landscape("goldstein_price"))


def check_study(stem: str, size: StudySize, max_work: int | work.Limit,
                goldstein_price: Landscape | None = None) -> None:
    """Refuse study `stem` if any of its requests passes `max_work` (the limit is each request's, as for any other
    command), naming the study."""
    for request in study_requests(stem, size, goldstein_price):
        try:
            work.check(request, max_work, lower="the study's size (quick=True, --quick)")
        except SpecError as error:
            raise SpecError(f"study {stem}: {error}") from None


def run_study(stem: str, size: StudySize, max_work: int | work.Limit | None = STUDY_MAX_WORK,
              goldstein_price: Landscape | None = None, progress: Callable[[float], None] | None = None
              ) -> tuple[Figure, Tables]:
    """One study by its stem (STUDIES): its figure and its tables by file-name suffix ("" for the main one), every
    request of it checked against `max_work` first. `goldstein_price`, when given, is shared by (a) and (d) (its
    minima cost a moment to find)."""
    study = study_of(stem)
    goldstein_price = goldstein_price or build_landscape("goldstein_price")
    if max_work is not None:
        check_study(stem, size, max_work, goldstein_price)
    return study.compute(size, goldstein_price, progress)


def write_study(out_dir: str | Path, quick: bool = False, progress: Callable[[float], None] | None = None,
                max_work: int | work.Limit | None = STUDY_MAX_WORK) -> list[Path]:
    """Run the toy study and write (a)-(i) as PNG + CSV into out_dir (created if missing); returns the paths.

    Every request of every study is checked against `max_work` before the first runs, and the files are written
    whole or not at all: into temporaries, renamed together once every study has run. Everything is seeded and the
    PNGs carry no timestamp or version, so two runs write identical bytes.
    """
    size = QUICK if quick else FULL
    goldstein_price = build_landscape("goldstein_price")
    if max_work is not None:
        for stem in STUDIES:
            check_study(stem, size, max_work, goldstein_price)
    report = progress or (lambda fraction: None)
    report(0.0)
    done = 0.0
    with OutputFiles() as files:
        folder = files.folder(out_dir, "the study's folder")
        for stem, study in STUDIES.items():
            share = study.share
            figure, tables = run_study(stem, size, None, goldstein_price,
                                       lambda fraction, done=done, share=share: report(done + share * fraction))
            files.write_figure(folder / f"{stem}.png", figure, size.dpi)
            for suffix, table in tables.items():
                files.write(folder / f"{stem}{suffix}.csv", table.to_csv())
            done += share
            report(min(done, 1.0))
        return files.commit()
