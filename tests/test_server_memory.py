"""The server's memory stays under its ceiling whatever links arrive: a series of distinct heavy links (each inside
the work cap) on every computing page, opened in a real browser, and the resident size read after each and after
the sessions close."""

from __future__ import annotations

import gc
import urllib.parse

import psutil
import pytest

from benchmarks.app_timings import whole_page
from tests.browser_support import ROOT, require_chromium, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CEILING = 1024**3  # what the README promises: the server stays under 1 GB
SPECS = ["adam", "adam_sam", "adam_cm", "adam_sam_cm", "adam_cg", "momentum", "sgd", "adam_cm"]


def heavy_links() -> list[dict]:
    """Distinct links that each take about half the session's default work cap (10^8 run-steps)."""
    links = []
    for k, lr in enumerate((0.011, 0.012, 0.013, 0.014)):
        optimizers = [f"{name}:lr={lr}" + (",top_c=20" if i == 7 else "") for i, name in enumerate(SPECS)]
        links.append({"page": "explorer", "landscape": "two_basin", "optimizer": optimizers, "starts": "random",
                      "runs": "1000", "steps": str(4000 + k), "seed": str(k)})
    links.append({"page": "escape", "landscape": "two_basin", "runs": "20000", "steps": "200", "axis": "sharpness",
                  "values": "4,16", "optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05"]})
    links.append({"page": "basins", "landscape": "himmelblau", "resolution": "150", "steps": "200",
                  "optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05"]})
    return links


def server_process(url: str) -> psutil.Process:
    port = urllib.parse.urlparse(url).port
    for connection in psutil.net_connections(kind="tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_LISTEN:
            return psutil.Process(connection.pid)
    raise AssertionError(f"no process listens on {port}")


@pytest.fixture(scope="module")
def own_server():
    """A server of its own: the shared one holds what other tests cached."""
    require_chromium()
    with streamlit_server(ROOT / "app.py") as url:
        yield url


def test_heavy_links_keep_the_server_under_its_ceiling(own_server, browser):
    process = server_process(own_server)
    readings = []
    for link in heavy_links():
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{own_server}/?{urllib.parse.urlencode(link, doseq=True)}")
        whole_page(page, 300_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        readings.append(process.memory_info().rss)
        page.close()
    gc.collect()
    print("\nserver resident size after each heavy link (MB):", [round(r / 2**20) for r in readings])
    assert max(readings) < CEILING, f"the server reached {max(readings) / 2**20:.0f} MB"
