"""Escape times: when each run first left its basin, the survival curve built from them, and what the rows report."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments import theory, watch
from experiments.basins import assign_basins
from experiments.escape import escape_experiment, resolve_basin
from experiments.run import run
from experiments.survival import Survival
from experiments.sweep import sweep
from experiments.watch import NOT_YET, check_steps
from landscapes import build_landscape
from specs import SpecError

SHARP16 = "two_basin:sharpness=16"


def test_check_steps_climb_a_geometric_ladder_with_the_reported_steps_and_the_last():
    checks = check_steps(200)
    assert list(checks[:5]) == [1, 2, 3, 4, 5] and checks[-1] == 200
    assert {2, 10, 100} <= set(checks.tolist())
    assert np.all(np.diff(checks) > 0) and np.all(checks[1:] / checks[:-1] <= 2.0)
    assert len(checks) <= 25  # the bookkeeping stays a small part of a run
    assert list(check_steps(3)) == [1, 2, 3] and list(check_steps(1)) == [1]


def test_an_exit_step_is_the_first_checked_step_out_of_the_basin_on_the_full_trajectory():
    landscape = build_landscape(SHARP16)
    found = escape_experiment(landscape, "adam_cm:lr=0.05", runs=150, steps=60)
    path = run(landscape, "adam_cm:lr=0.05", found.starts, 60, record="all")
    checks = check_steps(60)
    basin = resolve_basin(landscape, "sharp")
    out = np.stack([assign_basins(landscape, path.positions[t]) != basin for t in checks])  # (K, N)
    expected = np.where(out.any(axis=0), checks[np.argmax(out, axis=0)], NOT_YET)
    assert np.array_equal(found.exit_steps, expected)
    assert 0 < np.count_nonzero(found.exit_steps == NOT_YET) < 150 or found.escaped == 150
    assert np.all(found.stop_steps == NOT_YET)


def test_gathering_one_point_at_a_time_finds_the_same_exit_steps(monkeypatch):
    together = escape_experiment(SHARP16, "adam_cm:lr=0.05", runs=200, steps=40).exit_steps
    monkeypatch.setattr(watch, "FLUSH_POINTS", 1)
    assert np.array_equal(escape_experiment(SHARP16, "adam_cm:lr=0.05", runs=200, steps=40).exit_steps, together)


@pytest.mark.parametrize("optimizer", ["adam_cm:lr=0.05", "adam:lr=0.05", "adam_sam:lr=0.05,rho=0.05"])
def test_the_share_out_after_one_step_is_the_engines_share_outside_the_basin_then(optimizer):
    found = escape_experiment(SHARP16, optimizer, runs=1000, steps=30)
    assert found.survival.share_out(1) == theory.measured_out_share(SHARP16, optimizer, steps=1)
    # a first passage: by step 2 at least as many have left as are outside at step 2
    assert found.survival.share_out(2) >= theory.measured_out_share(SHARP16, optimizer, steps=2)


def test_adam_cm_two_step_share_out_is_the_one_docs_theory_reports():
    found = escape_experiment(SHARP16, "adam_cm:lr=0.05", runs=1000, steps=10)
    assert found.survival.share_out(2) == pytest.approx(0.139, abs=5e-4)


def test_a_run_that_diverges_is_censored_where_it_stopped_and_never_counted_as_escaped():
    found = escape_experiment(SHARP16, "sgd:lr=4.5", runs=200, steps=60)
    stopped = found.stop_steps != NOT_YET
    assert stopped.all() and found.diverged == 200 and found.escaped == 0 and found.escape_rate == 0.0
    left = found.exit_steps != NOT_YET
    assert np.all(found.exit_steps[left] < found.stop_steps[left])  # it left before it blew up
    assert 0 < left.sum() < 200
    # the survival curve: a run leaves the risk set at its exit, or where it stopped if it stopped inside
    survival = found.survival
    leaves_at = np.where(left, found.exit_steps, found.stop_steps)
    assert np.array_equal(survival.at_risk, [(leaves_at >= t).sum() for t in survival.steps])
    assert survival.share_out(60) == pytest.approx(1 - np.prod([1 - (found.exit_steps == t).sum() / n
                                                                for t, n in zip(survival.steps, survival.at_risk)
                                                                if n]))


def test_runs_that_settle_at_their_minimum_have_converged_and_short_far_runs_have_not():
    settled = escape_experiment(SHARP16, "adam:lr=0.001", basin="flat", runs=100, steps=3000)
    assert settled.converged.all()
    short = escape_experiment(SHARP16, "adam:lr=0.001", basin="flat", runs=100, steps=5)
    assert short.converged.mean() < 0.05
    swinging = escape_experiment(SHARP16, "sgd:lr=4.5", runs=50, steps=60)
    assert not swinging.converged.any()  # diverged runs never converged


def test_the_restricted_mean_is_the_area_under_s_up_to_the_horizon():
    s = Survival(np.array([1, 2, 5]), np.array([0.5, 0.25, 0.0]), np.zeros(3), np.ones(3), np.array([4, 2, 1]))
    assert s.restricted_mean(10) == 1 * 1 + 0.5 * 1 + 0.25 * 3 + 0.0 * 5
    assert s.restricted_mean(2) == 1 + 0.5
    assert s.restricted_mean(1) == 1
    assert s.median_escape_step() == 1 and s.share_out(4) == 0.75 and s.share_out(0) == 0.0


def test_a_run_that_never_leaves_makes_the_restricted_mean_the_horizon():
    found = escape_experiment(SHARP16, "adam:lr=0.0001", runs=50, steps=40)
    assert found.survival.restricted_mean(40) == 40 and math.isnan(found.survival.median_escape_step())


def test_sweep_rows_carry_escape_times_and_leave_unreached_shares_empty():
    table = sweep("two_basin", ["adam_cm:lr=0.05"], "sharpness", [16], runs=100, steps=50)
    row = table.rows[0]
    assert math.isnan(row["out_by_100"]) and 0 < row["out_by_2"] <= row["out_by_10"] <= 1
    assert 1 <= row["median_escape_step"] <= 50 and 1 <= row["mean_escape_step"] <= 50
    found = escape_experiment(SHARP16, "adam_cm:lr=0.05", runs=100, steps=50, starts=None)
    assert row["out_by_2"] == found.survival.share_out(2)


def test_late_escapes_count_only_runs_still_in_at_the_step_and_need_the_escape_measure():
    table = sweep("two_basin", ["adam_cm:lr=0.05"], "sharpness", [16], runs=200, steps=60, after=10)
    row = table.rows[0]
    assert row["after"] == 10 and row["late_runs"] == pytest.approx(200 * (1 - row["out_by_10"]), abs=0.5)
    assert row["late_escaped"] <= row["late_runs"]
    with pytest.raises(SpecError, match="after"):
        sweep("goldstein_price", ["adam:lr=0.01"], "lr", [0.01], runs=10, steps=10, measure="final", after=5)


def test_an_escape_sweep_carries_every_rows_survival_curve():
    table = sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], "sharpness", [4, 16], runs=80, steps=30)
    curves = table.survival
    assert curves.columns[:7] == ("optimizer", "sharpness", "step", "in_basin", "in_basin_low", "in_basin_high",
                                  "at_risk")
    assert len(curves.rows) == len(table.rows) * len(check_steps(30))
    landscape = build_landscape(SHARP16)
    found = escape_experiment(landscape, "adam_cm:lr=0.05", runs=80, steps=30)
    mine = [r for r in curves.rows if r["optimizer"] == "adam_cm:lr=0.05" and r["sharpness"] == 16]
    assert [r["in_basin"] for r in mine] == found.survival.survival.tolist()
    assert [r["in_basin_low"] for r in mine] == found.survival.low.tolist()
    assert all(r["in_basin_low"] <= r["in_basin"] <= r["in_basin_high"] for r in curves.rows)
    assert sweep("goldstein_price", ["adam:lr=0.01"], "lr", [0.01], runs=10, steps=10, measure="final").survival is None


def test_the_matched_step_rows_run_memoryless_optimizers_at_the_references_early_step():
    table = sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05", "adam_sam_cm:lr=0.05"], "sharpness", [16],
                  runs=200, steps=40, match_step="adam_cm")
    matched = [r for r in table.rows if r["matched_to"]]
    assert [r["optimizer"] for r in matched] == ["adam at adam_cm's step"]  # only the optimizer without a buffer
    row = matched[0]
    reference = next(r for r in table.rows if r["optimizer"] == "adam_cm:lr=0.05")
    assert row["matched_to"] == "adam_cm:lr=0.05" and row["optimizer_spec"] == f"adam:lr={row['matched_lr']:g}"
    assert row["early_step_mean"] == pytest.approx(reference["early_step_mean"], rel=0.01)
    assert row["early_step_of_reference"] == pytest.approx(reference["early_step_mean"], rel=1e-12)
    assert 0.3 < row["matched_lr"] < 0.45  # docs/theory.md: 0.3688 at this sharpness
    assert all(math.isnan(r["matched_lr"]) and r["matched_to"] == "" for r in table.rows if r is not row)


@pytest.mark.parametrize(("arguments", "message"), [
    (dict(match_step="adam_cm", measure="final"), "needs the escape measure"),
    (dict(match_step="adam_sam"), "not among the optimizers"),
    (dict(match_step="adam_cm", optimizers=["adam_cm:lr=0.05", "adam_cm:lr=0.1"]), "given more than once"),
    (dict(match_step="adam_cm:lr=0.05", optimizers=["adam_cm:lr=0.05", "adam_sam_cm"]), "without a memory buffer"),
    (dict(predict=True, measure="final"), "needs the escape measure"),
])
def test_match_step_and_predict_are_refused_where_they_mean_nothing(arguments, message):
    given = dict(landscape="two_basin", optimizers=["adam:lr=0.05", "adam_cm:lr=0.05"], axis="lr", values=[0.05],
                 runs=10, steps=10) | arguments
    with pytest.raises(SpecError, match=message):
        sweep(**given)


def test_the_predicted_share_out_is_the_kick_laws_for_adam_cm_and_empty_for_adam():
    table = sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], "sharpness", [16], runs=50, steps=5,
                  predict=True)
    adam, cm = table.rows
    assert math.isnan(adam["predicted_out_by_2"])
    assert cm["predicted_out_by_2"] == theory.kicked_out_share(SHARP16, "adam_cm:lr=0.05", log2_points=12)
