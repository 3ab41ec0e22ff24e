"""Shared test settings: hypothesis without deadlines (CI machines are slow and shared), and the browser tests' app
server and Chromium (one of each per test process)."""

import functools

import pytest
from hypothesis import HealthCheck, settings
from streamlit.components.v2 import manifest_scanner

from tests.browser_support import ROOT, launch, require_chromium, streamlit_server

settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")

# Every new AppTest scans the metadata of every installed package for component manifests (0.4 s on this 2-core
# machine, about a third of the test run's time); what is installed does not change while the tests run, so once.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


@pytest.fixture(scope="session")
def server():
    """`streamlit run app.py` on a free port, one per test process (xdist worker), shared by its browser tests; its
    URL. Each test opens its own tab, so only the server's caches carry over, as they do between a server's visitors."""
    require_chromium()
    with streamlit_server(ROOT / "app.py") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one per test process (skipped, saying why, where it is missing)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()

