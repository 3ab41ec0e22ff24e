"""The valley of minima (landscapes/valley.py): its closed forms against its samples, its data, what a step draws,
and the gradient flow's invariant that fixes where gradient descent ends."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.run import advance, as_optimizer, run
from landscapes import build_landscape
from landscapes.valley import valley_data, valley_sharpness
from specs import SpecError

POINTS = np.random.default_rng(0).uniform(-2.5, 2.5, (40, 2))


@pytest.mark.parametrize("spec", ["valley", "valley:samples=16,seed=3", "valley:samples=5,residual=2,seed=1"])
def test_closed_forms_match_autograd_of_the_samples(spec):
    surface = build_landscape(spec)
    np.testing.assert_allclose(surface.f(POINTS), surface.value(POINTS), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(surface.grad(POINTS), surface.autograd_grad(POINTS), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(surface.hessian(POINTS), surface.autograd_hessian(POINTS), rtol=1e-9, atol=1e-9)


def test_the_data_version_is_the_same_valley_lifted_by_its_residual():
    x, y = valley_data(64, 0.5, 7)
    assert np.mean(x**2) == pytest.approx(1.0)
    assert np.mean(x * y) == pytest.approx(1.0)
    assert np.sqrt(np.mean((y - x) ** 2)) == pytest.approx(0.5)
    surface = build_landscape("valley:samples=64,seed=7")
    p = POINTS[:, 0] * POINTS[:, 1]
    np.testing.assert_allclose(surface.f(POINTS), 0.5 * (p - 1.0) ** 2 + 0.5 * 0.25, rtol=1e-12)


def test_minima_are_the_hyperbola_with_sharpness_a2_plus_b2():
    surface = build_landscape("valley")
    a = np.array([0.3, 1.0, 2.0, -0.5])
    on = np.stack([a, 1.0 / a], axis=1)
    np.testing.assert_allclose(surface.grad(on), 0.0, atol=1e-15)
    top = np.linalg.eigvalsh(surface.hessian(on))
    np.testing.assert_allclose(top[:, -1], valley_sharpness(on), rtol=1e-12)
    np.testing.assert_allclose(top[:, 0], 0.0, atol=1e-12)
    assert [m.label for m in surface.minima] == ["positive", "negative"]
    np.testing.assert_array_equal(surface.certified_basins(np.array([[2.0, -1.0], [-2.0, 0.5], [1.0, -1.0]])),
                                  [0, 1, -1])


def test_gradient_descent_keeps_the_flows_invariant_and_ends_where_it_predicts():
    """Small-lr gradient descent follows the flow, which keeps D = a² − b²: it ends at sharpness sqrt(D² + 4)."""
    start = np.array([[2.0, 0.2]])
    result = run("valley", "sgd:lr=0.002", start, 20000)
    end = result.final[0]
    assert end[0] * end[1] == pytest.approx(1.0, abs=1e-6)
    D = start[0, 0] ** 2 - start[0, 1] ** 2
    assert valley_sharpness(end) == pytest.approx(np.sqrt(D**2 + 4), rel=5e-3)


def test_a_minibatch_gradient_is_unbiased_and_seeded_per_run():
    surface = build_landscape("valley:samples=8,batch=2,label_noise=0.5,seed=2")
    assert surface.draws_per_step == 4
    x = np.tile([[1.5, 0.4]], (40000, 1))
    uniforms = np.random.default_rng(5).uniform(size=(40000, 4))
    drawn = surface.sampled_grad(x, uniforms)
    standard_error = drawn.std(axis=0) / np.sqrt(len(x))
    assert np.all(np.abs(drawn.mean(axis=0) - surface.grad(x[:1])[0]) < 4 * standard_error)
    starts = np.array([[1.5, 0.4], [-1.0, -2.0], [0.3, 2.0]])
    batch = run(surface, "sgd:lr=0.05", starts, 50)
    alone = advance(surface, as_optimizer("sgd:lr=0.05"), starts[1:2], 50, np.arange(51), run_ids=np.array([1]))
    np.testing.assert_array_equal(alone.positions[:, 0], batch.positions[:, 1])
    full = run("valley:samples=8,seed=2", "sgd:lr=0.05", starts, 50)
    assert not np.array_equal(full.final, batch.final)


def test_sam_sees_one_minibatch_per_step():
    """Both of SAM's gradient calls at one step see the same samples: at rho 0 SAM is its base bit for bit."""
    spec = "valley:samples=8,batch=2,seed=2"
    starts = np.array([[1.5, 0.4], [-1.0, -2.0]])
    np.testing.assert_array_equal(run(spec, "adam_sam:lr=0.01,rho=0", starts, 30).positions,
                                  run(spec, "adam:lr=0.01", starts, 30).positions)


@pytest.mark.parametrize("spec, message", [
    ("valley:samples=0", "samples must be an integer in [1, 1024] (got 0)"),
    ("valley:label_noise=-1", "label_noise must be a number in [0, 10] (got -1)"),
])
def test_bad_valley_specs_raise_one_sentence(spec, message):
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        build_landscape(spec)
