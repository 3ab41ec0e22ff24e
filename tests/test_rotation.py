"""The rotation knob of two_basin, random_basins and quadratic: 0 is today's surface bit for bit, a quarter turn is a
coordinate swap about the sharp minimum, and the minima, Hessians and basins turn with the surface."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.basins import assign_basins
from experiments.escape import escape_experiment
from experiments.theory import kicked_out_share
from landscapes import LANDSCAPES, build_landscape
from landscapes.quadratics import SHARP_CENTRE, plane_rotation, random_rotation, spectrum_matrix
from specs import SpecError

POINTS = np.random.default_rng(0).uniform(-1.5, 1.5, (400, 2))


def unturned(spec: str) -> str:
    """The spec without its rotation."""
    return LANDSCAPES.replace(spec, rotation=None)


def test_rotation_zero_is_todays_surface_bit_for_bit():
    turned = build_landscape("two_basin:sharpness=16,rotation=0")
    assert turned.spec == "two_basin:sharpness=16"
    assert np.array_equal(turned.centres, [[-1.0, 0.0], [1.0, 0.0]])
    assert np.array_equal(turned.hessians, [16 * np.eye(2), np.eye(2)])
    assert np.array_equal(turned.domain.low, [-2.5, -2.0]) and np.array_equal(turned.domain.high, [2.5, 2.0])
    rng = np.random.default_rng(0)
    A = spectrum_matrix(np.geomspace(1.0, 10.0, 3), random_rotation(3, rng))
    assert np.array_equal(build_landscape("quadratic:dim=3,rotation=0").A, (A + A.T) / 2)
    assert np.array_equal(build_landscape("random_basins:rotation=0").centres, build_landscape("random_basins").centres)


def test_a_quarter_turn_swaps_the_coordinates_about_the_sharp_minimum():
    plain, turned = build_landscape("two_basin:sharpness=8"), build_landscape("two_basin:sharpness=8,rotation=90")
    offsets = POINTS  # (u, v) from the sharp minimum; two_basin is symmetric in y, so R^T (u, v) = (v, -u) ~ (v, u)
    at_turned, at_plain = SHARP_CENTRE + offsets, SHARP_CENTRE + offsets[:, ::-1]
    np.testing.assert_allclose(turned.f(at_turned), plain.f(at_plain), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(turned.grad(at_turned), plain.grad(at_plain)[:, ::-1], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(turned.hessian(at_turned), plain.hessian(at_plain)[:, ::-1, ::-1], rtol=1e-12,
                               atol=1e-12)
    for label in ("sharp", "flat"):
        mine, theirs = (s.minima[s.minimum_index(label)] for s in (turned, plain))
        np.testing.assert_allclose(mine.location - SHARP_CENTRE, (theirs.location - SHARP_CENTRE)[::-1], atol=1e-12)
        np.testing.assert_allclose(mine.eigenvalues, theirs.eigenvalues, rtol=1e-12)
    np.testing.assert_array_equal(turned.domain.low, [-3.0, -1.5])
    np.testing.assert_array_equal(turned.domain.high, [1.0, 3.5])
    sharp = turned.minimum_index("sharp")
    assert np.array_equal(assign_basins(turned, at_turned) == sharp,
                          assign_basins(plain, at_plain) == plain.minimum_index("sharp"))


@pytest.mark.parametrize("spec", ["two_basin:sharpness=4,rotation=30", "random_basins:rotation=-70",
                                  "quadratic:dim=4,rotation=25"])
def test_minima_and_hessians_turn_with_the_surface(spec):
    """Each listed minimum is the unturned one turned about the sharpest, with the same eigenvalues, and the
    Hessian there is R H Rᵀ."""
    degrees = float(spec.rpartition("=")[2])
    turned, plain = build_landscape(spec), build_landscape(unturned(spec))
    rotation = plane_rotation(turned.dim, degrees)
    pivot = plain.minima[int(np.argmax([m.sharpness for m in plain.minima]))].location
    order = lambda m: (round(m.sharpness, 6), m.value)  # two_basin's minima tie in value at depth 0
    for mine, theirs in zip(sorted(turned.minima, key=order), sorted(plain.minima, key=order)):
        np.testing.assert_allclose(mine.location, pivot + rotation @ (theirs.location - pivot), atol=1e-9)
        np.testing.assert_allclose(mine.eigenvalues, theirs.eigenvalues, rtol=1e-9)
        np.testing.assert_allclose(turned.hessian(mine.location[None])[0],
                                   rotation @ plain.hessian(theirs.location[None])[0] @ rotation.T, atol=1e-9)


def test_a_turned_surface_takes_the_same_values_at_turned_points():
    plain, turned = build_landscape("random_basins:seed=3"), build_landscape("random_basins:seed=3,rotation=40")
    pivot = turned.centres[np.argmax(np.linalg.eigvalsh(turned.hessians)[:, -1])]
    rotation = plane_rotation(2, 40)
    np.testing.assert_allclose(turned.f(pivot + (POINTS - pivot) @ rotation.T), plain.f(POINTS), rtol=1e-12)


def test_rotation_needs_a_plane():
    with pytest.raises(SpecError, match="rotation needs at least two dimensions"):
        build_landscape("quadratic:dim=1,rotation=10")


def test_the_kick_reaches_further_along_a_diagonal():
    """Adam+CM's kick moves every coordinate K_2 lr: turned by 45 degrees, the flat basin lies along the diagonal
    it takes, and near the kick's threshold the kick law's predicted share out after two steps triples; SGD, which
    does not act per coordinate, escapes the same at every angle (its starts are the same draws)."""
    shares = [kicked_out_share(f"two_basin:sharpness=8,rotation={deg}", "adam_cm:lr=0.06") for deg in (0, 45)]
    assert shares[1] > 2.5 * shares[0] > 0
    rates = [escape_experiment(f"two_basin:sharpness=64,rotation={deg}", "sgd:lr=0.033", runs=300,
                               steps=100).escape_rate for deg in (0, 30)]
    assert rates[0] == rates[1]
