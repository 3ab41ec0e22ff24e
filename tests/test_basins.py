"""Basin assignment: the known minimum a point's gradient flow ends in, checked against geometry and an ODE solver."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.spatial import cKDTree

from experiments.basins import HESSIAN_MAX_DIM, assign_basins
from landscapes import Quadratic, build_landscape

LANDSCAPES_WITH_MINIMA = ["goldstein_price", "ackley", "himmelblau", "rastrigin", "six_hump_camel", "rosenbrock",
                          "beale", "random_basins", "quadratic:dim=3", "two_basin", "two_basin:sharpness=10000"]


@pytest.mark.parametrize("spec", LANDSCAPES_WITH_MINIMA)
def test_every_listed_minimum_and_its_close_neighbourhood_is_its_own_basin(spec):
    landscape = build_landscape(spec)
    minima = np.array([m.location for m in landscape.minima])
    # a step of a tenth of the curvature's length scale in a seeded direction stays well inside each basin
    scale = np.array([0.1 / np.sqrt(m.sharpness) if np.isfinite(m.sharpness) else 0.05 for m in landscape.minima])
    directions = np.random.default_rng(0).standard_normal(minima.shape)
    near = minima + scale[:, None] * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    expected = np.arange(len(minima))
    np.testing.assert_array_equal(assign_basins(landscape, minima), expected)
    np.testing.assert_array_equal(assign_basins(landscape, near), expected)


def apollonius_sharp(points: np.ndarray, sharpness: float, grow: float) -> np.ndarray:
    """Where two_basin's sharp basin lies as tau -> 0: inside the disc where the sharp bowl is lower (an Apollonius
    circle, scaled by `grow`), or on a straight flow line to the flat minimum that enters it."""
    k2 = sharpness
    sharp, flat = np.array([-1.0, 0.0]), np.array([1.0, 0.0])
    centre = (sharp * k2 - flat) / (k2 - 1)
    radius = grow * np.sqrt(k2) * 2 / (k2 - 1)
    d = flat - points
    t = np.clip(np.einsum("nd,nd->n", centre - points, d) / np.einsum("nd,nd->n", d, d), 0, 1)
    return np.linalg.norm(points + t[:, None] * d - centre, axis=1) < radius


@pytest.mark.parametrize("sharpness", [8.0, 1000.0, 10000.0])
def test_two_basin_sharp_basin_matches_its_geometry_even_when_tiny(sharpness):
    landscape = build_landscape(f"two_basin:sharpness={sharpness},tau=0.01")
    points = np.random.default_rng(1).uniform(landscape.domain.low, landscape.domain.high, (4000, 2))
    # near the sharp basin as well, where a careless descent would leap over it
    points[:1000] = np.array([-1.0, 0.0]) + np.random.default_rng(2).normal(0, 3 / np.sqrt(sharpness), (1000, 2))
    sure = apollonius_sharp(points, sharpness, 0.9) == apollonius_sharp(points, sharpness, 1.1)
    expected = np.where(apollonius_sharp(points, sharpness, 1.0), landscape.minimum_index("sharp"),
                        landscape.minimum_index("flat"))
    found = assign_basins(landscape, points)
    assert sure.sum() > 3500
    np.testing.assert_array_equal(found[sure], expected[sure])


@pytest.mark.parametrize("spec", ["himmelblau", "six_hump_camel"])
def test_agrees_with_an_accurate_integration_of_the_gradient_flow(spec):
    landscape = build_landscape(spec)
    points = np.random.default_rng(3).uniform(landscape.domain.low, landscape.domain.high, (25, 2))
    tree = cKDTree(np.array([m.location for m in landscape.minima]))
    expected = []
    for point in points:
        flow = solve_ivp(lambda t, y: -landscape.grad(y[None])[0], (0, 30), point, method="LSODA", rtol=1e-9,
                         atol=1e-11, jac=lambda t, y: -landscape.hessian(y[None])[0])
        distance, index = tree.query(flow.y[:, -1])
        expected.append(index if distance < 1e-3 else -1)
    np.testing.assert_array_equal(assign_basins(landscape, points), expected)


def test_non_finite_points_have_no_basin():
    landscape = build_landscape("two_basin")
    found = assign_basins(landscape, np.array([[np.nan, 0.0], [np.inf, 1.0], [-1.0, 0.0]]))
    np.testing.assert_array_equal(found, [-1, -1, landscape.minimum_index("sharp")])


def test_a_flow_that_runs_off_to_infinity_has_no_basin():
    # Beale's flow from (-3, 1.5) slides down a valley towards x -> -inf (an ODE solver agrees: x = -20 at t = 2000)
    assert assign_basins(build_landscape("beale"), np.array([[-3.0, 1.5], [2.0, 2.0]])).tolist() == [-1, 0]


def test_a_landscape_without_minima_assigns_nothing():
    hill = Quadratic(A=-np.eye(2))
    assert hill.minima == ()
    assert assign_basins(hill, np.zeros((3, 2))).tolist() == [-1, -1, -1]


def test_each_row_is_assigned_independently_of_the_batch():
    landscape = build_landscape("goldstein_price")
    points = np.random.default_rng(4).uniform(-2, 2, (40, 2))
    np.testing.assert_array_equal(assign_basins(landscape, points)[10:20], assign_basins(landscape, points[10:20]))


def test_high_dimensional_quadratic_without_hessians_still_converges():
    landscape = build_landscape(f"quadratic:dim={HESSIAN_MAX_DIM + 14},lambda_min=1,lambda_max=20")
    points = np.random.default_rng(5).uniform(-3, 3, (50, landscape.dim))
    assert np.all(assign_basins(landscape, points) == 0)


def test_the_cone_tip_of_ackley_is_reached():
    landscape = build_landscape("ackley")
    origin = int(np.argmin([np.linalg.norm(m.location) for m in landscape.minima]))
    points = np.random.default_rng(6).uniform(-0.25, 0.25, (30, 2))
    assert np.all(assign_basins(landscape, points) == origin)
