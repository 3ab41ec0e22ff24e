"""The Explorer's first view in a real browser: the figure first, then everything else (ui/first_look.py).

Each test opens a new browser context, so each is a new session with an empty cache, as a first visit is.
"""

from __future__ import annotations

import pytest

from benchmarks.app_timings import COUNT_RUNS, WATCH_THE_REST, whole_page
from export.player.html import MODULES
from ui.first_look import FALLBACK_SECONDS

pytestmark = pytest.mark.browser
DRAWN = ".cmxp[data-drawn='true']"
ADD_OPTIMIZER = '[data-testid="stSidebar"] button:has-text("add optimizer")'


@pytest.fixture
def fresh(browser):
    """A tab in a new context: a new session, an empty cache."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def test_the_figure_is_drawn_before_the_rest_which_then_comes_without_another_run(fresh, server):
    fresh.add_init_script(WATCH_THE_REST)
    fetched: list[str] = []
    fresh.on("request", lambda request: fetched.append(request.url))
    fresh.goto(f"{server}/?page=explorer")
    fresh.wait_for_selector(DRAWN, timeout=120_000)
    whole_page(fresh)
    first_figure = fresh.evaluate("performance.getEntriesByName('cmx-player-first-draw')[0].startTime")
    assert fresh.evaluate("window.__cmxRestAt") > first_figure  # the controls came after the figure
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=30_000)
    assert fresh.locator('[data-testid="stException"]').count() == 0
    step, last = fresh.locator(".cmxp").get_attribute("data-step"), fresh.locator(".cmxp-step").inner_text()
    assert f"step {step} / {step}" == last  # still at the end: the second run did not start the player over
    # The timer that would ask for the rest if the player never did is gone with the first run.
    fresh.evaluate(COUNT_RUNS)
    fresh.wait_for_timeout((FALLBACK_SECONDS + 1) * 1000)
    assert fresh.evaluate("window.__cmxRuns") == 0
    # Each of the player's files was fetched once: the preloads are the addresses the modules import.
    for name in (*MODULES, "player.css"):
        assert sum(url.endswith(f"/cmx.player/{name}") for url in fetched) == 1, name


def test_the_rest_comes_even_when_the_player_never_draws(fresh, server):
    fresh.route("**/cmx.player/player.js", lambda route: route.abort())
    fresh.goto(f"{server}/?page=explorer")
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=(FALLBACK_SECONDS + 30) * 1000)  # asked for by the timer
    assert fresh.locator('[data-testid="stException"]').count() == 0


def test_a_link_to_the_3d_view_draws_everything_in_its_first_look(fresh, server):
    fresh.goto(f"{server}/?page=explorer&view=surface")
    whole_page(fresh)
    fresh.locator('[data-testid="stPlotlyChart"]').wait_for(timeout=60_000)
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=30_000)
    assert fresh.locator('[data-testid="stException"]').count() == 0


def test_a_link_that_cannot_run_says_why_with_every_control_drawn(fresh, server):
    fresh.goto(f"{server}/?page=explorer&starts=random&runs=1000&steps=1000000")
    whole_page(fresh)
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=30_000)
    assert "more than the limit" in fresh.locator('[data-testid="stAlertContentError"]').inner_text()
    assert fresh.locator('[data-testid="stException"]').count() == 0
    assert fresh.locator(".cmxp").count() == 0
