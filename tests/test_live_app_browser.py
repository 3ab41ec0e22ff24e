"""The player's live controls in the app (`streamlit run app.py`, Chromium): a change reruns the runs in the browser,
its settings reach the sidebar and the link, and the rerun it causes sends the player no new runs (the player keeps
the ones it drew: `data-live` stays "changed"); the server runs them when asked, and a click's start is undone by the
server as before."""

from __future__ import annotations

import re

import pytest

from benchmarks.app_timings import whole_page
from tests.browser_support import IDLE
from tests.test_explorer_browser import DRAWN, query, wait_for_query

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, server):
    shown = browser.new_page(viewport={"width": 1400, "height": 1000})
    shown.goto(f"{server}/?page=explorer")
    shown.wait_for_selector(DRAWN, timeout=120_000)
    whole_page(shown)
    yield shown
    assert shown.locator('[data-testid="stException"]').count() == 0
    shown.close()


def test_an_lr_moved_in_the_player_reaches_the_link_and_the_server_reruns_nothing_until_asked(page):
    box = page.get_by_role("group", name=re.compile(r"^Adam\+CM \(")).get_by_role("spinbutton", name="lr")
    box.fill("0.03")
    box.press("Enter")
    assert page.locator(".cmxp").get_attribute("data-live") == "changed"  # drawn before the server hears of it
    wait_for_query(page, lambda q: q["optimizer"][-1] == "adam_cm:lr=0.03")
    page.wait_for_selector(IDLE, timeout=60_000)
    assert page.get_by_label("lr (exact)").nth(2).input_value() == "0.03"  # the sidebar follows
    assert page.locator(".cmxp").get_attribute("data-live") == "changed"  # no new runs came from the server
    assert page.locator(".cmxp-key").inner_text() == ""  # the overlays of the changed runs are hidden
    assert page.get_by_role("button", name=re.compile("table of runs")).count() == 0  # it waits for the server's
    page.get_by_role("button", name="run these settings on the server").click()
    page.wait_for_selector(".cmxp:not([data-live])", timeout=60_000)  # the server's runs, overlays and all
    page.wait_for_selector(IDLE, timeout=60_000)
    assert "Adam+CM (lr=0.03), run 1" in page.locator(".cmxp-key").inner_text()
    page.get_by_role("button", name=re.compile("table of runs")).click()  # drawn when opened
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
    assert query(page)["optimizer"][-1] == "adam_cm:lr=0.03"


def test_a_dragged_start_makes_the_links_starts_points_where_the_browser_ran_them(page):
    x0, x1, y0, y1 = map(float, page.locator(".cmxp").get_attribute("data-view").split(","))
    box = page.locator(".cmxp-canvas").bounding_box()
    first = [float(v) for v in page.get_by_role("textbox", name="starts").input_value().split(";")[0].split(",")]
    at = (box["x"] + (first[0] - x0) / (x1 - x0) * box["width"], box["y"] + (y1 - first[1]) / (y1 - y0) * box["height"])
    page.mouse.move(*at)
    page.mouse.down()
    page.mouse.move(at[0] + 15, at[1] + 10)
    page.mouse.move(at[0] + 30, at[1] + 20)
    page.mouse.up()
    wait_for_query(page, lambda q: q.get("starts") == ["points"])
    page.wait_for_selector(IDLE, timeout=60_000)
    shown = page.get_by_role("textbox", name="starts").input_value().replace(" ", "")
    assert query(page)["points"] == [shown] and page.locator(".cmxp").get_attribute("data-live") == "changed"



def test_past_the_pages_limit_the_server_computes_the_change(page):
    """50 starts typed into the player (drawn in the page), then steps just past its 400,000 run-steps: the page says
    the server computes them, draws nothing, and the server's runs of those settings reach the player."""
    runs = page.get_by_role("group", name="runs")
    starts = runs.get_by_role("textbox", name="starts")
    starts.fill("; ".join(f"{-2 + 0.08 * n:.2f},{0.02 * (n % 10):.2f}" for n in range(50)))
    starts.press("Enter")
    assert page.locator(".cmxp").get_attribute("data-live") == "changed"
    wait_for_query(page, lambda q: q.get("starts") == ["points"])
    page.wait_for_selector(IDLE, timeout=60_000)
    optimizers = page.locator(".cmxp-knobs[aria-label$=')']").count()  # a group per optimizer, named by its label
    steps = 400_000 // (50 * optimizers) + 1
    box = runs.get_by_role("spinbutton", name="steps")
    box.fill(str(steps))
    box.press("Enter")
    note = page.locator(".cmxp-live-note").text_content()
    assert note.endswith("this page computes at once: the server computes it."), note
    wait_for_query(page, lambda q: q.get("steps") == [str(steps)])
    page.wait_for_selector(".cmxp:not([data-live])", timeout=120_000)  # the server's runs, overlays and all
    page.wait_for_selector(IDLE, timeout=120_000)
    assert box.input_value() == str(steps) and page.locator('[data-testid="stAlert"]:has-text("error")').count() == 0
