"""Landscapes: closed-form gradients and Hessians against autograd and scipy.differentiate, and their minima."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.differentiate import hessian as fd_hessian
from scipy.differentiate import jacobian as fd_jacobian

from landscapes import LANDSCAPES, Quadratic, build_landscape
from specs import SpecError

SPECS = ["goldstein_price", "ackley", "ackley:dim=3", "quadratic",
         "quadratic:dim=5,lambda_min=0.1,lambda_max=100,seed=3", "random_basins", "random_basins:basins=3,dim=3,seed=7",
         "two_basin", "two_basin:sharpness=64,depth=-0.5", "two_basin:sharpness=10000,tau=0.005",
         "two_basin:sharpness=1,depth=1.5,tau=1", "random_basins:dim=1,seed=2",
         "random_basins:basins=12,lambda_max=1000,tau=0.3,seed=5",
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
    ("mountain", f"unknown landscape 'mountain'; choose one of: {', '.join(LANDSCAPES.names())}"),
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


# -- the quadratic basins' closed forms -------------------------------------------------------------------------------
def einsum_form(landscape, X):
    """f, gradient and Hessian of a QuadraticBasins in the (N, K, d) einsum form with scipy's softmax: the reference
    arithmetic that the closed forms keep bit for bit in the plane with two bowls."""
    from scipy.special import softmax

    D = X[:, None, :] - landscape.centres[None, :, :]
    G = np.einsum("kde,nke->nkd", landscape.hessians, D)
    q = landscape.depths + 0.5 * np.sum(D * G, axis=2)
    low = np.min(q, axis=1, keepdims=True)
    f = (low - landscape.tau * np.log(np.sum(np.exp((low - q) / landscape.tau), axis=1, keepdims=True)))[:, 0]
    w = softmax(-q / landscape.tau, axis=1)
    g = np.einsum("nk,nkd->nd", w, G)
    spread = np.einsum("nk,nkd,nke->nde", w, G, G) - g[:, :, None] * g[:, None, :]
    return f, g, np.einsum("nk,kde->nde", w, landscape.hessians) - spread / landscape.tau


def probe_points(landscape, count: int = 4000) -> np.ndarray:
    """Domain points, far points where every exp but one underflows, the centres, and points next to them."""
    rng = np.random.default_rng(11)
    low, high = landscape.domain.low, landscape.domain.high
    near = landscape.centres[rng.integers(0, 2, 300)] + rng.normal(0, 1e-7, (300, 2))
    return np.concatenate([rng.uniform(low, high, (count, landscape.dim)), rng.uniform(30 * low, 30 * high, (500, 2)),
                           landscape.centres, near, np.array([m.location for m in landscape.minima])])


@pytest.mark.parametrize("spec", ["two_basin", "two_basin:sharpness=16", "two_basin:sharpness=64,depth=-0.5",
                                  "two_basin:sharpness=10000,tau=0.005", "two_basin:sharpness=1,depth=1.5,tau=1"])
def test_two_basin_closed_forms_are_the_einsum_form_bit_for_bit(spec):
    # the escape tables quote Adam+SAM's final losses, which amplify any change in a last bit
    landscape = build_landscape(spec)
    X = probe_points(landscape)
    with np.errstate(all="ignore"):
        f, g, H = einsum_form(landscape, X)
    np.testing.assert_array_equal(landscape.f(X), f)
    np.testing.assert_array_equal(landscape.grad(X), g)
    np.testing.assert_array_equal(landscape.hessian(X), H)


@pytest.mark.parametrize("spec", ["random_basins", "random_basins:basins=50", "random_basins:basins=50,dim=10",
                                  "random_basins:basins=4,dim=5,tau=1"])
def test_quadratic_basins_closed_forms_equal_the_einsum_form(spec):
    landscape = build_landscape(spec)
    X = np.random.default_rng(12).uniform(landscape.domain.low, landscape.domain.high, (3000, landscape.dim))
    f, g, H = einsum_form(landscape, X)
    np.testing.assert_allclose(landscape.f(X), f, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(landscape.grad(X), g, rtol=1e-11, atol=1e-11 * np.abs(g).max())
    np.testing.assert_allclose(landscape.hessian(X), H, rtol=1e-9, atol=1e-9 * np.abs(H).max())


def test_the_smooth_minimum_stays_finite_and_exact_where_one_bowl_rules():
    landscape = build_landscape("two_basin:sharpness=10000,tau=0.005")
    sharp, flat = landscape.centres
    X = np.array([flat, sharp, [50.0, 40.0], [-1e150, 3e149], flat + np.array([1e-300, 0.0])])
    with np.errstate(all="ignore"):
        f, g, _ = einsum_form(landscape, X)
    assert np.all(np.isfinite(landscape.f(X))) and np.all(np.isfinite(landscape.grad(X)))
    np.testing.assert_array_equal(landscape.f(X), f)
    # at the flat centre the sharp bowl's weight underflows to exactly 0: so does the gradient
    np.testing.assert_array_equal(landscape.grad(X[:1]), [[0.0, 0.0]])
    np.testing.assert_array_equal(landscape.grad(X), g)


def test_many_bowls_are_taken_in_blocks_of_rows_as_in_one():
    landscape = build_landscape("random_basins:basins=50,dim=10")
    X = np.random.default_rng(13).uniform(-4, 4, (3 * landscape._rows_per_block + 5, 10))
    middle = slice(landscape._rows_per_block - 3, landscape._rows_per_block + 4)  # across a block boundary
    for method in (landscape.f, landscape.grad, landscape.hessian):
        np.testing.assert_array_equal(method(X)[middle], method(X[middle]))


def test_the_certified_levels_of_two_basin_follow_its_geometry():
    # the proven region of the sharp bowl covers most of its basin, whose edge lies 2 / (sqrt(s) + 1) from its centre
    for sharpness in (1.0, 16.0, 1000.0):
        landscape = build_landscape(f"two_basin:sharpness={sharpness},tau=0.01")
        levels, owners = landscape.certificates
        sharp = landscape.minimum_index("sharp")
        radius = np.sqrt(2 * levels[owners == sharp][0] / sharpness)
        assert 0.7 < radius / (2 / (np.sqrt(sharpness) + 1)) < 1.0
