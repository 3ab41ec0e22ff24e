"""The GIF animation: frames, size and determinism."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from experiments.run import run
from export.gif import frame_rows, trajectory_gif
from landscapes import build_landscape
from specs import SpecError


def results(steps: int = 60) -> dict:
    landscape = build_landscape("goldstein_price")
    starts = np.array([[-1.0, 1.0], [1.0, -1.5], [0.5, 1.5]])
    return {name: run(landscape, f"{name}:lr=0.01", starts, steps) for name in ("adam", "adam_cm")}


def test_frames_spread_evenly_from_the_first_to_the_last_recorded_point():
    assert frame_rows(11, 3).tolist() == [0, 5, 10]
    assert frame_rows(4, 200).tolist() == [0, 1, 2, 3]


def test_the_gif_has_one_frame_per_requested_frame_and_loops():
    gif = trajectory_gif(build_landscape("goldstein_price"), results(), frames=30, fps=10, dpi=50)
    image = Image.open(io.BytesIO(gif))
    assert image.format == "GIF" and image.n_frames == 30 and image.size == (300, 250)
    assert image.info["loop"] == 0 and image.info["duration"] == 100


def test_the_paths_grow_frame_by_frame():
    image = Image.open(io.BytesIO(trajectory_gif(build_landscape("goldstein_price"), results(), frames=10, dpi=50)))
    first = np.asarray(image.convert("RGB")).copy()
    image.seek(9)
    last = np.asarray(image.convert("RGB"))
    assert np.mean(np.any(first != last, axis=2)) > 0.002


def test_the_same_runs_give_the_same_bytes():
    landscape = build_landscape("goldstein_price")
    assert trajectory_gif(landscape, results(), frames=12, dpi=40) == trajectory_gif(landscape, results(), frames=12,
                                                                                     dpi=40)


def test_an_animation_needs_a_2d_landscape():
    landscape = build_landscape("quadratic:dim=3")
    with pytest.raises(SpecError, match="needs a 2D landscape"):
        trajectory_gif(landscape, {"adam": run(landscape, "adam", np.ones((1, 3)), 3)})
