"""The player's "explain this step" numbers: each is what the step computed, and together they give the step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.teaching import teaching_trace
from export.player.explain import explain_rows

START = np.array([-1.25, 0.3])  # the sharp-basin demo's first start


def rows(spec: str, steps: int = 40) -> dict[str, np.ndarray]:
    trace = teaching_trace("two_basin:sharpness=16", spec, START, steps)
    return explain_rows(trace, np.arange(steps + 1))


def test_adam_cms_second_step_is_the_kick_per_coordinate():
    """SPEC: the second step is lr·sqrt(1+β2)/(1−β1²) per coordinate (7.4414 lr at the defaults, ε aside)."""
    explained = rows("adam_cm:lr=0.05")
    kick = math.sqrt(1 + 0.999) / (1 - 0.9**2)
    np.testing.assert_allclose(np.abs(explained["step_in_lr"][1]), [kick, kick], rtol=1e-6)
    np.testing.assert_array_equal(explained["step_in_lr"][0], [0.0, 0.0])  # the held first call does not move
    assert explained["t"][1] == 2


@pytest.mark.parametrize(("spec", "direction"), [("adam:lr=0.05", "momentum_hat"), ("adam_sam:lr=0.05", "momentum_hat"),
                                                 ("adam_cm:lr=0.05", "aggregate_hat"),
                                                 ("adam_sam_cm:lr=0.05", "aggregate_hat"),
                                                 ("adam_cg:lr=0.05", "momentum_hat")])
def test_the_shown_direction_over_root_v_hat_is_the_step_taken(spec, direction):
    explained = rows(spec)
    shown = -explained[direction] / (np.sqrt(explained["second_moment_hat"]) + 1e-8)
    taken = explained["step_in_lr"]
    finite = np.isfinite(taken).all(axis=1)
    assert finite[:-1].all() and not finite[-1]  # every step but the one after the last point
    np.testing.assert_allclose(shown[finite], taken[finite], rtol=1e-9, atol=1e-12)


def test_the_buffer_shown_is_the_one_the_step_averaged():
    explained = rows("adam_cm:lr=0.05")
    aggregate = explained["momentum"][1:-1] + np.nanmean(explained["buffer"][1:-1], axis=1)  # row 0: empty buffer
    np.testing.assert_allclose(aggregate, explained["aggregate"][1:-1], rtol=1e-12)
    assert np.isnan(explained["priorities"][0]).all()  # empty before the first call
    assert np.isfinite(explained["priorities"][6]).all()  # full (C = 5) from the sixth step on


def test_sgd_has_only_a_gradient_and_a_step():
    explained = rows("sgd:lr=0.01")
    assert set(explained) == {"t", "gradient", "step_in_lr"}
    np.testing.assert_allclose(explained["step_in_lr"][:-1], -explained["gradient"][:-1], rtol=1e-9, atol=1e-12)
