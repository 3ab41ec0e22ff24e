"""Warm-up and lr schedules (optimizers/schedule.py): the first steps by hand, off changes no bit, and every
registered optimizer under a schedule steps exactly as it would at that step's lr."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.run import run
from experiments.theory import constant_gradient_steps
from landscapes import build_landscape
from optimizers import OPTIMIZERS, build_optimizer
from optimizers.schedule import SCHEDULE_FIELDS, lr_factor

X0 = np.array([[1.0, -2.0], [-0.5, 0.25]])
LR = 0.1
# Adam+CM's first steps under a constant gradient g, in units of lr (b1 0.9, b2 0.999, eps 0): call 1 stores g and
# does not move; call 2 has m = 0.1 g, a = m + g = 1.1 g, v = 0.001 a²; call 3 has m = 0.19 g, a = m + mean(g, 0.1 g)
# = 0.74 g, v = 0.999 v + 0.001 a².
K_2 = 1.1 / (1 - 0.9**2) / math.sqrt(0.001 * 1.1**2 / (1 - 0.999**2))
K_3 = 0.74 / (1 - 0.9**3) / math.sqrt((0.999 * 0.001 * 1.1**2 + 0.001 * 0.74**2) / (1 - 0.999**3))


def constant_gradient(x: np.ndarray) -> np.ndarray:
    return np.tile([3.0, -0.5], (x.shape[0], 1))


def step_lengths(spec: str, steps: int) -> np.ndarray:
    """(steps, N, d) |x_t - x_(t-1)| / lr under a constant gradient."""
    optimizer = build_optimizer(spec)
    state, x, lengths = optimizer.init(X0), X0, []
    for _ in range(steps):
        x_new, state = optimizer.step(state, x, constant_gradient)
        lengths.append(np.abs(x_new - x) / LR)
        x = x_new
    return np.array(lengths)


@pytest.mark.parametrize("spec, expected", [
    ("adam:warmup=4", [1 / 4, 2 / 4, 3 / 4]),  # Adam steps lr per coordinate: warm-up scales it
    ("adam_cm:warmup=4", [0.0, K_2 * 2 / 4, K_3 * 3 / 4]),  # the kick law's 0, 7.4414, 3.5669, scaled
    ("adam:schedule=cosine,schedule_steps=4", [1.0, (1 + math.cos(math.pi / 4)) / 2, 0.5]),
    ("adam:schedule=cosine,schedule_steps=4,lr_floor=0.2", [1.0, 0.2 + 0.8 * (1 + math.cos(math.pi / 4)) / 2, 0.6]),
    ("adam:schedule=step,schedule_steps=2,schedule_gamma=0.5", [1.0, 1.0, 0.5]),
    ("adam:warmup=2,schedule=step,schedule_steps=1,schedule_gamma=0.5", [0.5, 1.0, 1.0]),  # its clock starts at 2
])
def test_the_first_three_steps_by_hand(spec, expected):
    lengths = step_lengths(f"{spec},lr={LR},eps=1e-300", 3)
    np.testing.assert_allclose(lengths, np.broadcast_to(np.array(expected)[:, None, None], lengths.shape), rtol=1e-13)


def test_the_kick_law_scales_with_the_schedule():
    for spec in ("adam_cm:warmup=10", "adam_cm:schedule=cosine,schedule_steps=30", "adam_cm:warmup=3,schedule=step"):
        plain = constant_gradient_steps("adam_cm", 40)
        np.testing.assert_allclose(constant_gradient_steps(spec, 40),
                                   plain * lr_factor(np.arange(40), **_schedule_of(spec)), rtol=1e-15)
        measured = step_lengths(f"{spec},lr={LR},eps=1e-300", 40)
        np.testing.assert_allclose(measured[:, 0, 0], constant_gradient_steps(spec, 40), rtol=1e-12, atol=1e-15)


def _schedule_of(spec: str) -> dict:
    params = OPTIMIZERS.resolve(spec)[1]
    return {field.name: params[field.name] for field in SCHEDULE_FIELDS}


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_a_schedule_that_is_off_changes_no_bit(name):
    landscape = build_landscape("two_basin")
    starts = np.random.default_rng(0).uniform(-1.5, 1.5, (6, 2))
    plain = run(landscape, f"{name}:lr=0.01,noise=0.5", starts, 60).positions
    for off in ("warmup=0,schedule_steps=7,schedule_gamma=0.5,lr_floor=0.3", "warmup=1"):
        assert np.array_equal(run(landscape, f"{name}:lr=0.01,noise=0.5,{off}", starts, 60).positions, plain)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_under_a_schedule_steps_as_at_that_steps_lr(name):
    """What makes the wrapper exact for every optimizer: its step is lr times what its state gives, and its state
    does not depend on lr. Replayed from the wrapper's own states, the base at lr·f_t lands on the same point and
    the same state."""
    schedule = "warmup=3,schedule=cosine,schedule_steps=5,lr_floor=0.25"
    scheduled = build_optimizer(f"{name}:lr={LR},noise=0.3,{schedule}")
    x = np.random.default_rng(1).normal(size=(4, 2))
    state = scheduled.init(x)
    for t in range(10):
        base = build_optimizer(f"{name}:lr={LR * lr_factor(t, **_schedule_of(scheduled.spec))},noise=0.3")
        expected, expected_state, _ = base.update(state.inner, x, lambda y: 2.0 * y)
        x, state, aux = scheduled.update(state, x, lambda y: 2.0 * y)
        np.testing.assert_allclose(x, expected, rtol=1e-14, atol=1e-15)
        for ours, theirs in zip(_arrays(state.inner), _arrays(expected_state)):
            np.testing.assert_array_equal(ours, theirs)
        assert aux["lr_factor"] == lr_factor(t, **_schedule_of(scheduled.spec))


def _arrays(state) -> list[np.ndarray]:
    """Every array (and number) a state holds, in order."""
    if isinstance(state, (tuple, list)):
        return [a for part in state for a in _arrays(part)]
    return [np.asarray(state)]


def test_a_schedule_declares_what_it_adds():
    plain, scheduled = build_optimizer("adam_cm"), build_optimizer("adam_cm:warmup=5")
    assert scheduled.extra_work(2) > plain.extra_work(2)
    assert scheduled.memory(2) > plain.memory(2)
    assert scheduled.spec == "adam_cm:warmup=5" and scheduled.buffer_capacity == plain.buffer_capacity
