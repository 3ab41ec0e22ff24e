"""The Explorer's first view in a real browser: the figure first, then everything else (ui/first_look.py).

Each test opens a new browser context, so each is a new session with an empty cache, as a first visit is. The timer's
rescue, the links that draw everything at once and the click-and-play sequence (whose race the last test makes every
time) are in `make test-slow`, which CI runs too.
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


@pytest.mark.slow
def test_the_rest_comes_even_when_the_player_never_draws(fresh, server):
    fresh.route("**/cmx.player/player.js", lambda route: route.abort())
    fresh.goto(f"{server}/?page=explorer")
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=(FALLBACK_SECONDS + 30) * 1000)  # asked for by the timer
    assert fresh.locator('[data-testid="stException"]').count() == 0


@pytest.mark.slow
def test_a_link_to_the_3d_view_draws_everything_in_its_first_look(fresh, server):
    fresh.goto(f"{server}/?page=explorer&view=surface")
    whole_page(fresh)
    fresh.locator('[data-testid="stPlotlyChart"]').wait_for(timeout=60_000)
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=30_000)
    assert fresh.locator('[data-testid="stException"]').count() == 0


@pytest.mark.slow
def test_a_link_that_cannot_run_says_why_with_every_control_drawn(fresh, server):
    fresh.goto(f"{server}/?page=explorer&starts=random&runs=1000&steps=1000000")
    whole_page(fresh)
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=30_000)
    assert "more than the limit" in fresh.locator('[data-testid="stAlertContentError"]').inner_text()
    assert fresh.locator('[data-testid="stException"]').count() == 0
    assert fresh.locator(".cmxp").count() == 0


@pytest.mark.slow
def test_a_click_and_play_while_the_rest_is_coming_are_kept(fresh, server):
    """A person may act as soon as the figure is there: a click on the map adds a start, and Space plays, both before
    the run that draws the rest has landed, and both survive it."""
    fresh.goto(f"{server}/?page=explorer&steps=300")  # ten seconds of play at 1x
    fresh.wait_for_selector(DRAWN, timeout=120_000)
    box = fresh.locator(".cmxp-canvas").bounding_box()
    fresh.mouse.click(box["x"] + 0.55 * box["width"], box["y"] + 0.6 * box["height"])
    fresh.keyboard.press("Home")
    fresh.keyboard.press("Space")
    whole_page(fresh)
    fresh.wait_for_selector(".cmxp-legend:has-text('4 runs')", timeout=60_000)
    assert "added" in fresh.evaluate("window.location.search")
    fresh.locator(ADD_OPTIMIZER).wait_for(timeout=30_000)
    fresh.get_by_role("button", name="undo the last added start (1 added)").wait_for(timeout=30_000)
    fresh.wait_for_selector(".cmxp[data-playing='true']", timeout=10_000)
    assert fresh.locator('[data-testid="stException"]').count() == 0


def test_a_click_answered_after_an_older_run_keeps_its_start(fresh, server):
    """The race behind the test above, every time. The server's messages are held from the moment the player asks for
    the rest; the click reaches the server only once that run is over, and the page gets the rest's payload (built
    before the server heard of the click) after it drew the clicked start itself, then the answer to the click. The
    player keeps its start over the older payload, and the answer agrees."""
    held: list = []
    to_server: list = []
    sides: dict = {}
    holding = {"on": False}

    def hold_replies(route) -> None:
        sides["page"], sides["server"] = route, route.connect_to_server()

        def from_page(message) -> None:
            to_server.append(message)
            holding["on"] = holding["on"] or len(to_server) == 2  # the player asks for the rest
            if len(to_server) != 3:  # the click waits for the test
                sides["server"].send(message)

        def from_server(message) -> None:
            held.append(message) if holding["on"] else route.send(message)

        route.on_message(from_page)
        sides["server"].on_message(from_server)

    def release(messages: list) -> None:
        for message in messages:
            sides["page"].send(message)

    fresh.route_web_socket("**/_stcore/stream", hold_replies)
    fresh.goto(f"{server}/?page=explorer")
    fresh.wait_for_selector(DRAWN, timeout=120_000)
    while not holding["on"]:
        fresh.wait_for_timeout(20)
    box = fresh.locator(".cmxp-canvas").bounding_box()
    fresh.mouse.click(box["x"] + 0.55 * box["width"], box["y"] + 0.6 * box["height"])
    fresh.wait_for_selector(".cmxp-legend:has-text('4 runs')", timeout=10_000)  # drawn by the page itself
    while len(to_server) < 3:
        fresh.wait_for_timeout(20)
    fresh.wait_for_timeout(1500)  # the rest's run is over, its messages held
    older = list(held)
    sides["server"].send(to_server[2])  # now the click
    fresh.wait_for_timeout(1500)
    holding["on"] = False
    answer = held[len(older):]
    assert older and answer
    release(older)
    fresh.wait_for_timeout(1000)  # the page draws the older payload's run alone
    assert "4 runs" in fresh.locator(".cmxp-legend").inner_text()
    release(answer)
    whole_page(fresh)
    fresh.wait_for_timeout(500)
    assert "4 runs" in fresh.locator(".cmxp-legend").inner_text()
    assert "added" in fresh.evaluate("window.location.search")
