"""Teaching overlays: a replayed run is the run, and what it shows is what the update rule used."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.run import run
from experiments.teaching import teaching_trace
from landscapes import build_landscape
from optimizers.sam import ascent_offset
from specs import SpecError

START = np.array([-1.2, 0.4])


@pytest.mark.parametrize("optimizer", ["adam:lr=0.05", "adam_sam:lr=0.05,rho=0.1", "adam_cm:lr=0.05,top_c=3",
                                       "adam_sam_cm:lr=0.03,noise=0.5,seed=3", "adam_cg:lr=0.05", "momentum:lr=0.0005"])
def test_replayed_positions_are_the_runs_positions(optimizer):
    trace = teaching_trace("goldstein_price", optimizer, START, 40)
    expected = run("goldstein_price", optimizer, START[None], 40)
    np.testing.assert_array_equal(trace.positions, expected.positions[:, 0])


def test_gradients_are_the_landscapes_gradient_at_each_point():
    trace = teaching_trace("himmelblau", "adam:lr=0.1", START, 15)
    np.testing.assert_array_equal(trace.gradients, build_landscape("himmelblau").grad(trace.positions))


def test_sam_ascent_point_is_x_plus_rho_along_the_gradient():
    trace = teaching_trace("goldstein_price", "adam_sam:lr=0.02,rho=0.2", START, 10)
    expected = trace.positions[:-1] + ascent_offset(trace.gradients[:-1], 0.2)
    np.testing.assert_allclose(trace.ascent_points[:-1], expected, rtol=0, atol=1e-15)
    assert np.isnan(trace.ascent_points[-1]).all()
    np.testing.assert_allclose(np.linalg.norm(trace.ascent_points[:-1] - trace.positions[:-1], axis=1), 0.2)


def test_without_sam_or_a_buffer_those_overlays_are_empty():
    trace = teaching_trace("goldstein_price", "adam:lr=0.02", START, 10)
    assert np.isnan(trace.ascent_points).all() and np.isnan(trace.aggregates).all()
    assert trace.buffer.shape == (11, 0, 2)


def test_cm_buffer_fills_to_capacity_with_the_first_raw_gradient_first():
    trace = teaching_trace("goldstein_price", "adam_cm:lr=0.01,top_c=3", START, 8)
    assert trace.buffer.shape == (9, 3, 2)
    filled = (~np.isnan(trace.buffer[:, :, 0])).sum(axis=1)
    assert filled.tolist() == [0, 1, 2, 3, 3, 3, 3, 3, 3]
    np.testing.assert_array_equal(trace.buffer[1, 0], trace.gradients[0])
    # The second entry is the momentum m after the second step, (1 - b1) g_1.
    np.testing.assert_allclose(trace.buffer[2, 1], 0.1 * trace.gradients[1], rtol=1e-15)


@pytest.mark.parametrize("rule", ["sum", "mean"])
def test_cm_aggregate_reproduces_the_update_it_drives(rule):
    """x_{t+1} = x_t - lr/(1-b1^t) a / (sqrt(v)/sqrt(1-b2^t) + eps) with v averaging a²: recomputed from the trace."""
    lr, b1, b2, eps = 0.02, 0.9, 0.999, 1e-8
    trace = teaching_trace("goldstein_price", f"adam_cm:lr={lr},aggregate={rule}", START, 30)
    v = np.zeros(2)
    for t in range(30):
        a = trace.aggregates[t]
        v = b2 * v + (1 - b2) * a * a
        step = lr / (1 - b1 ** (t + 1)) * a / (np.sqrt(v) / np.sqrt(1 - b2 ** (t + 1)) + eps)
        np.testing.assert_allclose(trace.positions[t + 1], trace.positions[t] - step, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(trace.aggregates[0], [0.0, 0.0])
    assert np.isnan(trace.aggregates[-1]).all()


def test_replay_length_is_bounded():
    with pytest.raises(SpecError, match="steps must be"):
        teaching_trace("goldstein_price", "adam", START, 10**6)


def test_a_diverging_run_is_frozen_where_run_freezes_it():
    trace = teaching_trace("goldstein_price", "momentum:lr=0.01", START, 30)
    expected = run("goldstein_price", "momentum:lr=0.01", START[None], 30)
    assert expected.diverged[0]
    np.testing.assert_array_equal(trace.positions, expected.positions[:, 0])
    assert np.isnan(trace.gradients[expected.stopped_at[0] + 1:]).all()
