"""Escape times as survival data: Kaplan-Meier by hand, censoring of runs that stop or never leave, the bands."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.intervals import wilson_interval
from experiments.survival import NO_EVENT, kaplan_meier, late_escape

CHECKS = np.arange(1, 11)


def test_without_censoring_s_is_the_share_not_yet_escaped():
    exits = np.array([1, 1, 2, 3, 3, 3, NO_EVENT, NO_EVENT, NO_EVENT, NO_EVENT])
    found = kaplan_meier(exits, np.full(10, NO_EVENT), CHECKS)
    np.testing.assert_allclose(found.survival[:4], [0.8, 0.7, 0.4, 0.4])
    assert found.median_escape_step() == 3 and found.share_out(2) == pytest.approx(0.3)
    assert found.at(0) == 1.0 and found.at(100) == pytest.approx(0.4)
    assert list(found.at_risk[:4]) == [10, 8, 7, 4]


def test_a_run_that_stops_leaves_the_risk_set_and_is_never_counted_as_escaped_or_staying():
    """Hand Kaplan-Meier: 5 runs; escapes at 2 and 4; one diverges at 3 (censored there); two never leave."""
    exits = np.array([2, 4, NO_EVENT, NO_EVENT, NO_EVENT])
    stops = np.array([NO_EVENT, NO_EVENT, 3, NO_EVENT, NO_EVENT])
    found = kaplan_meier(exits, stops, CHECKS)
    expected_after_2 = 1 - 1 / 5
    expected_after_4 = expected_after_2 * (1 - 1 / 3)  # at risk at 4: five minus the escaper and the stopped run
    assert found.at(2) == pytest.approx(expected_after_2) and found.at(3) == pytest.approx(expected_after_2)
    assert found.at(4) == pytest.approx(expected_after_4)
    assert found.at_risk[3] == 3


def test_greenwood_log_log_band_by_hand():
    exits = np.array([1] * 3 + [NO_EVENT] * 7)
    found = kaplan_meier(exits, np.full(10, NO_EVENT), CHECKS)
    s, variance = 0.7, 3 / (10 * 7)
    spread = 1.959963984540054 * math.sqrt(variance) / abs(math.log(s))
    assert found.low[0] == pytest.approx(s ** math.exp(spread))
    assert found.high[0] == pytest.approx(s ** math.exp(-spread))


def test_before_any_escape_the_band_is_the_wilson_interval_of_the_runs_at_risk():
    found = kaplan_meier(np.full(50, NO_EVENT), np.full(50, NO_EVENT), CHECKS)
    assert (found.survival == 1).all()
    low, _ = wilson_interval(50, 50)
    assert found.low[0] == pytest.approx(low) and found.high[0] == 1.0
    assert math.isnan(found.median_escape_step())


@given(st.lists(st.tuples(st.integers(-1, 10), st.integers(-1, 10)), min_size=1, max_size=60))
def test_s_falls_and_its_band_holds_it(pairs):
    exits = np.array([e if e != 0 else NO_EVENT for e, _ in pairs])
    stops = np.array([s if (s != 0 and (e == NO_EVENT or s < e)) else NO_EVENT for (e, s) in pairs])
    exits = np.where(stops != NO_EVENT, NO_EVENT, exits)  # a stopped run has not escaped before stopping
    found = kaplan_meier(exits, stops, CHECKS)
    assert np.all(np.diff(found.survival) <= 1e-15) and np.all((found.survival >= 0) & (found.survival <= 1))
    assert np.all(found.low <= found.survival + 1e-12) and np.all(found.survival <= found.high + 1e-12)


def test_late_escape_counts_only_runs_still_in_and_running_at_the_step():
    exits = np.array([1, 5, 8, NO_EVENT, NO_EVENT, NO_EVENT])
    stops = np.array([NO_EVENT, NO_EVENT, NO_EVENT, 6, NO_EVENT, 2])
    escaped, counted, rate, low, high = late_escape(exits, stops, after=3)
    assert (escaped, counted) == (2, 3)  # runs 1 and 2 escape later; run 4 counts as staying; 0, 3 and 5 do not count
    assert rate == pytest.approx(2 / 3) and (low, high) == wilson_interval(2, 3)


def test_once_every_run_has_left_the_band_closes_at_the_share_before_times_the_last_runs_bound():
    exits = np.array([1] * 30 + [2] * 9 + [5])  # 40 runs: the last one leaves at step 5
    found = kaplan_meier(exits, np.full(40, NO_EVENT), np.array([1, 2, 3, 5, 8, 13]))
    assert found.survival.tolist() == pytest.approx([0.25, 0.025, 0.025, 0.0, 0.0, 0.0])
    closed = min(found.high[2], found.survival[2] * wilson_interval(0, 1)[1])
    assert found.high[3] == closed and found.high[4] == closed and found.high[5] == closed
    assert (found.low[3:] == 0).all() and np.all(np.diff(found.high) <= 0)


def test_when_all_runs_leave_at_once_the_band_is_their_wilson_interval():
    found = kaplan_meier(np.full(50, 3), np.full(50, NO_EVENT), np.array([1, 3, 6]))
    assert found.survival.tolist() == [1.0, 0.0, 0.0]
    assert found.high[1] == found.high[2] == wilson_interval(0, 50)[1]
