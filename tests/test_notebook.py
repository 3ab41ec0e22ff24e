"""The player in a notebook: tests/notebooks/player.ipynb executed by nbclient on an ipykernel of this Python, its
output holding the player's root and payload; in Chromium (if present) that output mounts and draws."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "notebooks" / "player.ipynb"
KERNEL = "cmx-test-python"


@pytest.fixture(scope="module")
def player_output(tmp_path_factory) -> str:
    """The executed notebook's HTML output. The kernel is this interpreter, declared in a kernelspec of its own so
    that no other Python installed on the machine is picked up."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    kernels = tmp_path_factory.mktemp("jupyter") / "kernels" / KERNEL
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cmx test Python", "language": "python"}))
    saved = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(kernels.parents[1])
    try:
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=300,
                                resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_PATH")
        else:
            os.environ["JUPYTER_PATH"] = saved
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    htmls = [output.data["text/html"] for output in outputs if "text/html" in output.get("data", {})]
    assert len(htmls) == 1
    return htmls[0]


def test_the_notebook_shows_the_player_with_its_payload(player_output):
    root = re.search(r'<div class="cmxp-host" id="(cmxp-[0-9a-f]+)">', player_output)
    assert root
    data = re.search(rf'<script type="application/json" id="{root[1]}-data">(.*?)</script>', player_output, re.DOTALL)
    payload = json.loads(data[1])
    assert payload["version"] == 2 and payload["title"] == "Two basins"
    assert [series["runs"] for series in payload["series"]] == [2, 2]
    assert '<script type="module">' in player_output and "mountPlayer(" in player_output


@pytest.mark.browser
def test_the_notebook_output_mounts_and_draws(player_output, browser):
    page = browser.new_page()
    try:
        page.route("**/*", lambda route: route.abort())
        # Two outputs on one page, as in a notebook (each output has its own id): each mounts on its own root.
        root = re.search(r'id="(cmxp-[0-9a-f]+)"', player_output)[1]
        other = player_output.replace(root, f"{root}0")
        page.set_content(f"<html><body>{player_output}{other}</body></html>")
        page.wait_for_function("() => document.querySelectorAll('.cmxp[data-image=\"drawn\"]').length === 2")
        hosts = page.evaluate("() => Array.from(document.querySelectorAll('.cmxp-host'), h => h.children.length)")
        assert hosts == [2, 2]  # its noscript note and one player each
    finally:
        page.close()
