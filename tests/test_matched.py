"""The matched-step control: the lr at which Adam's early steps are as long as Adam+CM's, from the same starts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.escape import resolve_basin, starts_in_basin
from experiments.matched import early_step_mean, matched_step
from experiments.run import run
from landscapes import build_landscape
from optimizers import build_optimizer
from specs import SpecError

LANDSCAPE = build_landscape("two_basin:sharpness=16")
STARTS = starts_in_basin(LANDSCAPE, resolve_basin(LANDSCAPE, "sharp"), 200, 0)


@pytest.mark.parametrize("target", ["adam", "adam_sam", "momentum", "sgd"])
def test_the_matched_lr_gives_the_reference_mean_early_step(target):
    found = matched_step(LANDSCAPE, "adam_cm:lr=0.05", target, STARTS)
    assert found.optimizer.params["lr"] == found.lr and found.optimizer.name == target
    assert found.matched_step == pytest.approx(found.reference_step, rel=2e-3)  # lr kept to 4 digits
    assert early_step_mean(LANDSCAPE, found.optimizer, STARTS, 20) == found.matched_step


def test_adams_matched_lr_is_several_times_adam_cms():
    found = matched_step(LANDSCAPE, "adam_cm:lr=0.05", "adam:lr=0.05", STARTS)
    assert 3 < found.lr / 0.05 < 10  # the kick: Adam+CM's early steps are several lr long (docs/theory.md)


def test_matching_an_optimizer_with_itself_gives_its_own_lr():
    found = matched_step(LANDSCAPE, "adam:lr=0.05", "adam:lr=0.2", STARTS)
    assert found.lr == pytest.approx(0.05, rel=1e-3)


def test_a_reference_no_lr_can_match_is_refused_in_one_sentence():
    """A reference whose runs diverge at once has steps no finite lr of the target matches."""
    with pytest.raises(SpecError, match="no lr of sgd gives steps as long as adam_cm:lr=5000"):
        matched_step(LANDSCAPE, "adam_cm:lr=5000", "sgd", STARTS[:5], window=2)


# ---- controls over windows and run by run (issue 21) -------------------------------------------------------------

def test_a_row_per_match_window_each_matched_over_its_own_window():
    from experiments.sweep import sweep

    table = sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], "sharpness", [16], runs=100, steps=30,
                  match_step="adam_cm", match_window=[2, 20])
    matched = [r for r in table.rows if r["matched_to"]]
    assert [(r["optimizer"], r["match_window"], r["match_mode"]) for r in matched] == [
        ("adam at adam_cm's step over 2 steps", 2, "lr"), ("adam at adam_cm's step", 20, "lr")]
    landscape = build_landscape("two_basin:sharpness=16")
    starts = starts_in_basin(landscape, resolve_basin(landscape, "sharp"), 100, 0)
    for row in matched:
        mine = early_step_mean(landscape, build_optimizer(row["optimizer_spec"]), starts, row["match_window"])
        theirs = early_step_mean(landscape, build_optimizer("adam_cm:lr=0.05"), starts, row["match_window"])
        assert mine == pytest.approx(theirs, rel=0.01) and row["early_step_of_reference"] == pytest.approx(theirs)


def test_with_the_references_step_lengths_every_run_takes_every_step_as_long_as_its_reference_run():
    from experiments.matched import reference_step_lengths, with_step_lengths

    landscape = build_landscape("two_basin:sharpness=16")
    starts = starts_in_basin(landscape, resolve_basin(landscape, "sharp"), 40, 1)
    lengths = reference_step_lengths(landscape, build_optimizer("adam_cm:lr=0.05"), starts, 50)
    controlled = with_step_lengths(build_optimizer("adam:lr=0.05"), lengths)
    result = run(landscape, controlled, starts, 50)
    taken = np.linalg.norm(np.diff(result.positions, axis=0), axis=2)
    np.testing.assert_allclose(taken, lengths, rtol=1e-12, atol=1e-15)
    assert np.all(taken[0] == 0)  # Adam+CM's held first step: the controlled run waits too
    adam = build_optimizer("adam:lr=0.05")  # with its own lengths, Adam's direction is Adam
    own = run(landscape, with_step_lengths(adam, reference_step_lengths(landscape, adam, starts, 50)), starts, 50)
    np.testing.assert_allclose(own.positions, run(landscape, adam, starts, 50).positions, rtol=0, atol=1e-13)


def test_the_lengths_control_runs_in_chunks_as_in_one_batch():
    from experiments.sweep import sweep

    arguments = dict(landscape="two_basin", optimizers=["adam:lr=0.05", "adam_cm:lr=0.05"], axis="sharpness",
                     values=[16], runs=60, steps=40, match_step="adam_cm", match_mode="lengths")
    table = sweep(**arguments)
    row = next(r for r in table.rows if r["match_mode"] == "lengths")
    assert row["optimizer"] == "adam with adam_cm's step lengths" and row["optimizer_spec"] == "adam:lr=0.05"
    assert row["match_window"] == 40 and math.isnan(row["matched_lr"])
    assert row["early_step_mean"] == pytest.approx(next(r for r in table.rows if r["optimizer"] == "adam_cm:lr=0.05")
                                                   ["early_step_mean"], rel=1e-9)


@pytest.mark.parametrize("arguments, message", [
    (dict(match_window=[2]), "give match_step too"),
    (dict(match_step="adam_cm", match_mode="lengths", match_window=[2, 20]), "takes no match_window"),
    (dict(match_step="adam_cm", match_window=[0]), "match_window must be an integer"),
    (dict(match_step="adam_cm", match_mode="steps"), "match_mode must be one of lr, lengths"),
])
def test_match_windows_and_modes_are_refused_where_they_mean_nothing(arguments, message):
    from experiments.sweep import sweep

    with pytest.raises(SpecError, match=message):
        sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], "sharpness", [16], runs=10, steps=10, **arguments)
