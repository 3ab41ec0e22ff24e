"""The escape-rate experiment: basins by name, starts inside them, intervals, and what counts as an escape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from experiments.basins import DIVERGED_BASIN as DIVERGED
from experiments.basins import assign_basins
from experiments.escape import basin_core_radius, escape_experiment, resolve_basin, starts_in_basin
from experiments.intervals import wilson_interval
from landscapes import build_landscape
from specs import SpecError


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.5, 0.9, 0.95, 0.99]))
def test_wilson_interval_equals_scipys(counts, confidence):
    successes, trials = counts
    expected = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    low, high = wilson_interval(successes, trials, confidence)
    assert (low, high) == (expected.low, expected.high)  # scipy's arithmetic, bit for bit
    assert 0.0 <= low <= successes / trials <= high <= 1.0


def test_wilson_interval_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_basins_are_found_by_label_by_sharpest_and_by_index():
    landscape = build_landscape("two_basin:sharpness=16")
    sharp = [m.label for m in landscape.minima].index("sharp")
    assert resolve_basin(landscape, "sharp") == sharp
    assert resolve_basin(landscape, "flat") == 1 - sharp
    assert resolve_basin(landscape, "sharpest") == sharp
    assert resolve_basin(landscape, 1) == 1 and resolve_basin(landscape, " 0 ") == 0
    assert resolve_basin(build_landscape("goldstein_price"), "global") == 0


@pytest.mark.parametrize("basin", ["steep", 2, -1, "1.5", True])
def test_an_unknown_basin_is_refused_with_the_choices(basin):
    with pytest.raises(SpecError, match=r"basin must be one of flat, sharp, sharpest, an index in \[0, 1\]"):
        resolve_basin(build_landscape("two_basin"), basin)


@pytest.mark.parametrize("sharpness", [1, 4, 16, 1000])
def test_the_core_radius_of_the_sharp_basin_follows_its_geometry(sharpness):
    # as tau -> 0 the sharp basin's nearest edge lies 2 / (sqrt(s) + 1) from its minimum
    landscape = build_landscape(f"two_basin:sharpness={sharpness},tau=0.01")
    radius = basin_core_radius(landscape, landscape.minimum_index("sharp"))
    assert radius == pytest.approx(2 / (np.sqrt(sharpness) + 1), rel=0.05)


def test_starts_lie_in_the_basin_within_the_spread_and_are_seeded():
    landscape = build_landscape("two_basin:sharpness=64")
    sharp = landscape.minimum_index("sharp")
    starts = starts_in_basin(landscape, sharp, 500, seed=7, spread=0.8)
    assert starts.shape == (500, 2)
    assert np.all(assign_basins(landscape, starts) == sharp)
    distance = np.linalg.norm(starts - landscape.minima[sharp].location, axis=1)
    assert distance.max() <= 0.8 * basin_core_radius(landscape, sharp) + 1e-12
    assert distance.max() > 0.6 * basin_core_radius(landscape, sharp)  # they fill the ball, not just its centre
    np.testing.assert_array_equal(starts, starts_in_basin(landscape, sharp, 500, seed=7, spread=0.8))
    assert not np.array_equal(starts, starts_in_basin(landscape, sharp, 500, seed=8, spread=0.8))


def test_plain_adam_at_a_tiny_learning_rate_never_escapes_a_sharp_basin():
    found = escape_experiment("two_basin:sharpness=16", "adam:lr=0.0001", runs=300, steps=300)
    assert found.escaped == 0 and found.escape_rate == 0.0 and found.diverged == 0
    assert found.ci_low == 0.0 and found.ci_high == pytest.approx(wilson_interval(0, 300)[1])
    assert found.destinations == {} and found.flatter_fraction == 0.0


def test_diverged_runs_are_counted_as_diverged_never_as_escaped():
    found = escape_experiment("two_basin:sharpness=16", "sgd:lr=5", runs=50, steps=50)
    assert found.diverged == 50 and found.escaped == 0
    assert np.all(found.final_basins == DIVERGED)


def test_escapers_are_histogrammed_by_destination_and_flatter_basins_are_counted():
    landscape = build_landscape("two_basin:sharpness=16")
    found = escape_experiment(landscape, "adam_cm:lr=0.05", runs=200, steps=200)
    flat = landscape.minimum_index("flat")
    assert found.escaped > 100
    assert sum(found.destinations.values()) == found.escaped
    assert found.flatter_fraction == pytest.approx(np.mean(found.final_basins == flat))
    assert found.escape_rate == found.escaped / found.runs
    assert found.grad_evals == 200 and found.starts.shape == found.final.shape == (200, 2)


def test_the_same_seed_gives_the_same_result_bit_for_bit():
    first = escape_experiment("two_basin:sharpness=8", "adam_sam_cm:lr=0.05", runs=100, steps=100, seed=3)
    second = escape_experiment("two_basin:sharpness=8", "adam_sam_cm:lr=0.05", runs=100, steps=100, seed=3)
    np.testing.assert_array_equal(first.final, second.final)
    assert (first.escaped, first.destinations, first.ci_low) == (second.escaped, second.destinations, second.ci_low)
    assert first.grad_evals == 200  # SAM: two gradient evaluations per step


def test_a_request_above_the_work_limit_is_refused_before_running():
    with pytest.raises(SpecError, match="more than the limit of 1,000"):
        escape_experiment("two_basin", "adam_sam", runs=100, steps=10, max_work=1000)
