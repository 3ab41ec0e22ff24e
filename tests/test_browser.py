"""The app in a real browser: `streamlit run app.py` and Chromium driven by Playwright.

Waits on Streamlit's own `data-test-script-state` and on the drawn chart, never on a fixed sleep. Set
CMX_SCREENSHOT=docs/explorer.png to keep the screenshot (the README's picture); otherwise it goes to a temporary path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import IDLE, ROOT, launch, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

MAP = ".js-plotly-plot"  # the first plotly chart on the Explorer is the animated map


@pytest.fixture(scope="module")
def server():
    require_chromium()
    with streamlit_server(ROOT / "app.py") as url:
        yield url


def slider_position(page) -> int:
    return page.evaluate(f"() => document.querySelector('{MAP}')._fullLayout.sliders[0].active || 0")


def assert_no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_explorer_draws_plays_and_survives_a_change_of_optimizer(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1050})
            page.goto(f"{server}/?page=explorer")
            page.wait_for_selector(IDLE, timeout=120_000)
            # The map is drawn: the landscape picture and the trajectories of all three optimizers.
            page.wait_for_selector(f"{MAP} image", state="attached", timeout=60_000)
            page.wait_for_function(f"() => document.querySelector('{MAP}').querySelectorAll('.scatterlayer .trace')"
                                   ".length >= 9", timeout=60_000)
            assert_no_error(page)
            frames = page.evaluate(f"() => document.querySelector('{MAP}')._fullLayout.sliders[0].steps.length")
            assert frames > 10
            # Play runs in the browser: the scrubber advances without the script running again.
            page.locator(MAP).first.get_by_text("▶ fast").click()
            page.wait_for_function(f"() => (document.querySelector('{MAP}')._fullLayout.sliders[0].active || 0) > "
                                   f"{frames // 2}", timeout=60_000)
            page.locator(MAP).first.get_by_text("❚❚ pause").click()
            assert page.locator(IDLE).count() == 1
            assert slider_position(page) > frames // 2
            shot = Path(os.environ.get("CMX_SCREENSHOT") or tmp_path / "explorer.png")
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            # Change the first optimizer to Adam+CG: the link and the map follow, and no error appears.
            page.get_by_test_id("stSelectbox").filter(has_text="optimizer 1").click()
            page.get_by_role("option", name="adam_cg").click()
            page.wait_for_url(lambda url: "adam_cg" in url, timeout=60_000)
            page.wait_for_selector(IDLE, timeout=120_000)
            page.wait_for_function(f"() => Array.from(document.querySelector('{MAP}').querySelectorAll('.legendtext'))"
                                   ".some(e => e.textContent.startsWith('adam_cg'))", timeout=60_000)
            assert_no_error(page)
        finally:
            browser.close()
