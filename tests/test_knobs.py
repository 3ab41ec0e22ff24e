"""Adam+CM's mechanism knobs (issue 14): first_step, bias_correction, second_moment=direction and replacement.

Each knob is checked against steps derived by hand on f = |x|² from x0 = (1, -2) (g = 2x), written out below as
formulas; legacy_slot0 also against a plain-Python transcription of the authors' buffer before 2023-07-19.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizers import OPTIMIZERS, adam_cm, adam_sam_cm, build_optimizer
from optimizers import critical_buffer as cb
from specs import SpecError

X0 = np.array([1.0, -2.0])
LR, EPS = 0.1, 1e-8
KNOBS = {"first_step": ("hold", ("hold", "step")), "bias_correction": ("aggregate", ("aggregate", "momentum")),
         "second_moment": ("aggregate", ("aggregate", "gradient", "direction")),
         "replacement": ("priority", ("priority", "legacy_slot0"))}


def run_steps(spec: str, steps: int):
    """Points x0..x_steps (each (d,)) and the final state of one run on f = |x|²."""
    optimizer = build_optimizer(spec)
    x = X0[None].copy()
    state, points = optimizer.init(x), [X0]
    for _ in range(steps):
        x, state = optimizer.step(state, x, lambda y: 2.0 * y)
        points.append(x[0])
    return points, state


def adam_step(x, direction, v, t):
    """Adam's update with lr = 0.1, eps = 1e-8 and b = (0.9, 0.999), the direction not yet bias-corrected."""
    return x - LR / (1 - 0.9**t) * direction / (np.sqrt(v) / math.sqrt(1 - 0.999**t) + EPS)


def corrected_step(x, direction, v, t):
    """The same with the direction already corrected (the step divides by nothing more)."""
    return x - LR * direction / (np.sqrt(v) / math.sqrt(1 - 0.999**t) + EPS)


# ---- the defaults are the authors' arithmetic --------------------------------------------------------------------

def test_default_knobs_are_left_out_of_the_canonical_spec():
    explicit = "adam_cm:" + ",".join(f"{name}={default}" for name, (default, _) in KNOBS.items())
    assert OPTIMIZERS.canonical(explicit) == "adam_cm"


@pytest.mark.parametrize("name", ["adam_cm", "adam_sam_cm"])
def test_every_knob_is_in_the_schema_with_its_choices_and_help(name):
    entry = OPTIMIZERS.entry(name)
    for knob, (default, choices) in KNOBS.items():
        field = entry.field(knob)
        assert (field.kind, field.default, field.choices) == ("choice", default, choices)
        assert len(field.help) > 20


# ---- hand-derived first steps ----------------------------------------------------------------------------------

def test_first_step_step_moves_on_the_first_call_from_an_empty_buffer():
    points, state = run_steps("adam_cm:lr=0.1,first_step=step", 3)
    g1 = 2 * X0
    m1 = 0.1 * g1
    a1 = m1  # the empty buffer adds nothing
    v1 = 0.001 * a1**2
    x1 = adam_step(X0, a1, v1, 1)  # = x0 - 10 lr sign(g): v of the raw aggregate, the step corrected
    np.testing.assert_allclose(points[1], x1, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(x1, X0 - 10 * LR * np.sign(g1), rtol=0, atol=1e-6)
    g2 = 2 * x1
    m2 = 0.9 * m1 + 0.1 * g2
    a2 = m2 + m1  # the buffer holds m1
    v2 = 0.999 * v1 + 0.001 * a2**2
    x2 = adam_step(x1, a2, v2, 2)
    np.testing.assert_allclose(points[2], x2, rtol=1e-14, atol=1e-15)
    g3 = 2 * x2
    m3 = 0.9 * m2 + 0.1 * g3
    a3 = m3 + (m1 + m2) / 2
    v3 = 0.999 * v2 + 0.001 * a3**2
    np.testing.assert_allclose(points[3], adam_step(x2, a3, v3, 3), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(state.buffer.vectors[0, :3], [m1, m2, m3], rtol=1e-14, atol=1e-15)
    assert state.t == 3


def test_momentum_bias_correction_corrects_m_and_adds_the_stored_mean_as_it_is():
    points, _ = run_steps("adam_cm:lr=0.1,bias_correction=momentum", 3)
    g1 = 2 * X0
    np.testing.assert_array_equal(points[1], X0)  # still held
    m2 = 0.1 * g1  # x did not move: g2 = g1
    d2 = m2 / (1 - 0.9**2) + g1
    v2 = 0.001 * (m2 + g1) ** 2  # v of the raw aggregate
    x2 = corrected_step(X0, d2, v2, 2)
    np.testing.assert_allclose(points[2], x2, rtol=1e-14, atol=1e-15)
    g3 = 2 * x2
    m3 = 0.9 * m2 + 0.1 * g3
    stored_mean = (g1 + m2) / 2
    d3 = m3 / (1 - 0.9**3) + stored_mean
    v3 = 0.999 * v2 + 0.001 * (m3 + stored_mean) ** 2
    np.testing.assert_allclose(points[3], corrected_step(x2, d3, v3, 3), rtol=1e-14, atol=1e-15)


def test_direction_second_moment_averages_the_corrected_aggregate():
    points, _ = run_steps("adam_cm:lr=0.1,second_moment=direction", 3)
    g1 = 2 * X0
    m2 = 0.1 * g1
    d2 = (m2 + g1) / (1 - 0.9**2)
    v2 = 0.001 * d2**2
    x2 = corrected_step(X0, d2, v2, 2)
    np.testing.assert_allclose(points[2], x2, rtol=1e-14, atol=1e-15)
    # Only the held call's zero in v's mean is left of the kick: sqrt(1+b2) lr.
    np.testing.assert_allclose(x2, X0 - math.sqrt(1.999) * LR * np.sign(g1), rtol=0, atol=1e-6)
    m3 = 0.9 * m2 + 0.1 * 2 * x2
    d3 = (m3 + (g1 + m2) / 2) / (1 - 0.9**3)
    v3 = 0.999 * v2 + 0.001 * d3**2
    np.testing.assert_allclose(points[3], corrected_step(x2, d3, v3, 3), rtol=1e-14, atol=1e-15)


def test_momentum_correction_with_direction_second_moment_without_the_hold():
    points, _ = run_steps("adam_cm:lr=0.1,first_step=step,bias_correction=momentum,second_moment=direction", 3)
    g1 = 2 * X0
    m1 = 0.1 * g1
    d1 = m1 / (1 - 0.9)  # = g1
    v1 = 0.001 * d1**2
    x1 = corrected_step(X0, d1, v1, 1)
    np.testing.assert_allclose(points[1], x1, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(x1, X0 - LR * np.sign(g1), rtol=0, atol=1e-6)  # Adam's first step
    m2 = 0.9 * m1 + 0.1 * 2 * x1
    d2 = m2 / (1 - 0.9**2) + m1
    v2 = 0.999 * v1 + 0.001 * d2**2
    x2 = corrected_step(x1, d2, v2, 2)
    np.testing.assert_allclose(points[2], x2, rtol=1e-14, atol=1e-15)
    m3 = 0.9 * m2 + 0.1 * 2 * x2
    d3 = m3 / (1 - 0.9**3) + (m1 + m2) / 2
    v3 = 0.999 * v2 + 0.001 * d3**2
    np.testing.assert_allclose(points[3], corrected_step(x2, d3, v3, 3), rtol=1e-14, atol=1e-15)


def test_mean_aggregate_with_momentum_correction_divides_by_the_count():
    points, _ = run_steps("adam_cm:lr=0.1,first_step=step,bias_correction=momentum,aggregate=mean", 2)
    g1 = 2 * X0
    m1 = 0.1 * g1
    v1 = 0.001 * m1**2  # the raw aggregate of an empty buffer is m
    x1 = corrected_step(X0, m1 / 0.1, v1, 1)
    np.testing.assert_allclose(points[1], x1, rtol=1e-14, atol=1e-15)
    m2 = 0.9 * m1 + 0.1 * 2 * x1
    d2 = (m2 / (1 - 0.9**2) + m1) / 2
    v2 = 0.999 * v1 + 0.001 * ((m2 + m1) / 2) ** 2
    np.testing.assert_allclose(points[2], corrected_step(x1, d2, v2, 2), rtol=1e-14, atol=1e-15)


def test_legacy_slot0_overwrites_entry_0_where_the_priority_rule_keeps_it():
    """C = 1: after the kick the gradient is smaller than the decayed priority of m2, so the priority rule keeps m2
    where legacy_slot0 stores m3; the fourth step shows it."""
    legacy, _ = run_steps("adam_cm:lr=0.1,top_c=1,replacement=legacy_slot0", 4)
    kept, _ = run_steps("adam_cm:lr=0.1,top_c=1", 4)
    g1 = 2 * X0
    m2 = 0.1 * g1
    a2 = m2 + g1
    v2 = 0.001 * a2**2
    x2 = adam_step(X0, a2, v2, 2)
    g3 = 2 * x2
    assert np.linalg.norm(g3) < 0.7 * np.linalg.norm(g1)  # below m2's decayed priority
    m3 = 0.9 * m2 + 0.1 * g3
    a3 = m3 + m2  # both buffers hold m2 at call 3
    v3 = 0.999 * v2 + 0.001 * a3**2
    x3 = adam_step(x2, a3, v3, 3)
    for points in (legacy, kept):
        np.testing.assert_allclose(points[2], x2, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(points[3], x3, rtol=1e-14, atol=1e-15)
    m4 = 0.9 * m3 + 0.1 * 2 * x3
    for points, stored in ((legacy, m3), (kept, m2)):
        a4 = m4 + stored
        v4 = 0.999 * v3 + 0.001 * a4**2
        np.testing.assert_allclose(points[4], adam_step(x3, a4, v4, 4), rtol=1e-14, atol=1e-15)
    _, legacy_state = run_steps("adam_cm:lr=0.1,top_c=1,replacement=legacy_slot0", 3)
    _, kept_state = run_steps("adam_cm:lr=0.1,top_c=1", 3)
    np.testing.assert_allclose(legacy_state.buffer.vectors[0, 0], m3, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(kept_state.buffer.vectors[0, 0], m2, rtol=1e-14, atol=1e-15)


# ---- legacy_slot0 against the authors' buffer, transcribed -----------------------------------------------------

class AuthorsLegacyBuffer:
    """TensorList as Adam_CM used it before 2023-07-19 (critical_test=True): `np.random.uniform() >= True` never
    held, so every offer to a full list went to addItem, which writes at `smallest`, still 0 (only pokeSmallest
    moves it). Plain Python: lists of floats."""

    def __init__(self, capacity: int, decay_rate: float):
        self.k, self.decay_rate = capacity, decay_rate
        self.keys: list[float] = []
        self.values: list[list[float]] = []
        self.smallest = 0

    def offer(self, key: float, value: list[float]) -> None:
        if len(self.keys) == self.k:  # isFull: addItem overwrites index `smallest`
            self.keys[self.smallest] = key
            self.values[self.smallest] = list(value)
        else:
            self.keys.append(key)
            self.values.append(list(value))

    def decay(self) -> None:
        self.keys = [key * self.decay_rate for key in self.keys]


@given(capacity=st.integers(1, 6), decay=st.sampled_from([0.0, 0.5, 0.7, 1.0]),
       offers=st.lists(st.tuples(st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5]), min_size=3, max_size=3),
                                 st.lists(st.floats(-10, 10), min_size=6, max_size=6)), max_size=25))
def test_legacy_slot0_matches_the_authors_buffer_transcribed(capacity, decay, offers):
    """Three runs per draw, priorities from a few values so ties are common; C = 1 included."""
    buffer = cb.empty(3, 2, capacity)
    theirs = [AuthorsLegacyBuffer(capacity, decay) for _ in range(3)]
    for keys, flat in offers:
        vectors = np.array(flat).reshape(3, 2)
        buffer = cb.offer(buffer, np.array(keys), vectors, rule="legacy_slot0", then_decay=decay)
        for run, authors in enumerate(theirs):
            authors.offer(keys[run], vectors[run].tolist())
            authors.decay()
    assert buffer.size == len(theirs[0].keys)
    for run, authors in enumerate(theirs):
        assert buffer.priorities[run, : buffer.size].tolist() == authors.keys
        assert buffer.vectors[run, : buffer.size].tolist() == authors.values


def authors_legacy_adam_cm(x0: list[float], steps: int, lr: float, capacity: int) -> list[list[float]]:
    """Adam_CM's step before 2023-07-19 (one parameter tensor, its defaults), in plain Python on f = |x|², including
    its running sum of the stored momenta (aggr_sum: the replaced entry subtracted, the new one added)."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    x = list(x0)
    m, v = [0.0] * len(x), [0.0] * len(x)
    buffer = AuthorsLegacyBuffer(capacity, 0.7)
    aggr_sum = [0.0] * len(x)
    points = [list(x)]
    for step in range(1, steps + 1):
        g = [2.0 * xi for xi in x]
        norm = math.sqrt(sum(gi * gi for gi in g))
        if step == 1:
            a = list(m)  # exp_avg, still zero
            buffer.offer(norm, g)
            aggr_sum = [s + gi for s, gi in zip(aggr_sum, g)]
        else:
            m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
            a = [mi + s / len(buffer.keys) for mi, s in zip(m, aggr_sum)]
            if len(buffer.keys) == buffer.k:
                aggr_sum = [s - old for s, old in zip(aggr_sum, buffer.values[buffer.smallest])]
            buffer.offer(norm, m)
            aggr_sum = [s + mi for s, mi in zip(aggr_sum, m)]
        v = [b2 * vi + (1 - b2) * ai * ai for vi, ai in zip(v, a)]
        denominator = [math.sqrt(vi) / math.sqrt(1 - b2**step) + eps for vi in v]
        buffer.decay()
        x = [xi - lr / (1 - b1**step) * ai / di for xi, ai, di in zip(x, a, denominator)]
        points.append(list(x))
    return points


@pytest.mark.parametrize("capacity", [1, 2, 3])
def test_legacy_slot0_trajectory_matches_the_authors_step_transcribed(capacity):
    points, _ = run_steps(f"adam_cm:lr=0.1,top_c={capacity},replacement=legacy_slot0", 40)
    theirs = authors_legacy_adam_cm(X0.tolist(), 40, 0.1, capacity)
    # Their running sum and our fresh sum of the stored momenta round differently: agreement to rounding.
    np.testing.assert_allclose(np.array(points), np.array(theirs), rtol=0, atol=1e-12)
    default, _ = run_steps(f"adam_cm:lr=0.1,top_c={capacity}", 40)
    assert not np.allclose(np.array(points), np.array(default), rtol=0, atol=1e-6)  # the rule matters here


# ---- validation ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("priority", ["fifo", "random"])
@pytest.mark.parametrize("name", ["adam_cm", "adam_sam_cm"])
def test_legacy_slot0_refuses_a_second_replacement_rule_in_one_sentence(name, priority):
    message = (f"replacement=legacy_slot0 overwrites entry 0 whatever the priorities, so priority must be grad_norm "
               f"or momentum_norm (got {priority})")
    with pytest.raises(SpecError) as error:
        build_optimizer(f"{name}:replacement=legacy_slot0,priority={priority}")
    assert str(error.value) == message
    builder = adam_cm if name == "adam_cm" else adam_sam_cm
    with pytest.raises(SpecError, match=r"^replacement=legacy_slot0 overwrites"):
        builder(replacement="legacy_slot0", priority=priority)


@pytest.mark.parametrize("priority", ["grad_norm", "momentum_norm"])
def test_legacy_slot0_ignores_the_priority_keys(priority):
    """The keys are stored (and decay) but never read: the trajectory is the same for either key."""
    points, _ = run_steps(f"adam_cm:lr=0.1,top_c=2,replacement=legacy_slot0,priority={priority}", 30)
    reference, _ = run_steps("adam_cm:lr=0.1,top_c=2,replacement=legacy_slot0", 30)
    np.testing.assert_array_equal(np.array(points), np.array(reference))


@pytest.mark.parametrize("knob, word", [("first_step", "jump"), ("bias_correction", "none"),
                                        ("second_moment", "step"), ("replacement", "slot0")])
def test_an_unknown_knob_value_names_the_choices(knob, word):
    choices = ", ".join(KNOBS[knob][1])
    with pytest.raises(SpecError) as error:
        build_optimizer(f"adam_sam_cm:{knob}={word}")
    assert str(error.value) == f"{knob} must be one of {choices} (got {word})"
