"""Series that end at one point stay visible in the player: its heads nest, earlier series larger, and a repeat's
head is a hollow outline (export.palette). Drawn by real Chromium from the standalone file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from experiments.run import run
from export import palette
from export.player import build_payload, landscape_picture, standalone_html
from landscapes import build_landscape
from optimizers import OPTIMIZERS

pytestmark = pytest.mark.browser

NEAR = 24  # largest channel difference of a pixel counted as a series' colour (the edges are blended)


def ending_together(specs: list[str]) -> dict:
    """A payload of one run per optimizer, every run from (-2, 0) straight to the middle of the box (0, 0) and
    staying there: their heads meet at the middle of the map, their paths come from its left."""
    surface = build_landscape("quadratic")
    ran = run(surface, "adam:lr=0.05", np.array([[-2.0, 0.0]]), 20)
    positions = np.zeros_like(ran.positions)
    positions[0] = [-2.0, 0.0]
    results = {f"{spec} ({k + 1})": replace(ran, optimizer=spec, positions=positions) for k, spec in enumerate(specs)}
    return build_payload(surface, results, landscape_picture(surface))


def colours_right_of_the_middle(browser, tmp_path, payload: dict, colours: list[str]) -> list[int]:
    """How many pixels of each colour the map shows just right of its middle (where no path reaches) at the end."""
    path = tmp_path / "player.html"
    path.write_text(standalone_html(payload), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(path.as_uri())
        page.wait_for_selector(".cmxp[data-drawn]", timeout=30_000)
        page.locator(".cmxp-canvas").focus()
        page.keyboard.press("End")
        page.wait_for_selector(".cmxp[data-step='20']", timeout=5_000)
        pixels = page.locator(".cmxp-canvas").evaluate("""(canvas) => {
            const ratio = canvas.width / canvas.clientWidth, x = canvas.width / 2, y = canvas.height / 2;
            const reach = Math.round(16 * ratio), data = canvas.getContext('2d').getImageData(
                x + Math.round(ratio), y - reach, reach, 2 * reach).data;
            return Array.from(data);
        }""")
    finally:
        page.close()
    rgb = np.array(pixels).reshape(-1, 4)[:, :3]
    wanted = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colours])
    near = np.abs(rgb[:, None, :] - wanted[None]).max(axis=2) <= NEAR
    return [int(count) for count in near.sum(axis=0)]


@pytest.mark.parametrize("specs", [["adam:lr=0.05", "adam_sam:lr=0.05"], ["adam_cm:lr=0.05"] * 3])
def test_heads_that_meet_at_one_point_all_stay_visible(browser, tmp_path, specs):
    colours = [style.colour for style in palette.styles_for([OPTIMIZERS.resolve(spec)[0] for spec in specs])]
    counts = colours_right_of_the_middle(browser, tmp_path, ending_together(specs), colours)
    assert all(count >= 4 for count in counts), dict(zip(colours, counts))  # a hidden head leaves none
