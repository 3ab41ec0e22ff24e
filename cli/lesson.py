"""`cmx lesson --html FILE`: an explorable lesson on Adam+CM's escape from a sharp basin, as one page that works
offline: short text around live players (drag lr, move a start) whose numbers come from the study's tables.

Measured numbers are read, when the page is written, from the CSV files `cmx figures` writes (docs/figures), and
each paragraph names the file (and column) they come from; predicted ones are computed by experiments.theory, as
docs/theory.md derives them. The players run small runs here and again in the page, whenever a knob moves.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

from experiments.escape import resolve_basin, starts_in_basin
from experiments.theory import held_second_step, kick_escape_lr, predicted_radius_per_lr, two_basin_edge_distance
from export.files import OutputFiles
from export.player import explore
from export.player.html import Section, article_html
from landscapes import build_landscape
from specs import SpecError

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"
SHARP, FLAT_ENOUGH = "two_basin:sharpness=16", "two_basin:sharpness=4"
RUNS, SEED = 6, 0
ESCAPES = "c_escape_vs_sharpness.csv"
MATCHED = "f_memory_vs_step_length.csv"
BUFFER = "e_ablations_buffer.csv"
TITLE = "Why Adam+CM leaves a sharp basin: an explorable lesson"


class Tables:
    """The study's CSV files in one folder, row by row."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def row(self, table: str, **where: object) -> dict[str, str]:
        """The one row of `table` whose columns equal `where` (numbers compared as numbers), or SpecError."""
        path = self.folder / table
        if not path.is_file():
            raise SpecError(f"cmx lesson reads the study's tables: {path} is missing (cmx figures --out "
                            f"{self.folder} writes it)")
        with path.open(newline="", encoding="utf-8") as file:
            found = [row for row in csv.DictReader(file) if all(_same(row.get(k), v) for k, v in where.items())]
        if len(found) != 1:
            raise SpecError(f"{table} has {len(found)} rows where {where} (one expected): is it the study's table?")
        return found[0]

    def number(self, table: str, column: str, **where: object) -> float:
        return float(self.row(table, **where)[column])


def _same(text: str | None, value: object) -> bool:
    if text is None:
        return False
    if isinstance(value, (int, float)):
        try:
            return math.isclose(float(text), float(value))
        except ValueError:
            return False
    return text == value


def percent(share: float) -> str:
    return f"{share:.1%}".replace(".0%", "%")


def sharp_starts(spec: str):
    """The study's escape starts: seeded, within half the sharp basin's radius of its minimum."""
    landscape = build_landscape(spec)
    return starts_in_basin(landscape, resolve_basin(landscape, "sharp"), RUNS, SEED)


def sticks(tables: Tables) -> Section:
    cm = tables.row(ESCAPES, optimizer="adam_cm", lr=0.05, sharpness=16)
    adam = tables.row(ESCAPES, optimizer="adam", lr=0.05, sharpness=16)
    player = explore(SHARP, ["adam:lr=0.05", "adam_cm:lr=0.05"], sharp_starts(SHARP), 150, basins=True)
    edge = two_basin_edge_distance(SHARP)
    return Section(
        "1. Why Adam sticks in a sharp basin",
        ("two_basin has a sharp basin around (-1, 0) and a flat one around (1, 0). Adam divides its momentum by the "
         "root of its running mean of squared gradients, so each of its steps moves about lr in each coordinate, "
         f"however steep the slope. At lr 0.05 that is far less than the {edge:g} from the sharp minimum to the "
         "basin's edge, and Adam settles where it starts.",
         f"In the study (1000 runs a cell, 200 steps) {adam['escaped']} of {adam['runs']} Adam runs left the sharp "
         f"basin at sharpness 16, lr 0.05, and {percent(float(adam['converged_fraction']))} converged; Adam+CM, the "
         f"same Adam with a buffer of critical momenta, left in {percent(float(cm['escape_rate']))} of runs, at a "
         f"median step of {float(cm['median_escape_step']):g}."),
        player.payload,
        "Try: raise Adam's lr with its slider, or drag a start ○ towards the ridge between the basins.",
        (f"docs/figures/{ESCAPES} (cmx figures): the rows adam and adam_cm at lr 0.05, sharpness 16; the edge "
         "distance: experiments.theory.two_basin_edge_distance",))


def kick(tables: Tables) -> Section:
    cm = tables.row(ESCAPES, optimizer="adam_cm", lr=0.05, sharpness=16)
    player = explore(SHARP, ["adam_cm:lr=0.05"], sharp_starts(SHARP), 30, basins=True)
    return Section(
        "2. The kick",
        ("Adam+CM's first call only stores the gradient in its buffer and does not move (the authors' code). Its "
         "second step then adds the stored gradient to a momentum that has barely begun, and divides by a second "
         f"moment that has barely begun either: it moves √(1+β₂)/(1−β₁²) = {held_second_step():.2f} lr in each "
         "coordinate, whatever the gradient.",
         f"A run is out as soon as that step passes the basin's edge: the kick law (docs/theory.md, section 1) puts "
         f"{percent(float(cm['predicted_out_by_2']))} of the study's starts out after two steps at sharpness 16, "
         f"lr 0.05, and the study measured {percent(float(cm['out_by_2']))}. Below lr "
         f"{kick_escape_lr(SHARP, 'adam_cm:lr=0.05'):.3f} the kick cannot reach the edge from the minimum."),
        player.payload,
        "Try: press explain and step to step 2; then lower lr below the kick's escape lr, or change β₁ under 'more "
        "settings' (the kick is √(1+β₂)/(1−β₁²) lr).",
        (f"docs/figures/{ESCAPES}: predicted_out_by_2 and out_by_2 of adam_cm at lr 0.05, sharpness 16; the kick: "
         "experiments.theory.held_second_step and kick_escape_lr",))


def radius(tables: Tables) -> Section:
    cm = tables.row(ESCAPES, optimizer="adam_cm", lr=0.05, sharpness=4)
    adam = tables.row(ESCAPES, optimizer="adam", lr=0.05, sharpness=4)
    shares = {c: tables.number(BUFFER, "escape_rate", top_c=c, sharpness=16) for c in (1, 2, 5, 20)}
    player = explore(FLAT_ENOUGH, ["adam:lr=0.05", "adam_cm:lr=0.05"], sharp_starts(FLAT_ENOUGH), 300, basins=True)
    return Section(
        "3. The buffer's radius",
        (f"Where the basin is too wide for the kick (sharpness 4 at lr 0.05: Adam+CM left in "
         f"{percent(float(cm['escape_rate']))} of runs), Adam+CM does not settle either: "
         f"{percent(float(cm['converged_fraction']))} of its runs converged, against "
         f"{percent(float(adam['converged_fraction']))} of Adam's. The momenta its buffer keeps push it back out "
         "every time it nears the minimum, and it orbits there: the theory (docs/theory.md, section 4) puts the "
         f"orbit at {predicted_radius_per_lr('adam_cm:lr=0.05'):.2f} lr from the minimum (rms) with the buffer's 5 "
         f"momenta, and at {predicted_radius_per_lr('adam_cm:lr=0.05,top_c=1'):.2f} lr with 1.",
         "The buffer's size decides whether a sharper basin holds it: at sharpness 16, Adam+CM with C = 1 left in "
         f"{percent(shares[1])} of runs, C = 2 in {percent(shares[2])}, C = 5 (the default) in {percent(shares[5])} "
         f"and C = 20 in {percent(shares[20])}."),
        player.payload,
        "Try: under Adam+CM's 'more settings', set C to 1 and watch the orbit shrink; set it back and lower lr.",
        (f"docs/figures/{ESCAPES}: escape_rate and converged_fraction at lr 0.05, sharpness 4; docs/figures/{BUFFER}"
         " (cmx figures): escape_rate by top_c at sharpness 16; the radius: experiments.theory.predicted_radius_per_lr",
         ))


def equal_step(tables: Tables) -> Section:
    matched = tables.row(MATCHED, optimizer="adam at adam_cm's step", sharpness=16)
    cm = tables.row(MATCHED, optimizer="adam_cm:lr=0.05", sharpness=16)
    lr, out_by_2 = float(matched["matched_lr"]), float(matched["out_by_2"])
    early = "all of them within two steps" if math.isclose(out_by_2, float(matched["escape_rate"])) else (
        f"{percent(out_by_2)} by step 2")
    player = explore(SHARP, [f"adam:lr={lr:g}", "adam_cm:lr=0.05"], sharp_starts(SHARP), 150, basins=True)
    return Section(
        "4. The equal-step control",
        ("Is the escape only the kick's long steps? Give Adam the same steps: run it at the lr that makes its mean "
         f"step over the first 20 steps equal to Adam+CM's at lr 0.05 ({float(matched['early_step_of_reference']):.3f})"
         f": lr {lr:g}, {lr / 0.05:.1f} times Adam+CM's.",
         f"At sharpness 16 the matched Adam left the sharp basin in {percent(float(matched['escape_rate']))} of runs "
         f"({early}), Adam+CM in {percent(float(cm['escape_rate']))}. Long early steps make a kick; the buffer is "
         "what makes the sharp minimum unstable."),
        player.payload,
        "Try: lower Adam's lr until it stays, raise it until it leaves; then drag a start to the basin's middle.",
        (f"docs/figures/{MATCHED} (cmx figures --match-step adam_cm): the rows at sharpness 16",))


def lesson_html(figures: Path = FIGURES) -> str:
    """The lesson's page, its numbers read from the CSV files in `figures`."""
    tables = Tables(figures)
    intro = ("Four small experiments on the surface the study measures escapes on. Every player below runs in this "
             "page: move a knob's slider or type its exact value, drag a start ○ or click the map to add one, and "
             "the runs are computed again on your computer; nothing is sent anywhere.",
             "The study's numbers in the text come from its tables (docs/figures, written by cmx figures, seeded: "
             "a rerun writes the same numbers); each section names the file they come from.")
    return article_html(TITLE, intro, [sticks(tables), kick(tables), radius(tables), equal_step(tables)])


def _lesson(args: argparse.Namespace) -> None:
    with OutputFiles() as files:
        page = files.claim(args.html, "--html", ("html", "htm"))
        files.write(page, lesson_html(Path(args.figures)))
        files.commit()


def add_parser(commands: argparse._SubParsersAction) -> None:
    lesson = commands.add_parser("lesson", help="an explorable lesson as one HTML page that works offline: text and "
                                                "live players on Adam+CM's escape from a sharp basin")
    lesson.add_argument("--html", required=True, help="HTML file to write")
    lesson.add_argument("--figures", default=str(FIGURES), help="the folder of the study's CSV files (default: "
                                                                "the repository's docs/figures)")
    lesson.set_defaults(handler=_lesson)
