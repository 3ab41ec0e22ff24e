"""The player's live controls in a real Chromium, in the standalone file opened from file:// with every request but
the file itself aborted: a dragged start, a moved lr, a click that adds a start, and what the page refuses. Every test
fails on a JavaScript error in the page (an uncaught one or one written to the console)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from export.player import explore
from tests.test_player_browser import open_offline, painted

pytestmark = pytest.mark.browser

STARTS = np.array([[-1.25, 0.3], [-0.8, -0.25], [-1.1, -0.4]])


@pytest.fixture
def page(browser, tmp_path):
    """The standalone player of Adam and Adam+CM from three starts in two_basin's sharp basin, on its last step."""
    path = explore("two_basin:sharpness=16", ["adam:lr=0.05", "adam_cm:lr=0.05"], starts=STARTS, steps=120,
                   title="Two basins").save(tmp_path / "player.html")
    shown, requested = open_offline(browser, path)  # it fails on an error while the page loads
    errors: list[str] = []
    shown.on("pageerror", lambda error: errors.append(str(error)))
    shown.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    shown.get_by_role("button", name="last step (End)").click()
    yield shown
    assert not requested, f"the page asked for {requested}"
    assert not errors, f"JavaScript errors in the page: {errors}"
    shown.close()


def on_map(page, x: float, y: float) -> tuple[float, float]:
    """The page coordinates of the map point (x, y) in the player's current view."""
    x0, x1, y0, y1 = map(float, page.locator(".cmxp").get_attribute("data-view").split(","))
    box = page.locator(".cmxp-canvas").bounding_box()
    return box["x"] + (x - x0) / (x1 - x0) * box["width"], box["y"] + (y1 - y) / (y1 - y0) * box["height"]


def starts_shown(page) -> str:
    return page.get_by_role("group", name="runs").get_by_role("textbox", name="starts").input_value()


def test_a_dragged_start_and_a_moved_lr_rerun_the_paths_offline(page):
    before = painted(page)
    page.mouse.move(*on_map(page, -1.25, 0.3))
    page.mouse.down()
    for x, y in ((-1.3, 0.2), (-1.4, 0.05), (-1.5, 0.0)):
        page.mouse.move(*on_map(page, x, y))
    page.mouse.up()
    first = starts_shown(page).split(";")[0].split(",")
    assert abs(float(first[0]) + 1.5) < 0.02 and abs(float(first[1])) < 0.02, starts_shown(page)
    assert page.locator(".cmxp").get_attribute("data-live") == "changed"
    assert "Rerun in this page" in page.locator(".cmxp-live-note").text_content()
    dragged = painted(page)
    assert dragged["sum"] != before["sum"]

    group = page.get_by_role("group", name=re.compile(r"^Adam\+CM \("))  # its name follows its lr
    group.get_by_role("slider", name="lr").focus()
    page.evaluate("performance.clearMeasures('cmx-live-recompute')")
    for _ in range(40):  # a log slider: 40 of its 1000 stops over 8 decades take lr from 0.05 to 0.0238
        page.keyboard.press("ArrowLeft")
    assert group.get_by_role("spinbutton", name="lr").input_value() == "0.0238"
    # A key fires the slider's input and change: one rerun each (the change only tells the host, here none).
    assert page.evaluate("performance.getEntriesByName('cmx-live-recompute').length") == 40
    assert page.get_by_role("button", name="show or hide Adam+CM (lr=0.0238)").count() == 1
    assert painted(page)["sum"] != dragged["sum"]


def test_a_click_adds_a_start_every_optimizer_runs_from(page):
    page.mouse.click(*on_map(page, 1.0, 0.5))
    assert starts_shown(page).endswith("; 1,0.5")
    assert page.get_by_role("button", name="show or hide Adam (lr=0.05)").inner_text().endswith("4 runs")
    assert page.get_by_role("button", name="show or hide Adam+CM (lr=0.05)").inner_text().endswith("4 runs")


def test_a_value_outside_its_range_is_refused_in_words_and_nothing_reruns(page):
    before = painted(page)
    box = page.get_by_role("group", name="Adam (lr=0.05)").get_by_role("spinbutton", name="lr")
    box.fill("-1")
    box.press("Enter")
    assert page.locator(".cmxp-live-note").text_content() == "lr must be a number in (0, 10000] (got -1)"
    assert page.get_by_role("group", name="Adam (lr=0.05)").count() == 1 and painted(page) == before


def test_past_its_limit_the_page_says_so_and_keeps_its_runs(page):
    steps = page.get_by_role("group", name="runs").get_by_role("spinbutton", name="steps")
    steps.fill("100000")
    steps.press("Enter")
    note = page.locator(".cmxp-live-note").text_content()
    assert "600,000 run-steps, more than the 400,000 this page computes at once" in note, note
    assert steps.input_value() == "120" and page.locator(".cmxp").get_attribute("data-live") is None


def test_the_knobs_are_reached_by_keyboard_and_the_player_keeps_its_keys(page):
    page.get_by_role("group", name="Adam+CM (lr=0.05)").get_by_text(re.compile(r"^\d+ more settings$")).click()
    b1 = page.get_by_role("group", name="Adam+CM (lr=0.05)").get_by_role("spinbutton", name="β₁")
    b1.fill("0.8")
    b1.press("Enter")  # Enter and Space inside the panel are the inputs' own, not the player's
    assert page.get_by_role("group", name="Adam+CM (β₁=0.8, lr=0.05)").count() == 1
    assert page.locator(".cmxp").get_attribute("data-playing") != "true"


def test_the_runs_first_shown_come_back_with_their_overlays(page):
    box = page.get_by_role("group", name="Adam+CM (lr=0.05)").get_by_role("spinbutton", name="lr")
    box.fill("0.02")
    box.press("Enter")
    assert page.locator(".cmxp-key").inner_text() == "" and page.locator(".cmxp-title").is_hidden()
    page.get_by_role("button", name="back to the runs first shown").click()
    assert page.locator(".cmxp").get_attribute("data-live") is None
    assert "Adam+CM (lr=0.05), run 1" in page.locator(".cmxp-key").inner_text()
    assert page.get_by_role("group", name="Adam+CM (lr=0.05)").get_by_role("spinbutton", name="lr").input_value() == \
        "0.05" and page.locator(".cmxp-title").inner_text() == "Two basins"


def test_two_notebook_outputs_on_one_page_each_rerun_their_own_runs(browser, tmp_path):
    """A notebook shows each output's markup (explore's _repr_html_) in one page: both players are live, and a change
    in one reruns its runs alone."""
    outputs = [explore("two_basin:sharpness=16", spec, starts=STARTS, steps=80)._repr_html_()
               for spec in ("adam:lr=0.05", "adam_cm:lr=0.05")]
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html>\n<html><body>\n{''.join(outputs)}</body></html>\n", encoding="utf-8")
    page, requested = open_offline(browser, path)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.wait_for_function("document.querySelectorAll('.cmxp[data-drawn]').length === 2", timeout=30_000)
    first, second = page.locator(".cmxp").nth(0), page.locator(".cmxp").nth(1)
    for player in (first, second):
        player.get_by_role("button", name="last step (End)").click()
    before = [painted(first), painted(second)]
    box = second.get_by_role("group", name="Adam+CM (lr=0.05)").get_by_role("spinbutton", name="lr")
    box.fill("0.02")
    box.press("Enter")
    assert second.get_attribute("data-live") == "changed" and first.get_attribute("data-live") is None
    assert painted(second) != before[1] and painted(first) == before[0]
    assert not requested and not errors, (requested, errors)
    page.close()
