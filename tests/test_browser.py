"""The app in a real browser: `streamlit run app.py` and Chromium driven by Playwright.

Waits on Streamlit's own `data-test-script-state`, never on a fixed sleep. The server fixture here is shared by the
other browser tests.
"""

from __future__ import annotations

import pytest

from tests.browser_support import IDLE, ROOT, launch, require_chromium, streamlit_server

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def server():
    require_chromium()
    with streamlit_server(ROOT / "app.py") as url:
        yield url


def assert_no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.parametrize("name", ["explorer", "escape", "basins", "learn"])
def test_every_page_opens_without_an_error(server, name):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server}/?page={name}")
            page.wait_for_selector(IDLE, timeout=120_000)
            assert_no_error(page)
        finally:
            browser.close()
