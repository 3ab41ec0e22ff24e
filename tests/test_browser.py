"""The app in a real browser: `streamlit run app.py` and Chromium driven by Playwright.

Waits on Streamlit's own `data-test-script-state`, never on a fixed sleep. The `server` fixture (the app on a free
port, one per test module) lives in conftest.py.
"""

from __future__ import annotations

import pytest

from tests.browser_support import IDLE, launch

pytestmark = pytest.mark.browser


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
