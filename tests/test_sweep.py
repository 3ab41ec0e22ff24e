"""Sweeps: a tidy table per (optimizer, value), reproducible, with equalised gradient evaluations on request."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from experiments.escape import escape_experiment, resolve_basin, starts_in_basin
from experiments.sweep import SweepTable, sweep
from landscapes import build_landscape
from specs import SpecError

ESCAPE_COLUMNS = ("optimizer", "sharpness", "runs", "escaped", "diverged", "undefined", "escape_rate", "ci_low",
                  "ci_high", "flatter_fraction", "median_escape_step", "mean_escape_step", "out_by_2", "out_by_10",
                  "out_by_100", "converged_fraction", "global_fraction", "final_loss_mean", "final_loss_median",
                  "reached_minimum_sharpness_median", "end_point_sharpness_median", "distance_median",
                  "early_step_mean", "step_mean", "steps", "grad_evals", "landscape", "optimizer_spec", "kind")


def small(**overrides) -> SweepTable:
    arguments = dict(landscape="two_basin", optimizers=["adam:lr=0.05", "adam_cm:lr=0.05"], axis="sharpness",
                     values=[2, 16], runs=40, steps=60)
    arguments.update(overrides)
    return sweep(**arguments)


def test_an_escape_sweep_has_the_documented_columns_and_one_row_per_optimizer_and_value():
    table = small()
    assert table.columns == ESCAPE_COLUMNS
    assert [(r["optimizer"], r["sharpness"]) for r in table.rows] == [
        ("adam:lr=0.05", 2.0), ("adam_cm:lr=0.05", 2.0), ("adam:lr=0.05", 16.0), ("adam_cm:lr=0.05", 16.0)]
    assert all(set(row) == set(ESCAPE_COLUMNS) for row in table.rows)
    assert [r["landscape"] for r in table.rows] == ["two_basin:sharpness=2"] * 2 + ["two_basin:sharpness=16"] * 2


def test_a_final_sweep_summarises_where_runs_from_all_over_the_domain_end():
    table = sweep("goldstein_price", ["adam:lr=0.01"], "lr", [0.005, 0.01], runs=30, steps=50, measure="final")
    assert table.columns == ("optimizer", "lr", "runs", "diverged", "undefined", "converged_fraction",
                             "global_fraction", "final_loss_mean", "final_loss_median",
                             "reached_minimum_sharpness_median", "end_point_sharpness_median", "distance_median",
                             "early_step_mean", "step_mean", "steps", "grad_evals", "landscape", "optimizer_spec",
                             "kind")
    assert [r["optimizer"] for r in table.rows] == ["adam", "adam"]  # the swept lr lives in its own column
    assert [r["optimizer_spec"] for r in table.rows] == ["adam:lr=0.005", "adam:lr=0.01"]
    assert all(r["final_loss_median"] >= 3.0 - 1e-9 for r in table.rows)  # Goldstein-Price's global minimum is 3


def test_the_same_seed_gives_an_identical_table():
    assert small(seed=4).to_csv() == small(seed=4).to_csv()
    assert small(seed=4).to_csv() != small(seed=5).to_csv()


def test_rows_agree_with_the_escape_experiment_on_the_same_starts():
    table = small(values=[16])
    landscape = build_landscape("two_basin:sharpness=16")
    starts = starts_in_basin(landscape, resolve_basin(landscape, "sharp"), 40, 0)
    for row in table.rows:
        found = escape_experiment(landscape, row["optimizer_spec"], steps=60, starts=starts)
        assert (row["escaped"], row["diverged"], row["ci_high"]) == (found.escaped, found.diverged, found.ci_high)


def test_an_optimizer_without_the_swept_hyperparameter_is_a_repeated_reference_row():
    table = small(optimizers=["adam", "adam_sam"], axis="rho", values=[0.01, 0.2], landscape="two_basin:sharpness=8")
    adam = [r for r in table.rows if r["optimizer"] == "adam"]
    assert [r["rho"] for r in adam] == [0.01, 0.2]
    assert {k: v for k, v in adam[0].items() if k != "rho"} == {k: v for k, v in adam[1].items() if k != "rho"}
    assert [r["optimizer_spec"] for r in table.rows if r["optimizer"] == "adam_sam"] == [
        "adam_sam:rho=0.01", "adam_sam:rho=0.2"]


def test_equalised_gradient_evaluations_halve_sams_steps():
    table = small(optimizers=["adam", "adam_sam", "adam_sam_cm"], values=[8], steps=100, equalise_grad_evals=True)
    assert [(r["optimizer"], r["steps"], r["grad_evals"]) for r in table.rows] == [
        ("adam", 100, 100), ("adam_sam", 50, 100), ("adam_sam_cm", 50, 100)]
    plain = small(optimizers=["adam_sam"], values=[8], steps=100)
    assert plain.rows[0]["steps"] == 100 and plain.rows[0]["grad_evals"] == 200


def test_progress_rises_from_zero_to_one():
    seen: list[float] = []
    small(progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 5


def test_the_csv_reads_back_bit_for_bit():
    table = small()
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert tuple(rows[0]) == table.columns
    assert [float(r["ci_high"]) for r in rows] == [r["ci_high"] for r in table.rows]
    assert [float(r["final_loss_mean"]) for r in rows] == [r["final_loss_mean"] for r in table.rows]


def test_a_sweep_without_an_axis_is_one_row_per_optimizer():
    table = small(axis=None, values=None)
    assert table.columns[:2] == ("optimizer", "runs") and len(table.rows) == 2


@pytest.mark.parametrize("overrides, message", [
    (dict(axis="steepness"), "no optimizer given has a parameter 'steepness', and two_basin has only: sharpness"),
    (dict(values=[0.5]), r"sharpness must be a number in \[1, 10000\] \(got 0.5\)"),
    (dict(axis="priority", values=["loudest"]), "priority must be one of grad_norm"),
    (dict(values=[]), "give between 1 and 100 values for sharpness"),
    (dict(measure="height"), "measure must be one of escape, final"),
    (dict(optimizers=[]), "give between 1 and 32 optimizers"),
    (dict(basin="flat", landscape="goldstein_price", axis=None, values=None), "basin must be one of global"),
    (dict(runs=1000, steps=1000, max_work=10**6), "more than the limit of 1,000,000"),
])
def test_bad_requests_are_refused_with_one_sentence(overrides, message):
    with pytest.raises(SpecError, match=message):
        small(**overrides)


def test_rates_are_consistent_with_counts_in_every_row():
    for row in small().rows:
        assert row["escape_rate"] == row["escaped"] / row["runs"]
        assert row["ci_low"] <= row["escape_rate"] <= row["ci_high"]
        assert row["escaped"] + row["diverged"] <= row["runs"]
        assert np.isfinite(row["final_loss_mean"])
