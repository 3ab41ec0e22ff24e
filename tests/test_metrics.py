"""Metrics: curvature at points (largest eigenvalue, trace, SAM sharpness) and exploration along trajectories."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.metrics import hessian_trace, largest_eigenvalue, max_distance, path_length, sam_sharpness
from landscapes import build_landscape


def test_largest_eigenvalue_and_trace_at_two_basin_minima_are_the_listed_curvatures():
    landscape = build_landscape("two_basin:sharpness=16,tau=0.01")
    minima = np.array([m.location for m in landscape.minima])
    np.testing.assert_allclose(largest_eigenvalue(landscape, minima), [m.sharpness for m in landscape.minima],
                               rtol=1e-9)
    np.testing.assert_allclose(hessian_trace(landscape, minima), [m.eigenvalues.sum() for m in landscape.minima],
                               rtol=1e-9)


def test_curvature_metrics_equal_numpy_on_the_hessian_and_keep_the_leading_shape():
    landscape = build_landscape("goldstein_price")
    points = np.random.default_rng(0).uniform(-2, 2, (3, 5, 2))  # (R, N, d)
    H = landscape.hessian(points.reshape(-1, 2))
    np.testing.assert_array_equal(largest_eigenvalue(landscape, points), np.linalg.eigvalsh(H)[:, -1].reshape(3, 5))
    np.testing.assert_array_equal(hessian_trace(landscape, points), np.trace(H, axis1=1, axis2=2).reshape(3, 5))


def test_quadratic_curvature_is_the_same_everywhere():
    landscape = build_landscape("quadratic:dim=4,lambda_min=0.5,lambda_max=7")
    points = np.random.default_rng(1).normal(size=(6, 4))
    np.testing.assert_allclose(largest_eigenvalue(landscape, points), 7.0, rtol=1e-12)
    np.testing.assert_allclose(hessian_trace(landscape, points), np.geomspace(0.5, 7, 4).sum(), rtol=1e-12)


def test_a_cone_tip_is_infinitely_sharp_and_a_non_finite_point_has_no_curvature():
    landscape = build_landscape("ackley")
    values = largest_eigenvalue(landscape, np.array([[0.0, 0.0], [np.nan, 1.0], [1.0, 1.0]]))
    assert values[0] == np.inf and np.isnan(values[1]) and np.isfinite(values[2])


def brute_force_sam_sharpness(landscape, points: np.ndarray, rho: float) -> np.ndarray:
    """max of f(x + e) - f(x) over a fine polar grid of the disc (1440 angles x 100 radii)."""
    angles = np.linspace(0, 2 * np.pi, 1440, endpoint=False)
    radii = np.linspace(0, rho, 101)[1:]
    offsets = (radii[:, None, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)[None]).reshape(-1, 2)
    return np.array([max(landscape.f(x + offsets).max() - landscape.f(x[None])[0], 0.0) for x in points])


@pytest.mark.parametrize("spec, rho", [("two_basin:sharpness=16", 0.05), ("two_basin:sharpness=16", 0.6),
                                       ("goldstein_price", 0.1), ("himmelblau", 0.3), ("ackley", 0.5),
                                       ("rastrigin", 0.3), ("six_hump_camel", 1.0)])
def test_sam_sharpness_matches_a_brute_force_search_of_the_disc(spec, rho):
    landscape = build_landscape(spec)
    points = np.random.default_rng(2).uniform(landscape.domain.low, landscape.domain.high, (12, 2))
    points = np.concatenate([points, [m.location for m in landscape.minima[:3]]])
    found, brute = sam_sharpness(landscape, points, rho), brute_force_sam_sharpness(landscape, points, rho)
    # the brute force only samples the disc, so it can be below the true maximum but never above what we find
    assert np.all(found >= brute - 1e-12 * (1 + np.abs(brute)))
    np.testing.assert_allclose(found, brute, rtol=1e-3, atol=1e-9)


def test_sam_sharpness_at_a_quadratic_minimum_is_half_rho_squared_times_the_largest_curvature():
    landscape = build_landscape("quadratic:dim=6,lambda_min=1,lambda_max=30,seed=3")
    np.testing.assert_allclose(sam_sharpness(landscape, np.zeros((1, 6)), 0.2), [0.5 * 0.04 * 30], rtol=1e-9)


def test_sam_sharpness_is_zero_for_rho_zero_and_nan_for_non_finite_points():
    landscape = build_landscape("two_basin")
    assert sam_sharpness(landscape, np.array([[0.3, 0.2]]), 0.0).tolist() == [0.0]
    assert np.isnan(sam_sharpness(landscape, np.array([[np.inf, 0.2]]), 0.1)).all()
    with pytest.raises(ValueError, match="rho"):
        sam_sharpness(landscape, np.zeros((1, 2)), -1.0)


def test_path_length_and_farthest_distance_of_hand_built_paths():
    positions = np.array([[[0.0, 0.0], [1.0, 1.0]],
                          [[3.0, 4.0], [1.0, 1.0]],
                          [[0.0, 4.0], [1.0, 1.0]]])  # (R=3, N=2, d=2): run 0 goes 5 then 3; run 1 stays
    np.testing.assert_allclose(path_length(positions), [8.0, 0.0])
    np.testing.assert_allclose(max_distance(positions), [5.0, 0.0])


def test_a_path_through_a_non_finite_point_has_infinite_length_and_distance():
    positions = np.array([[[0.0, 0.0]], [[np.nan, np.nan]]])
    assert path_length(positions).tolist() == [np.inf] and max_distance(positions).tolist() == [np.inf]


@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=30))
def test_farthest_distance_is_at_most_the_path_length(points):
    positions = np.array(points)[:, None, :]
    assert max_distance(positions)[0] <= path_length(positions)[0] * (1 + 1e-12) + 1e-9
