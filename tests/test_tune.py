"""Tuned comparisons (experiments/tune.py, `cmx tune`): Optuna's seeded TPE finds each optimizer's own values, the
same twice, and a sweep can run every optimizer at them."""

from __future__ import annotations

import csv

import pytest

from cli import main
from experiments.sweep import sweep
from experiments.tune import search_ranges, tune
from optimizers import build_optimizer
from specs import SpecError

SMALL = dict(trials=8, runs=40, steps=60)


def test_tuning_is_seeded_the_same_call_finds_the_same_values():
    first, second = (tune("goldstein_price", ["adam", "adam_cm"], "final_loss", **SMALL) for _ in range(2))
    assert [(t.values, t.objective, t.trials) for t in first] == [(t.values, t.objective, t.trials) for t in second]
    other = tune("goldstein_price", ["adam"], "final_loss", seed=1, **SMALL)
    assert [t.values for t in other[0].trials] != [t.values for t in first[0].trials]


def test_the_best_trial_is_kept_and_the_optimizer_runs_at_its_values():
    [found] = tune("two_basin:sharpness=16", "adam_cm", "escape_rate", knobs=["lr", "top_c"], **SMALL)
    assert found.objective == max(trial.objective for trial in found.trials)
    best = next(trial for trial in found.trials if trial.objective == found.objective)  # the first of equal ones
    assert found.values == best.values and set(found.values) == {"lr", "top_c"}
    assert found.optimizer.spec == build_optimizer({"name": "adam_cm", **found.values}).spec
    assert all(1e-4 <= trial.values["lr"] <= 1 and 1 <= trial.values["top_c"] <= 21 for trial in found.trials)


def test_final_loss_is_minimised_and_a_diverging_run_counts_as_the_worst_start():
    [found] = tune("goldstein_price", "sgd", "final_loss", ranges={"lr": (1e-5, 1e-2)}, **SMALL)
    assert found.objective == min(trial.objective for trial in found.trials)
    assert max(trial.objective for trial in found.trials) < 1e6  # diverged runs counted finitely, never inf


@pytest.mark.parametrize("arguments, message", [
    (dict(knobs=["priority"]), "tune searches numeric knobs; priority is a choice"),
    (dict(knobs=[]), "name at least one knob"),
    (dict(ranges={"lr": (0.5, 0.1)}), "must have low < high"),
    (dict(ranges={"lr": (0, 0.1)}), "lr must be a number in"),
    (dict(objective="loss"), "objective must be one of final_loss, escape_rate"),
    (dict(trials=0), "trials must be an integer"),
])
def test_a_tuning_that_means_nothing_is_refused_in_one_sentence(arguments, message):
    with pytest.raises(SpecError, match=message):
        tune("two_basin", ["adam_cm"], **{**SMALL, **arguments})


def test_each_knob_is_searched_over_a_range_its_field_allows():
    ranges = search_ranges(build_optimizer("adam_cm"), ["lr", "b1", "decay", "top_c"], None)
    assert ranges == {"lr": ("float", 1e-4, 1.0, True), "b1": ("float", 0.0, 0.999, False),
                      "decay": ("float", 0.0, 1.0, False), "top_c": ("int", 1.0, 21.0, False)}


def test_a_sweep_runs_every_optimizer_at_its_tuned_values():
    found = tune("two_basin:sharpness=16", ["adam", "adam_cm"], "final_loss", **SMALL)
    table = sweep("two_basin:sharpness=16", ["adam", "adam_cm"], runs=30, steps=20,
                  tune={"objective": "final_loss", **SMALL})
    assert [row["optimizer_spec"] for row in table.rows] == [t.optimizer.spec for t in found]


def test_cmx_tune_prints_the_values_found_and_writes_every_trial(tmp_path, capsys):
    out = tmp_path / "trials.csv"
    assert main(["tune", "--landscape", "goldstein_price", "--optimizers", "adam,adam_cm", "--trials", "5",
                 "--runs", "30", "--steps", "40", "--range", "lr=0.001:0.3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split() == ["optimizer", "objective", "value", "tuned_lr", "trials"]
    rows = list(csv.DictReader(out.open()))
    assert [row["optimizer"] for row in rows] == ["adam"] * 5 + ["adam_cm"] * 5
    assert all(0.001 <= float(row["lr"]) <= 0.3 for row in rows)
    assert main(["tune", "--range", "lr=0.1"]) == 2
