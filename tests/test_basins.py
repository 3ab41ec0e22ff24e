"""Basin assignment: the known minimum a point's gradient flow ends in, checked against geometry and an ODE solver."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.spatial import cKDTree

from experiments import basins
from experiments.basins import HESSIAN_MAX_DIM, assign_basins, descend, symmetric_eigen
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


def test_the_cone_tip_of_ackley_is_reached():
    landscape = build_landscape("ackley")
    origin = int(np.argmin([np.linalg.norm(m.location) for m in landscape.minima]))
    points = np.random.default_rng(6).uniform(-0.25, 0.25, (30, 2))
    assert np.all(assign_basins(landscape, points) == origin)


# -- what a landscape proves without following the flow --------------------------------------------------------------
CERTIFYING = ["two_basin", "two_basin:sharpness=16", "two_basin:sharpness=10000,tau=0.005",
              "two_basin:sharpness=1,depth=-1.5,tau=1", "two_basin:depth=1.5,tau=0.2", "random_basins",
              "random_basins:basins=10,lambda_max=1000,seed=2", "random_basins:basins=3,dim=3,seed=7",
              "random_basins:basins=1", "quadratic:dim=5"]


def integrator_only(landscape, points: np.ndarray) -> np.ndarray:
    """assign_basins without the landscape's certificate: the descent alone, with the same snap to minima."""
    minima = np.array([m.location for m in landscape.minima])
    ends, converged, proven = descend(landscape, points, minima)
    assert np.all(proven == -1)
    distance, nearest = cKDTree(minima).query(ends)
    scale = np.linalg.norm(landscape.domain.half_width)
    return np.where(converged & (distance <= 1e-4 * scale), nearest, -1)


def near_the_ridges(landscape, count: int, seed: int) -> np.ndarray:
    """Points spread over the domain, and as many on the segments between bowl centres, where basins meet."""
    rng = np.random.default_rng(seed)
    spread = rng.uniform(landscape.domain.low, landscape.domain.high, (count, landscape.dim))
    centres = getattr(landscape, "centres", np.array([m.location for m in landscape.minima]))
    pairs = rng.integers(0, len(centres), (count, 2))
    t = rng.uniform(0, 1, (count, 1))
    between = centres[pairs[:, 0]] * (1 - t) + centres[pairs[:, 1]] * t + rng.normal(0, 0.02, (count, landscape.dim))
    return np.concatenate([spread, between])


@pytest.mark.parametrize("spec", CERTIFYING)
def test_what_the_bowls_prove_agrees_with_the_integrator(spec):
    landscape = build_landscape(spec)
    points = near_the_ridges(landscape, 1500, seed=7)
    proven = landscape.certified_basins(points)
    assert np.any(proven >= 0), "the certificate proves nothing here"
    np.testing.assert_array_equal(proven[proven >= 0], integrator_only(landscape, points[proven >= 0]))
    # and assign_basins, which asks it first and after every kept step, agrees with the integrator everywhere
    np.testing.assert_array_equal(assign_basins(landscape, points), integrator_only(landscape, points))


@pytest.mark.parametrize("spec", [s for s in CERTIFYING if s.startswith(("two_basin", "random_basins"))])
def test_the_surface_is_strictly_convex_where_a_basin_is_proven(spec):
    # the proof's premise, checked on the surface itself: the Hessian is positive definite at every proven point
    landscape = build_landscape(spec)
    points = near_the_ridges(landscape, 4000, seed=8)
    proven = landscape.certified_basins(points) >= 0
    assert np.linalg.eigvalsh(landscape.hessian(points[proven]))[:, 0].min() > 0


@pytest.mark.parametrize("spec", ["two_basin:sharpness=16", "random_basins", "two_basin:sharpness=1000,tau=0.01"])
def test_proven_basins_at_the_edge_of_the_proof_agree_with_an_accurate_ode_solver(spec):
    # the points proven with the least room (q_k just under its certified level), where an error would show first
    landscape = build_landscape(spec)
    points = near_the_ridges(landscape, 20_000, seed=9)
    proven = landscape.certified_basins(points)
    levels, owners = landscape.certificates
    bowl = np.array([np.flatnonzero(owners == b)[0] if b >= 0 else -1 for b in proven])
    q = np.array([landscape.depths[k] + 0.5 * (x - landscape.centres[k]) @ landscape.hessians[k]
                  @ (x - landscape.centres[k]) if k >= 0 else np.inf for x, k in zip(points, bowl)])
    room = np.where(proven >= 0, levels[np.maximum(bowl, 0)] - q, np.inf)
    edge = np.argsort(room)[:12]
    assert np.all(np.isfinite(room[edge]))
    tree = cKDTree(np.array([m.location for m in landscape.minima]))
    for point, expected in zip(points[edge], proven[edge]):
        flow = solve_ivp(lambda t, y: -landscape.grad(y[None])[0], (0, 200), point, method="LSODA", rtol=1e-10,
                         atol=1e-12, jac=lambda t, y: -landscape.hessian(y[None])[0])
        distance, index = tree.query(flow.y[:, -1])
        assert distance < 1e-3 and index == expected


def test_a_positive_definite_quadratic_proves_every_basin_at_once():
    landscape = build_landscape("quadratic:dim=50")
    points = np.random.default_rng(5).uniform(-3, 3, (300, 50))
    assert np.all(landscape.certified_basins(points) == 0)
    assert np.all(assign_basins(landscape, points) == 0)
    assert Quadratic(A=-np.eye(2)).certified_basins(np.zeros((2, 2))).tolist() == [-1, -1]


def test_the_linear_model_alone_converges_in_high_dimensions():
    # above HESSIAN_MAX_DIM the descent takes plain gradient steps and keeps no eigenvectors
    landscape = build_landscape(f"quadratic:dim={HESSIAN_MAX_DIM + 34},lambda_min=1,lambda_max=20")
    points = np.random.default_rng(5).uniform(-3, 3, (50, landscape.dim))
    ends, converged, _ = descend(landscape, points, np.zeros((1, landscape.dim)))
    assert converged.all() and np.abs(ends).max() < 1e-6


@pytest.mark.parametrize("H", [[[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[1e4, 3e-3], [3e-3, 1.0]],
                               [[-2.0, 5.0], [5.0, 3.0]], [[1.0, 1e-300], [1e-300, 1.0]], [[0.0, 0.0], [0.0, 0.0]]])
def test_two_by_two_eigen_decomposition_in_closed_form_equals_lapacks(H):
    H = np.array([H, np.array(H) * 7.5])
    lam, V = symmetric_eigen(H)
    np.testing.assert_allclose(np.sort(lam, axis=1), np.linalg.eigvalsh(H), rtol=1e-14, atol=1e-14 * np.abs(H).max())
    np.testing.assert_allclose(V @ (lam[:, :, None] * np.swapaxes(V, 1, 2)), H, rtol=0, atol=1e-14 * np.abs(H).max())
    np.testing.assert_allclose(np.swapaxes(V, 1, 2) @ V, np.broadcast_to(np.eye(2), H.shape), atol=1e-15)


def test_points_are_assigned_in_blocks_as_in_one(monkeypatch):
    landscape = build_landscape("random_basins")
    points = np.random.default_rng(10).uniform(-4, 4, (500, 2))
    whole = assign_basins(landscape, points)
    monkeypatch.setattr(basins, "ASSIGN_BLOCK", 37)
    np.testing.assert_array_equal(assign_basins(landscape, points), whole)
