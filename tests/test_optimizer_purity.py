"""A state once returned is never changed by a later step, although steps work in place on arrays they allocate.

The optimizers' speed comes from in-place arithmetic on fresh arrays and from sharing arrays that did not change
(an unreplaced critical buffer), so these tests keep every state of a run and check each against a deep copy taken
when it was returned, and that any kept state replays the same step.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from landscapes import build_landscape
from optimizers import OPTIMIZERS, build_optimizer

SPECS = [*OPTIMIZERS.names(), "adam_cm:priority=fifo,top_c=3", "adam_cm:priority=random,top_c=3,seed=4",
         "adam_cm:priority=momentum_norm", "adam_cm:aggregate=mean,second_moment=gradient", "adam_cm:top_c=1,decay=0",
         "adam_sam_cm:noise=0.3,seed=1", "adam_cg:top_c=2", "momentum:nesterov=true",
         "adam_cm:first_step=step,bias_correction=momentum,second_moment=direction",
         "adam_cm:second_moment=direction,aggregate=mean", "adam_cm:replacement=legacy_slot0,top_c=3",
         "adam_sam_cm:replacement=legacy_slot0,top_c=1,first_step=step,bias_correction=momentum"]


def arrays_of(state) -> list[np.ndarray]:
    """Every array inside a (nested) state, in order."""
    if isinstance(state, np.ndarray):
        return [state]
    if isinstance(state, tuple):
        return [a for part in state for a in arrays_of(part)]
    return []


def trajectory(spec: str, steps: int):
    """Points, states and deep copies of the states taken as each was returned."""
    landscape = build_landscape("ackley")
    optimizer = build_optimizer(spec + ("," if ":" in spec else ":") + "lr=0.3")
    x = np.random.default_rng(0).uniform(-3, 3, (7, 2))
    state = optimizer.init(x)
    points, states, snapshots = [x], [state], [copy.deepcopy(state)]
    for _ in range(steps):
        x, state = optimizer.step(state, x, landscape.grad)
        points.append(x)
        states.append(state)
        snapshots.append(copy.deepcopy(state))
    return optimizer, landscape, points, states, snapshots


@pytest.mark.parametrize("spec", SPECS)
def test_later_steps_never_change_a_returned_state_or_point(spec):
    _, _, points, states, snapshots = trajectory(spec, 12)
    for state, snapshot in zip(states, snapshots):
        for now, then in zip(arrays_of(state), arrays_of(snapshot), strict=True):
            np.testing.assert_array_equal(now, then)
    kept_points = [p.copy() for p in points]
    trajectory(spec, 0)  # a new run in the same process must not touch the old one either
    for point, kept in zip(points, kept_points):
        np.testing.assert_array_equal(point, kept)


@pytest.mark.parametrize("spec", SPECS)
def test_any_kept_state_replays_the_same_step(spec):
    optimizer, landscape, points, states, _ = trajectory(spec, 12)
    for k in (0, 3, 6, 11):
        x, state = optimizer.step(states[k], points[k], landscape.grad)
        np.testing.assert_array_equal(x, points[k + 1])
        for again, first in zip(arrays_of(state), arrays_of(states[k + 1]), strict=True):
            np.testing.assert_array_equal(again, first)


@pytest.mark.parametrize("spec", SPECS)
def test_a_step_writes_into_no_array_it_was_handed(spec):
    """Points, states and gradients handed to a step are made read-only: any in-place write would raise."""
    landscape = build_landscape("ackley")
    optimizer = build_optimizer(spec)

    def read_only_grad(y: np.ndarray) -> np.ndarray:
        g = landscape.grad(y)
        g.flags.writeable = False
        return g

    x = np.random.default_rng(1).uniform(-2, 2, (5, 2))
    state = optimizer.init(x)
    for _ in range(10):
        for array in [x, *arrays_of(state)]:
            array.flags.writeable = False
        x, state = optimizer.step(state, x, read_only_grad)
    assert np.all(np.isfinite(x))
