"""Hand-picked configurations: each landscape's preset starts and the demonstrations (the Explorer's opening view
and the Learn page's one-click demos), each a link with a "what to watch" note. tests/test_presets.py checks that
every demonstration shows what its note says and that no run of a preset diverges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landscapes import LANDSCAPES, Landscape


def preset_starts(landscape: Landscape) -> np.ndarray:
    """(K, 2) starts for `landscape`: its record's hand-picked ones, else the four points a quarter in from the
    corners."""
    chosen = LANDSCAPES.record(landscape.name).demo_starts
    if chosen:
        return np.array(chosen, dtype=np.float64)
    low, high = landscape.domain.low, landscape.domain.high
    return low + (high - low) * np.array([[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]])


@dataclass(frozen=True)
class Demo:
    """A demonstration: its id, title, what to watch, and the Explorer link that shows it (the Explorer shows the
    note whenever its runs are the demo's)."""

    id: str
    title: str
    note: str
    params: dict[str, str | list[str]]

    def link(self) -> dict[str, str | list[str]]:
        return {"page": "explorer", **self.params}


DEMOS: tuple[Demo, ...] = (
    Demo("sharp-basin", "Adam stuck in a sharp basin, CM escapes",
         "From three starts in the sharp basin at (-1, 0), Adam and Adam+SAM stay there while Adam+CM's long early "
         "steps and stored momenta carry it over the ridge into the flat, deeper basin at (1, 0).",
         {"landscape": "two_basin:sharpness=16,depth=0.5",
          "optimizer": ["adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05"], "starts": "preset", "steps": "150"}),
    Demo("goldstein-price", "Goldstein-Price, the lecture demo",
         "From the same three starts, Adam and Adam+SAM settle in the local minimum f=30; Adam+CM overshoots it "
         "and ends in the global minimum f=3. Press play, then scrub back to the first steps to see why.",
         {"landscape": "goldstein_price", "optimizer": ["adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05"],
          "starts": "preset", "steps": "300"}),
    Demo("sam-bowl", "SAM on a bowl",
         "On an elongated quadratic bowl SAM takes its gradient at the ascent point x + ρ g/‖g‖ (the hollow "
         "diamond): it steps as if standing a little uphill, so it crosses the sharp direction differently.",
         {"landscape": "quadratic:lambda_min=0.5,lambda_max=20",
          "optimizer": ["adam:lr=0.05", "adam_sam:lr=0.05,rho=0.5"], "starts": "points", "points": "-2.5,2;2.2,-2.5",
          "steps": "200", "follow": "1,0"}),
    Demo("buffer-size", "CM's buffer size C",
         "One start, three buffer sizes: with C = 1 the buffer holds a single old momentum, with C = 20 many; watch "
         "how far each travels before it settles, and which minimum each reaches.",
         {"landscape": "goldstein_price",
          "optimizer": ["adam_cm:lr=0.05,top_c=1", "adam_cm:lr=0.05", "adam_cm:lr=0.05,top_c=20"],
          "starts": "points", "points": "-1.4,-0.8", "steps": "300"}),
)
DEMOS_BY_ID = {demo.id: demo for demo in DEMOS}
EXPLORER_DEFAULT = DEMOS_BY_ID["sharp-basin"]  # the view a fresh visit opens on: the paper's point at one look
