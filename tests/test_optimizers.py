"""Optimizers against hand-derived steps, the critical buffer's rules, and composition properties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.run import run
from landscapes import build_landscape
from optimizers import OPTIMIZERS, adam, adam_cg, adam_cm, adam_sam, build_optimizer, momentum, sam, sgd
from optimizers import critical_buffer as cb
from specs import SpecError

X0 = np.array([[1.0, -2.0]])


def bowl_grad(x):
    """Gradient of f = |x|²."""
    return 2.0 * x


def take_steps(optimizer, x0, n, grad=bowl_grad):
    state, x, points = optimizer.init(x0), x0, [x0]
    for _ in range(n):
        x, state = optimizer.step(state, x, grad)
        points.append(x)
    return points, state


# ---- hand-derived first two steps (f = |x|², x0 = (1, -2), so g = (2, -4) at x0) ----------------------------

def test_sgd_first_two_steps():
    points, _ = take_steps(sgd(lr=0.1), X0, 2)
    np.testing.assert_allclose(points[1], [[0.8, -1.6]], rtol=1e-15)
    np.testing.assert_allclose(points[2], [[0.64, -1.28]], rtol=1e-15)


def test_momentum_first_two_steps():
    points, _ = take_steps(momentum(lr=0.1, momentum=0.9), X0, 2)
    np.testing.assert_allclose(points[1], [[0.8, -1.6]], rtol=1e-15)  # buf = g on the first step
    # buf = 0.9 * (2, -4) + (1.6, -3.2) = (3.4, -6.8)
    np.testing.assert_allclose(points[2], [[0.8 - 0.34, -1.6 + 0.68]], rtol=1e-14)


def test_adam_first_two_steps():
    lr, eps = 0.1, 1e-8
    points, state = take_steps(adam(lr=lr), X0, 2)
    # t=1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g²: a step of lr * g / (|g| + eps)
    x1 = np.array([1 - lr * 2 / (2 + eps), -2 + lr * 4 / (4 + eps)])
    np.testing.assert_allclose(points[1][0], x1, rtol=1e-14)
    g1, g2 = np.array([2.0, -4.0]), 2 * x1
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    x2 = x1 - lr / (1 - 0.9**2) * m / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + eps)
    np.testing.assert_allclose(points[2][0], x2, rtol=1e-14)
    assert state.t == 2


def test_adam_cm_first_step_stays_and_second_is_long():
    lr, eps = 0.1, 1e-8
    points, state = take_steps(adam_cm(lr=lr), X0, 2)
    np.testing.assert_array_equal(points[1], X0)  # a = 0 and v = 0 on the first call
    g = np.array([2.0, -4.0])  # x has not moved, so the second gradient is the first
    m = 0.1 * g
    a = m + g  # the buffer holds the raw first gradient
    v = 0.001 * a**2
    x2 = X0[0] - lr / 0.19 * a / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + eps)
    np.testing.assert_allclose(points[2][0], x2, rtol=1e-14)
    assert np.linalg.norm(points[2] - X0) > 5 * lr  # "several times lr long"
    # buffer: the raw gradient, then the momentum, both offered with priority ||g||, each decayed after its step
    np.testing.assert_allclose(state.buffer.vectors[0, :2], [g, m])
    np.testing.assert_allclose(state.buffer.priorities[0, :2], [math.sqrt(20) * 0.7**2, math.sqrt(20) * 0.7])
    assert state.buffer.size == 2


def test_adam_cm_mean_aggregate_and_gradient_second_moment():
    lr, eps = 0.1, 1e-8
    points, _ = take_steps(adam_cm(lr=lr, aggregate="mean", second_moment="gradient"), X0, 2)
    g = np.array([2.0, -4.0])
    a = (0.1 * g + g) / 2  # mean of m and the one buffer entry
    v = 0.999 * 0.001 * g**2 + 0.001 * g**2  # v follows g², as in Adam (x did not move on step 1)
    x2 = X0[0] - lr / 0.19 * a / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + eps)
    np.testing.assert_allclose(points[2][0], x2, rtol=1e-14)


def test_adam_cg_first_two_steps():
    lr, eps = 0.1, 1e-8
    points, _ = take_steps(adam_cg(lr=lr), X0, 2)
    g1 = np.array([2.0, -4.0])
    x1 = X0[0] - lr * g1 / (np.abs(g1) + eps)  # h = g on the first step: a plain Adam step
    np.testing.assert_allclose(points[1][0], x1, rtol=1e-14)
    h2 = 2 * x1 + g1  # h = g + mean(buffer), the buffer holding the first gradient
    m = 0.9 * 0.1 * g1 + 0.1 * h2
    v = 0.999 * 0.001 * g1**2 + 0.001 * h2**2
    x2 = x1 - lr / 0.19 * m / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + eps)
    np.testing.assert_allclose(points[2][0], x2, rtol=1e-14)


def test_sam_takes_the_gradient_at_the_ascent_point():
    rho, lr = 0.5, 0.1
    points, _ = take_steps(sam(sgd(lr=lr), rho), X0, 1)
    g = np.array([2.0, -4.0])
    e = rho * g / (np.linalg.norm(g) + 1e-12)
    np.testing.assert_allclose(points[1][0], X0[0] - lr * 2 * (X0[0] + e), rtol=1e-14)


def test_rmsprop_first_two_steps():
    lr, eps = 0.01, 1e-8
    points, _ = take_steps(build_optimizer(f"rmsprop:lr={lr}"), X0, 2)
    g1 = np.array([2.0, -4.0])
    v1 = 0.01 * g1**2
    x1 = X0[0] - lr * g1 / (np.sqrt(v1) + eps)  # each coordinate moves lr / sqrt(1 - alpha) = 10 lr
    np.testing.assert_allclose(points[1][0], x1, rtol=1e-14)
    g2 = 2 * x1
    v2 = 0.99 * v1 + 0.01 * g2**2
    np.testing.assert_allclose(points[2][0], x1 - lr * g2 / (np.sqrt(v2) + eps), rtol=1e-14)


def test_rmsprop_centered_with_momentum_first_two_steps():
    lr, eps, alpha, mu = 0.01, 1e-8, 0.9, 0.5
    points, _ = take_steps(build_optimizer(f"rmsprop:lr={lr},alpha={alpha},momentum={mu},centered=true"), X0, 2)
    g1 = np.array([2.0, -4.0])
    v1, mean1 = 0.1 * g1**2, 0.1 * g1
    b1 = g1 / (np.sqrt(v1 - mean1**2) + eps)
    x1 = X0[0] - lr * b1
    np.testing.assert_allclose(points[1][0], x1, rtol=1e-14)
    g2 = 2 * x1
    v2, mean2 = alpha * v1 + 0.1 * g2**2, alpha * mean1 + 0.1 * g2
    np.testing.assert_allclose(points[2][0], x1 - lr * (mu * b1 + g2 / (np.sqrt(v2 - mean2**2) + eps)), rtol=1e-13)


def test_adagrad_divides_by_the_root_of_every_squared_gradient_so_far():
    lr, eps, decay = 0.1, 1e-10, 0.5
    points, _ = take_steps(build_optimizer(f"adagrad:lr={lr},lr_decay={decay},initial_accumulator_value=1"), X0, 2)
    g1 = np.array([2.0, -4.0])
    x1 = X0[0] - lr * g1 / (np.sqrt(1 + g1**2) + eps)
    np.testing.assert_allclose(points[1][0], x1, rtol=1e-14)
    g2 = 2 * x1
    x2 = x1 - lr / (1 + decay) * g2 / (np.sqrt(1 + g1**2 + g2**2) + eps)  # step 2's lr is lr / (1 + lr_decay)
    np.testing.assert_allclose(points[2][0], x2, rtol=1e-14)


def test_adamw_shrinks_x_before_adams_step_and_equals_adam_without_decay():
    lr, wd = 0.1, 0.5
    points, _ = take_steps(build_optimizer(f"adamw:lr={lr},weight_decay={wd}"), X0, 1)
    g = np.array([2.0, -4.0])
    np.testing.assert_allclose(points[1][0], X0[0] * (1 - lr * wd) - lr * g / (np.abs(g) + 1e-8), rtol=1e-14)
    starts = np.random.default_rng(3).uniform(-2, 2, (8, 2))
    np.testing.assert_array_equal(run("goldstein_price", "adamw:lr=0.01,weight_decay=0", starts, 50).positions,
                                  run("goldstein_price", "adam:lr=0.01", starts, 50).positions)


def test_nadam_first_step():
    lr, eps, psi = 0.002, 1e-8, 0.004
    points, _ = take_steps(build_optimizer("nadam"), X0, 1)
    g = np.array([2.0, -4.0])
    mu1, mu2 = (0.9 * (1 - 0.5 * 0.96 ** (t * psi)) for t in (1, 2))
    s = np.sqrt(0.001 * g**2 / 0.001) + eps  # v / (1 - b2) = g²
    x1 = X0[0] - lr * (1 - mu1) / (1 - mu1) * g / s - lr * mu2 / (1 - mu1 * mu2) * 0.1 * g / s
    np.testing.assert_allclose(points[1][0], x1, rtol=1e-14)


def lion_by_the_paper(theta: list[float], grad, steps: int, lr: float, b1: float, b2: float, wd: float) -> list:
    """Algorithm 2 of Chen et al. (2023), written out for one run in Python floats: interpolate, take the sign, decay
    the weights, then update the momentum."""
    m = [0.0] * len(theta)
    path = [list(theta)]
    for _ in range(steps):
        g = grad(theta)
        c = [b1 * m_i + (1 - b1) * g_i for m_i, g_i in zip(m, g)]
        theta = [t_i - lr * ((c_i > 0) - (c_i < 0) + wd * t_i) for t_i, c_i in zip(theta, c)]
        m = [b2 * m_i + (1 - b2) * g_i for m_i, g_i in zip(m, g)]
        path.append(theta)
    return path


@pytest.mark.parametrize("spec, settings", [("lion:lr=0.01", (0.01, 0.9, 0.99, 0.0)),
                                            ("lion:lr=0.02,b1=0.5,b2=0.9,weight_decay=0.3", (0.02, 0.5, 0.9, 0.3))])
def test_lion_takes_the_papers_steps(spec, settings):
    landscape = build_landscape("goldstein_price")
    starts = np.random.default_rng(4).uniform(-1.5, 1.5, (3, 2))
    ours = run(landscape, spec, starts, 200).positions
    for i, start in enumerate(starts):
        theirs = lion_by_the_paper(list(start), lambda t: landscape.grad(np.array([t]))[0].tolist(), 200, *settings)
        np.testing.assert_array_equal(ours[:, i], theirs)  # the same operations in the same order


def test_lion_moves_every_coordinate_by_exactly_lr_without_weight_decay():
    points, _ = take_steps(build_optimizer("lion:lr=0.25"), X0, 3)
    for before, after in itertools.pairwise(points):
        np.testing.assert_array_equal(np.abs(after - before), 0.25)


@pytest.mark.parametrize("base, with_sam", [("sgd", "sgd_sam"), ("momentum", "momentum_sam")])
def test_sam_around_the_baselines_is_the_wrapper_around_them(base, with_sam):
    rho = 0.3
    wrapped = take_steps(sam(build_optimizer(f"{base}:lr=0.05"), rho), X0, 3)[0]
    registered = take_steps(build_optimizer(f"{with_sam}:lr=0.05,rho={rho}"), X0, 3)[0]
    np.testing.assert_array_equal(wrapped, registered)
    assert build_optimizer(with_sam).grad_evals_per_step == 2


def test_sam_counts_two_gradient_evaluations():
    assert build_optimizer("adam_sam").grad_evals_per_step == 2
    assert build_optimizer("adam_sam_cm").grad_evals_per_step == 2
    assert build_optimizer("adam_cm").grad_evals_per_step == 1
    assert build_optimizer("adam_sam:noise=0.1").grad_evals_per_step == 2


# ---- the critical buffer -----------------------------------------------------------------------------------

def filled(priorities):
    buffer = cb.empty(1, 1, len(priorities))
    for i, p in enumerate(priorities):
        buffer = cb.offer(buffer, np.array([p]), np.array([[float(i)]]))
    return buffer


def test_buffer_appends_until_capacity():
    buffer = filled([3.0, 1.0])
    assert buffer.size == 2
    np.testing.assert_array_equal(buffer.priorities, [[3.0, 1.0]])
    np.testing.assert_array_equal(cb.mean(buffer), [[0.5]])


def test_buffer_replaces_smallest_only_when_strictly_larger():
    buffer = filled([3.0, 1.0, 2.0])
    same = cb.offer(buffer, np.array([1.0]), np.array([[9.0]]))
    np.testing.assert_array_equal(same.vectors, buffer.vectors)  # equal priority: no replacement
    larger = cb.offer(buffer, np.array([1.5]), np.array([[9.0]]))
    np.testing.assert_array_equal(larger.priorities, [[3.0, 1.5, 2.0]])
    np.testing.assert_array_equal(larger.vectors[0, :, 0], [0.0, 9.0, 2.0])
    assert larger.size == 3


def test_buffer_replaces_first_index_on_ties():
    buffer = filled([1.0, 5.0, 1.0])
    out = cb.offer(buffer, np.array([2.0]), np.array([[9.0]]))
    np.testing.assert_array_equal(out.vectors[0, :, 0], [9.0, 1.0, 2.0])


def test_buffer_decay_multiplies_every_priority():
    out = cb.decay(filled([3.0, 1.0]), 0.5)
    np.testing.assert_array_equal(out.priorities, [[1.5, 0.5]])


def test_buffer_offer_does_not_mutate_its_input():
    buffer = filled([1.0, 2.0])
    before = buffer.priorities.copy(), buffer.vectors.copy()
    cb.offer(buffer, np.array([5.0]), np.array([[7.0]]))
    np.testing.assert_array_equal(buffer.priorities, before[0])
    np.testing.assert_array_equal(buffer.vectors, before[1])


def test_buffer_fifo_replaces_the_oldest():
    buffer = cb.empty(1, 1, 2)
    for i in range(5):
        buffer = cb.offer(buffer, np.array([100.0 - i]), np.array([[float(i)]]), rule="fifo")
    np.testing.assert_array_equal(buffer.vectors[0, :, 0], [4.0, 3.0])


def test_buffer_random_rule_is_seeded_and_per_row():
    def fill(seed, rows):
        buffer = cb.empty(rows, 1, 3)
        for i in range(20):
            buffer = cb.offer(buffer, np.zeros(rows), np.full((rows, 1), float(i)), rule="random", seed=seed)
        return buffer.vectors

    np.testing.assert_array_equal(fill(1, 4), fill(1, 4))
    np.testing.assert_array_equal(fill(1, 4)[:1], fill(1, 1))
    assert not np.array_equal(fill(1, 4), fill(2, 4))


def test_cm_momentum_norm_priority_uses_the_momentum():
    _, state = take_steps(adam_cm(lr=0.1, priority="momentum_norm"), X0, 2)
    m = 0.1 * np.array([2.0, -4.0])
    assert state.buffer.priorities[0, 1] == pytest.approx(np.linalg.norm(m) * 0.7, rel=1e-14)


# ---- composition and batching ----------------------------------------------------------------------------

@pytest.mark.parametrize("base, with_sam", [("adam", "adam_sam"), ("adam_cm", "adam_sam_cm"), ("sgd", "sgd_sam"),
                                            ("momentum", "momentum_sam")])
def test_sam_with_zero_radius_equals_its_base(base, with_sam):
    starts = np.random.default_rng(0).uniform(-2, 2, (16, 2))
    plain = run("goldstein_price", f"{base}:lr=0.01", starts, 50)
    zero = run("goldstein_price", f"{with_sam}:lr=0.01,rho=0", starts, 50)
    np.testing.assert_array_equal(plain.positions, zero.positions)


@pytest.mark.parametrize("spec", [*(f"{name}:lr=0.002" for name in OPTIMIZERS.names()),
                                  "adam_cm:lr=0.02,priority=fifo,top_c=3"])
@pytest.mark.parametrize("landscape", ["ackley", "goldstein_price", "quadratic:dim=2,lambda_max=20"])
def test_batched_runs_equal_the_same_runs_one_by_one(spec, landscape):
    starts = np.random.default_rng(1).uniform(-1.5, 1.5, (6, 2))
    batch = run(landscape, spec, starts, 40)
    for i in range(len(starts)):
        alone = run(landscape, spec, starts[i:i + 1], 40)
        np.testing.assert_allclose(alone.positions[:, 0], batch.positions[:, i], rtol=0, atol=1e-12)


def test_noise_is_seeded_and_independent_of_the_batch():
    starts = np.random.default_rng(2).uniform(-1, 1, (5, 2))
    a = run("ackley", "adam:lr=0.01,noise=0.5,seed=3", starts, 20)
    b = run("ackley", "adam:lr=0.01,noise=0.5,seed=3", starts, 20)
    c = run("ackley", "adam:lr=0.01,noise=0.5,seed=4", starts, 20)
    first = run("ackley", "adam:lr=0.01,noise=0.5,seed=3", starts[:1], 20)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert not np.array_equal(a.positions, c.positions)
    np.testing.assert_array_equal(first.positions[:, 0], a.positions[:, 0])


def test_noise_has_the_requested_scale():
    sigma = 0.3
    opt = build_optimizer(f"sgd:lr=1,noise={sigma},seed=0")
    state = opt.init(np.zeros((20000, 2)))
    x, _ = opt.step(state, np.zeros((20000, 2)), np.zeros_like)
    draws = -x.ravel()  # x = 0 - 1 * (0 + noise)
    assert abs(draws.mean()) < 0.01
    assert abs(draws.std() - sigma) < 0.01


# ---- the registry ------------------------------------------------------------------------------------------

def test_every_registered_optimizer_builds_with_defaults_and_steps():
    for name in OPTIMIZERS.names():
        opt = build_optimizer(name)
        x, _ = opt.step(opt.init(X0), X0, bowl_grad)
        assert x.shape == X0.shape and np.all(np.isfinite(x))


def test_spec_values_reach_the_optimizer():
    points, _ = take_steps(build_optimizer("sgd:lr=0.25"), X0, 1)
    np.testing.assert_allclose(points[1], X0 * 0.5)


@pytest.mark.parametrize("spec, message", [
    ("adam:lr=-1", "lr must be a number in (0, 10000] (got -1)"),
    ("adam:lr=0", "lr must be a number in (0, 10000] (got 0)"),
    ("adam_cm:top_c=2.5", "top_c must be an integer in [1, 100] (got 2.5)"),
    ("adam_cm:priority=loudest", "priority must be one of grad_norm, momentum_norm, fifo, random (got loudest)"),
    ("adam:rho=0.1", "adam has no parameter 'rho'; its parameters are: lr, b1, b2, eps, noise, noise_shape, seed, "
                    "warmup, schedule, schedule_steps, schedule_gamma, lr_floor"),
    ("adma", f"unknown optimizer 'adma'; choose one of: {', '.join(OPTIMIZERS.names())}"),
    ("adam:lr=nan", "lr must be a number in (0, 10000] (got nan)"),
    ("adam:b1=1", "b1 must be a number in [0, 1) (got 1)"),
])
def test_out_of_range_values_raise_one_clear_sentence(spec, message):
    with pytest.raises(SpecError) as error:
        build_optimizer(spec)
    assert str(error.value) == message


def test_python_api_checks_values_too():
    with pytest.raises(SpecError, match="decay must be a number in"):
        adam_cm(decay=1.5)
    with pytest.raises(SpecError, match="rho must be"):
        adam_sam(rho=-0.1)


@given(st.floats(min_value=1e-6, max_value=1.0), st.integers(min_value=1, max_value=20),
       st.floats(min_value=0.0, max_value=1.0))
def test_canonical_spec_round_trips(lr, top_c, decay):
    spec = OPTIMIZERS.canonical(f"adam_cm:lr={lr!r},top_c={top_c},decay={decay!r}")
    assert OPTIMIZERS.resolve(spec) == OPTIMIZERS.resolve({"name": "adam_cm", "lr": lr, "top_c": top_c, "decay": decay})


# ---- the buffer rules of issue 14 -------------------------------------------------------------------------------

def test_buffer_legacy_slot0_appends_then_overwrites_entry_0_whatever_the_priorities():
    buffer = cb.empty(1, 1, 3)
    for i, p in enumerate([5.0, 9.0, 7.0, 0.0, 1.0]):
        buffer = cb.offer(buffer, np.array([p]), np.array([[float(i)]]), rule="legacy_slot0")
    np.testing.assert_array_equal(buffer.vectors[0, :, 0], [4.0, 1.0, 2.0])
    np.testing.assert_array_equal(buffer.priorities[0], [1.0, 9.0, 7.0])
    assert buffer.size == 3 and buffer.offers == 5


@given(st.integers(1, 5), st.lists(st.lists(st.floats(0, 10), min_size=2, max_size=2), max_size=20))
def test_buffer_fifo_is_a_true_fifo_whatever_the_priorities(capacity, priorities):
    buffer = cb.empty(2, 1, capacity)
    for i, p in enumerate(priorities):
        buffer = cb.offer(buffer, np.array(p), np.full((2, 1), float(i)), rule="fifo", then_decay=0.5)
    latest = list(range(max(0, len(priorities) - capacity), len(priorities)))  # offer i stored the value i
    for run_vectors in buffer.vectors[:, : buffer.size, 0]:
        assert sorted(run_vectors.tolist()) == latest


@pytest.mark.parametrize("spec", ["adam_cm:lr=0.02,first_step=step,bias_correction=momentum",
                                  "adam_cm:lr=0.02,second_moment=direction,aggregate=mean",
                                  "adam_cm:lr=0.02,replacement=legacy_slot0,top_c=2",
                                  "adam_sam_cm:lr=0.02,replacement=legacy_slot0,first_step=step"])
def test_knob_variants_batched_equal_the_same_runs_one_by_one(spec):
    starts = np.random.default_rng(1).uniform(-1.5, 1.5, (6, 2))
    batch = run("goldstein_price", spec, starts, 40)
    for i in range(len(starts)):
        alone = run("goldstein_price", spec, starts[i:i + 1], 40)
        np.testing.assert_allclose(alone.positions[:, 0], batch.positions[:, i], rtol=0, atol=1e-12)


def test_hessian_shaped_noise_has_the_hessians_covariance():
    """noise_shape=hessian adds sigma |H|^½ xi: at the minimum of a quadratic with Hessian A, covariance sigma² A; at
    the valley's saddle (H = [[0, -1], [-1, 0]], |H| = I) it is isotropic."""
    sigma, n = 0.3, 40000
    bowl = build_landscape("quadratic:dim=2,lambda_min=1,lambda_max=9,seed=4")
    opt = build_optimizer(f"sgd:lr=1,noise={sigma},noise_shape=hessian,seed=1")
    x0 = np.tile(bowl.global_minimum.location, (n, 1))
    x, _ = opt.step(opt.init(x0), x0, bowl.grad)
    covariance = np.cov((x0 - x).T)  # x = x0 - (0 + noise)
    np.testing.assert_allclose(covariance, sigma**2 * bowl.hessian(x0[:1])[0], atol=0.03 * sigma**2 * 9)
    saddle = build_landscape("valley")
    x, _ = opt.step(opt.init(np.zeros((n, 2))), np.zeros((n, 2)), saddle.grad)
    np.testing.assert_allclose(np.cov(x.T), sigma**2 * np.eye(2), atol=0.03 * sigma**2)


def test_hessian_shaped_noise_draws_what_isotropic_noise_draws():
    """Both shapes scale the same draw: on a unit bowl (H = I) the two are the same path to the differences' error."""
    bowl = build_landscape("quadratic:dim=3,lambda_min=1,lambda_max=1")
    starts = np.random.default_rng(3).uniform(-1, 1, (4, 3))
    iso = run(bowl, "adam_cm:lr=0.01,noise=0.5,seed=2", starts, 30)
    shaped = run(bowl, "adam_cm:lr=0.01,noise=0.5,noise_shape=hessian,seed=2", starts, 30)
    np.testing.assert_allclose(shaped.positions, iso.positions, atol=1e-7)


def test_hessian_shaped_noise_counts_its_gradient_calls():
    from experiments import work
    surface = build_landscape("quadratic:dim=3")
    shaped = build_optimizer("adam_sam:noise=0.1,noise_shape=hessian")
    assert shaped.extra_gradient_calls(3) == 2 * 3 * 2  # 2d differences at each of SAM's two evaluations
    assert work.gradient_calls(surface, shaped) == 14
    assert work.gradient_calls(surface, build_optimizer("adam_sam:noise=0.1")) == 2
