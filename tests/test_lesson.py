"""`cmx lesson --html FILE`: one page of text and live players whose numbers are the study's tables as they are, each
paragraph naming its file; the page opens from file:// with the network cut off, and its players run there."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from cli import main
from cli.lesson import FIGURES, TITLE


@pytest.fixture(scope="module")
def lesson(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lesson") / "lesson.html"
    assert main(["lesson", "--html", str(path)]) == 0
    return path


def cell(table: str, column: str, **where: str) -> float:
    with (FIGURES / table).open(newline="", encoding="utf-8") as file:
        (row,) = [r for r in csv.DictReader(file) if all(r[k] == v for k, v in where.items())]
    return float(row[column])


def test_the_lesson_is_one_page_of_four_players_whose_code_is_in_it_once(lesson):
    page = lesson.read_text(encoding="utf-8")
    assert page.count('<script type="application/json"') == 4 and page.count("class Controls") == 1
    assert "default-src 'none'" in page and "src=\"http" not in page and f"<title>{TITLE}</title>" in page
    assert page.count("<h2>") == 4


def test_its_numbers_are_the_study_tables_and_it_names_them(lesson):
    text = lesson.read_text(encoding="utf-8")
    matched = cell("f_memory_vs_step_length.csv", "escape_rate", optimizer="adam at adam_cm's step", sharpness="16.0")
    c1 = cell("e_ablations_buffer.csv", "escape_rate", top_c="1", sharpness="16.0")
    out = cell("c_escape_vs_sharpness.csv", "out_by_2", optimizer="adam_cm", lr="0.05", sharpness="16.0")
    for share in (matched, c1, out):
        assert f"{share:.1%}" in text
    for table in ("c_escape_vs_sharpness.csv", "f_memory_vs_step_length.csv", "e_ablations_buffer.csv"):
        assert f"docs/figures/{table}" in text
    assert "7.44 lr" in text and "lr 0.3688" in text


def test_without_the_study_tables_it_says_where_they_come_from(tmp_path, capsys):
    shutil.copy(FIGURES / "c_escape_vs_sharpness.csv", tmp_path)
    assert main(["lesson", "--html", str(tmp_path / "lesson.html"), "--figures", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert re.search(r"e_ablations_buffer\.csv is missing \(cmx figures --out .* writes it\)", error), error
    assert not (tmp_path / "lesson.html").exists()


@pytest.mark.browser
def test_the_lesson_opens_from_a_file_offline_and_its_players_run_there(lesson, browser):
    from tests.test_player_browser import painted

    page = browser.new_page(viewport={"width": 1300, "height": 900})
    requested, errors = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.route("**/*", lambda route: route.continue_() if route.request.url == lesson.as_uri() else (
        requested.append(route.request.url), route.abort()))
    page.goto(lesson.as_uri())
    page.wait_for_function("document.querySelectorAll('.cmxp[data-drawn]').length === 4", timeout=30_000)
    for n in range(4):  # each player shows its live controls: a slider and an exact box for every lr
        player = page.locator(".cmxp").nth(n)
        assert player.locator(".cmxp-live-note").inner_text() == "Each change reruns the runs in this page."
        boxes = player.get_by_role("spinbutton", name="lr")
        assert boxes.count() >= 1 and boxes.count() == player.get_by_role("slider", name="lr").count()
    last = page.locator(".cmxp").nth(3)
    last.get_by_role("button", name="last step (End)").click()
    before = painted(last)
    lr = last.get_by_role("group", name=re.compile(r"^Adam \(lr=0\.3688\)")).get_by_role("spinbutton", name="lr")
    lr.fill("0.05")
    lr.press("Enter")
    assert last.get_by_role("group", name="Adam (lr=0.05)").count() == 1
    assert painted(last) != before
    assert not requested, requested
    assert not errors, f"JavaScript errors in the page: {errors}"
    page.close()
