"""Hand-picked configurations: each landscape's preset starts, the Explorer's opening view and the Learn page's
one-click demonstrations (written as links, so a preset is exactly a shareable URL)."""

from __future__ import annotations

import numpy as np

from landscapes import Landscape

# Starts chosen so the opening demonstrations show something: on Goldstein-Price at lr 0.05, Adam and Adam+SAM
# settle in the local minimum 30 near (-0.6, -0.4) from these points while Adam+CM overshoots into the global one.
PRESET_STARTS: dict[str, tuple[tuple[float, float], ...]] = {
    "goldstein_price": ((-1.4, -0.8), (-1.0, -0.6), (-1.6, -1.0)),
    "two_basin": ((-1.25, 0.3), (-0.8, -0.25), (-1.1, -0.4)),
    "ackley": ((3.2, 2.6), (-2.4, 3.6), (1.4, -3.3)),
    "rastrigin": ((3.1, 2.2), (-2.4, 3.6), (1.4, -3.3)),
    "himmelblau": ((0.0, 0.0), (-1.0, 4.5), (4.5, -4.0)),
    "rosenbrock": ((-1.5, 2.5), (-1.0, -0.5), (1.8, 0.5)),
    "six_hump_camel": ((-2.5, 1.5), (2.5, -1.5), (0.5, 1.2)),
    "beale": ((-3.0, 3.0), (1.0, -3.5), (-1.0, 1.0)),
}


def preset_starts(landscape: Landscape) -> np.ndarray:
    """(K, 2) starts for `landscape`: its hand-picked ones, else the four points a quarter in from the corners."""
    if landscape.name in PRESET_STARTS:
        return np.array(PRESET_STARTS[landscape.name], dtype=np.float64)
    low, high = landscape.domain.low, landscape.domain.high
    quarter = low + (high - low) * np.array([[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]])
    return quarter


EXPLORER_DEFAULT = {
    "landscape": "goldstein_price",
    "optimizers": ("adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05"),
    "steps": 300,
}

# Learn-page demonstrations: title, what to look at, and the Explorer link parameters that show it.
DEMONSTRATIONS: tuple[tuple[str, str, dict[str, str | list[str]]], ...] = (
    ("Adam stuck in a sharp basin, CM escapes",
     "Three runs start in the sharp basin at (-1, 0). Adam and Adam+SAM settle there; Adam+CM's stored momenta "
     "carry it over the ridge into the flat basin at (1, 0). Scrub to the first steps to see the buffer fill.",
     {"page": "explorer", "landscape": "two_basin:sharpness=16", "optimizer": ["adam:lr=0.05", "adam_sam:lr=0.05",
                                                                              "adam_cm:lr=0.05"],
      "starts": "preset", "steps": "300"}),
    ("SAM on a bowl",
     "On an elongated quadratic bowl SAM evaluates the gradient at the ascent point x + rho g/||g|| (the orange "
     "cross): it steps as if standing a little uphill, so it moves faster across the sharp direction.",
     {"page": "explorer", "landscape": "quadratic:lambda_min=0.5,lambda_max=20",
      "optimizer": ["adam:lr=0.05", "adam_sam:lr=0.05,rho=0.5"], "starts": "points", "points": "-2.5,2;2.2,-2.5",
      "steps": "200"}),
    ("CM's buffer size C",
     "The same start with C = 1, 5 and 20 critical momenta on Goldstein-Price: a larger buffer keeps older, larger "
     "momenta and travels further before settling.",
     {"page": "explorer", "landscape": "goldstein_price",
      "optimizer": ["adam_cm:lr=0.05,top_c=1", "adam_cm:lr=0.05", "adam_cm:lr=0.05,top_c=20"],
      "starts": "points", "points": "-1.4,-0.8", "steps": "300"}),
    ("Goldstein-Price, the lecture demo",
     "Adam and Adam+SAM settle in the local minimum 30; Adam+CM overshoots into the global minimum 3.",
     {"page": "explorer", "landscape": "goldstein_price", "optimizer": list(EXPLORER_DEFAULT["optimizers"]),
      "starts": "preset", "steps": "300"}),
)
