"""Landscapes: closed-form gradients and Hessians against autograd and scipy.differentiate, and their minima."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.differentiate import hessian as fd_hessian, jacobian as fd_jacobian

from landscapes import LANDSCAPES, Quadratic, build_landscape
from specs import SpecError

SPECS = ["goldstein_price", "ackley", "ackley:dim=3", "quadratic", "quadratic:dim=5,lambda_min=0.1,lambda_max=100,seed=3",
         "random_basins", "random_basins:basins=3,dim=3,seed=7", "two_basin", "two_basin:sharpness=64,depth=-0.5",
         "rosenbrock", "himmelblau", "rastrigin", "rastrigin:dim=3", "six_hump_camel", "beale"]
BUILT = {spec: build_landscape(spec) for spec in SPECS}


def unit_points(landscape, unit: np.ndarray) -> np.ndarray:
    """Map points of [0, 1]^d into the landscape's domain."""
    low, high = landscape.domain.low, landscape.domain.high
    return low + unit * (high - low)


def scalar_function(landscape):
    """f in the calling convention of scipy.differentiate: xi (d, ...) -> (...)."""
    def f(xi):
        flat = np.moveaxis(xi, 0, -1).reshape(-1, landscape.dim)
        return landscape.f(flat).reshape(xi.shape[1:])
    return f


def away_from_ackley_tip(X):
    return X[np.linalg.norm(X, axis=1) > 1e-3]


@pytest.mark.parametrize("spec", SPECS)
@given(unit=st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5))
@settings(max_examples=25)
def test_gradient_and_hessian_match_autograd(spec, unit):
    landscape = BUILT[spec]
    X = away_from_ackley_tip(unit_points(landscape, np.array([unit[: landscape.dim]])))
    if not len(X):
        return
    g, g_auto = landscape.grad(X), landscape.autograd_grad(X)
    np.testing.assert_allclose(g, g_auto, rtol=1e-9, atol=1e-9 * (1 + np.abs(g_auto).max()))
    H, H_auto = landscape.hessian(X), landscape.autograd_hessian(X)
    np.testing.assert_allclose(H, H_auto, rtol=1e-7, atol=1e-7 * (1 + np.abs(H_auto).max()))


@pytest.mark.parametrize("spec", SPECS)
@given(unit=st.lists(st.floats(0.05, 0.95), min_size=5, max_size=5))
@settings(max_examples=10)
def test_gradient_and_hessian_match_finite_differences(spec, unit):
    landscape = BUILT[spec]
    x = unit_points(landscape, np.array(unit[: landscape.dim]))
    if np.linalg.norm(x) < 1e-2:
        return
    jac = fd_jacobian(scalar_function(landscape), x)
    g = landscape.grad(x[None])[0]
    scale = 1 + np.abs(g).max()
    # Finite differences report their own error estimate; steep ridges (two_basin's) make it large.
    assert np.all(np.abs(g - jac.df) <= 1e-6 * scale + 10 * jac.error)
    hess = fd_hessian(scalar_function(landscape), x)
    H = landscape.hessian(x[None])[0]
    assert np.all(np.abs(H - hess.ddf) <= 1e-4 * (1 + np.abs(H).max()) + 10 * hess.error)


@pytest.mark.parametrize("spec", SPECS)
def test_listed_minima_are_minima(spec):
    landscape = BUILT[spec]
    assert landscape.minima, f"{spec} lists no minima"
    for minimum in landscape.minima:
        x = minimum.location[None]
        assert np.linalg.norm(landscape.grad(x)) <= 1e-7 * (1 + abs(minimum.value))
        assert landscape.f(x)[0] == pytest.approx(minimum.value, abs=1e-12)
        assert np.all(minimum.eigenvalues > 0)
        assert np.all(minimum.eigenvalues[:-1] <= minimum.eigenvalues[1:])
    values = [m.value for m in landscape.minima]
    assert values == sorted(values)


def test_goldstein_price_minima_are_the_known_four():
    minima = build_landscape("goldstein_price").minima
    assert [round(m.value, 6) for m in minima] == [3.0, 30.0, 84.0, 840.0]
    np.testing.assert_allclose(minima[0].location, [0.0, -1.0], atol=1e-12)
    assert minima[0].label == "global"


def test_goldstein_price_has_no_other_minima_in_its_domain():
    from landscapes.base import multistart_minima, refine_minima
    landscape = build_landscape("goldstein_price")
    found = refine_minima(landscape, multistart_minima(landscape, starts=200, seed=1))
    inside = [m for m in found if landscape.domain.contains(m.location[None])[0]]
    assert sorted(round(m.value, 4) for m in inside) == [3.0, 30.0, 84.0, 840.0]


def test_goldstein_price_values():
    landscape = build_landscape("goldstein_price")
    np.testing.assert_allclose(landscape.f(np.array([[0.0, -1.0], [-1.0, 0.0]])), [3.0, 278.0])
    assert landscape.color_scale == "log"


def test_ackley_tip_has_zero_gradient_and_infinite_curvature():
    landscape = build_landscape("ackley")
    origin = np.zeros((1, 2))
    assert landscape.f(origin)[0] == pytest.approx(0.0, abs=1e-14)
    np.testing.assert_array_equal(landscape.grad(origin), [[0.0, 0.0]])
    assert np.all(np.isinf(np.diag(landscape.hessian(origin)[0])))
    assert landscape.global_minimum.label == "global"
    np.testing.assert_array_equal(landscape.global_minimum.eigenvalues, [np.inf, np.inf])


def test_ackley_full_domain_works():
    landscape = build_landscape("ackley:extent=32.768")
    X = np.random.default_rng(0).uniform(-32.768, 32.768, (1000, 2))
    assert np.all(np.isfinite(landscape.f(X))) and np.all(np.isfinite(landscape.grad(X)))
    assert len(landscape.minima) == 65**2


def test_quadratic_spectrum_is_the_requested_one():
    landscape = build_landscape("quadratic:dim=6,lambda_min=0.5,lambda_max=500,seed=2")
    np.testing.assert_allclose(landscape.global_minimum.eigenvalues, np.geomspace(0.5, 500, 6), rtol=1e-10)
    other_seed = build_landscape("quadratic:dim=6,lambda_min=0.5,lambda_max=500,seed=3")
    assert not np.allclose(landscape.A, other_seed.A)


def test_quadratic_accepts_a_given_matrix_and_centre():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    landscape = Quadratic(A=A, c=[1.0, -1.0])
    assert landscape.f(np.array([[2.0, -1.0]]))[0] == pytest.approx(1.0)
    np.testing.assert_allclose(landscape.global_minimum.location, [1.0, -1.0])


def test_two_basin_sharpness_scales_only_the_sharp_basin():
    for sharpness in (1.0, 4.0, 64.0):
        landscape = build_landscape(f"two_basin:sharpness={sharpness}")
        sharp = landscape.minima[landscape.minimum_index("sharp")]
        flat = landscape.minima[landscape.minimum_index("flat")]
        np.testing.assert_allclose(sharp.eigenvalues, [sharpness, sharpness], rtol=1e-6)
        np.testing.assert_allclose(flat.eigenvalues, [1.0, 1.0], rtol=1e-6)


@pytest.mark.parametrize("depth", [0.5, 0.0, -0.5])
def test_two_basin_depth_sets_which_basin_is_lower(depth):
    landscape = build_landscape(f"two_basin:depth={depth}")
    sharp = landscape.minima[landscape.minimum_index("sharp")]
    flat = landscape.minima[landscape.minimum_index("flat")]
    assert flat.value - sharp.value == pytest.approx(-depth, abs=1e-6)


def test_random_basins_are_seeded():
    a, b = build_landscape("random_basins:seed=4"), build_landscape("random_basins:seed=4")
    c = build_landscape("random_basins:seed=5")
    np.testing.assert_array_equal(a.centres, b.centres)
    assert not np.array_equal(a.centres, c.centres)
    assert 1 <= len(a.minima) <= 5


def test_every_registered_landscape_builds_and_evaluates():
    for name in LANDSCAPES.names():
        landscape = build_landscape(name)
        X = unit_points(landscape, np.random.default_rng(0).uniform(0, 1, (4, landscape.dim)))
        assert landscape.f(X).shape == (4,)
        assert landscape.grad(X).shape == (4, landscape.dim)
        assert landscape.hessian(X).shape == (4, landscape.dim, landscape.dim)
        assert landscape.spec == name


def test_spec_is_canonical():
    assert build_landscape("two_basin:sharpness=16,depth=0").spec == "two_basin:sharpness=16"


def test_points_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"must be an \(N, 2\) array"):
        build_landscape("himmelblau").f(np.zeros((3, 3)))


@pytest.mark.parametrize("spec, message", [
    ("two_basin:sharpness=0.5", "sharpness must be a number in [1, 10000] (got 0.5)"),
    ("quadratic:lambda_min=10,lambda_max=1", "lambda_min must be <= lambda_max (got 10.0 > 1.0)"),
    ("ackley:dim=0", "dim must be an integer in [1, 100] (got 0)"),
    ("mountain", "unknown landscape 'mountain'; choose one of: goldstein_price, ackley, quadratic, random_basins, "
                 "two_basin, rosenbrock, himmelblau, rastrigin, six_hump_camel, beale, custom"),
])
def test_bad_landscape_specs_raise_one_clear_sentence(spec, message):
    with pytest.raises(SpecError) as error:
        build_landscape(spec)
    assert str(error.value) == message


@pytest.mark.parametrize("spec, count", [("ackley:dim=3", 11**3), ("ackley:dim=8", 17), ("rastrigin:dim=50", 101),
                                         ("quadratic:dim=1000", 1)])
def test_high_dimensional_landscapes_list_their_minima_quickly(spec, count):
    landscape = build_landscape(spec)
    assert len(landscape.minima) == count
    assert landscape.global_minimum.value == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(landscape.global_minimum.location, np.zeros(landscape.dim), atol=1e-12)
