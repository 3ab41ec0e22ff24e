"""The runner: recording modes, divergence flags, gradient-evaluation counts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from experiments.run import FAR_WIDTHS, recorded_step_indices, run
from specs import SpecError

STARTS = np.array([[-1.0, 0.0], [0.5, 0.5], [1.2, -1.1]])


def test_all_steps_are_recorded_by_default():
    result = run("goldstein_price", "adam:lr=0.01", STARTS, 30)
    assert result.positions.shape == (31, 3, 2)
    assert result.losses.shape == (31, 3)
    np.testing.assert_array_equal(result.recorded_steps, np.arange(31))
    np.testing.assert_array_equal(result.starts, STARTS)


def test_final_only_keeps_start_and_end_and_agrees_with_all():
    full = run("ackley", "adam_cm:lr=0.05", STARTS, 57)
    final = run("ackley", "adam_cm:lr=0.05", STARTS, 57, record="final")
    assert final.positions.shape == (2, 3, 2)
    np.testing.assert_array_equal(final.final, full.final)
    np.testing.assert_array_equal(final.final_losses, full.final_losses)


def test_every_kth_step_includes_the_last():
    np.testing.assert_array_equal(recorded_step_indices(10, 4), [0, 4, 8, 10])
    result = run("ackley", "adam", STARTS, 10, record=4)
    np.testing.assert_array_equal(result.recorded_steps, [0, 4, 8, 10])


def test_losses_are_the_landscape_values_at_the_points():
    from landscapes import build_landscape
    result = run("himmelblau", "adam:lr=0.1", STARTS, 20)
    expected = build_landscape("himmelblau").f(result.positions.reshape(-1, 2)).reshape(21, 3)
    np.testing.assert_array_equal(result.losses, expected)


def test_gradient_evaluations_count_sam_twice():
    assert run("ackley", "adam", STARTS, 12).grad_evals.tolist() == [12, 12, 12]
    assert run("ackley", "adam_sam", STARTS, 12).grad_evals.tolist() == [24, 24, 24]


def test_diverging_runs_are_flagged_and_frozen_not_clipped():
    result = run("goldstein_price", "sgd:lr=1", STARTS, 50)
    assert result.diverged.all()
    for i, step in enumerate(result.stopped_at):
        frozen = result.positions[step:, i]
        assert np.array_equal(frozen, np.broadcast_to(frozen[0], frozen.shape), equal_nan=True)
        point = frozen[0]
        outside = not np.all(np.isfinite(point)) or np.any(np.abs(point) > FAR_WIDTHS * 4)
        assert outside  # where it diverged, not pulled back to the domain
        assert np.all(np.abs(result.positions[step - 1, i]) <= FAR_WIDTHS * 4)
    assert np.all(result.grad_evals == result.stopped_at)


def test_divergence_of_one_run_leaves_the_others_alone():
    starts = np.array([[0.0, -1.0], [1.9, 1.9]])
    mixed = run("goldstein_price", "sgd:lr=0.001", starts, 30)
    assert mixed.diverged.tolist() == [False, True]
    alone = run("goldstein_price", "sgd:lr=0.001", starts[:1], 30)
    np.testing.assert_array_equal(mixed.positions[:, 0], alone.positions[:, 0])


def test_runner_emits_no_numpy_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("goldstein_price", "adam:lr=1000", STARTS, 100)
    assert not caught, [str(w.message) for w in caught]
    assert result.diverged.any()


def test_zero_steps_returns_the_starts():
    result = run("ackley", "adam", STARTS, 0)
    assert result.positions.shape == (1, 3, 2)
    np.testing.assert_array_equal(result.final, STARTS)


@pytest.mark.parametrize("starts, message", [
    (np.zeros((2, 3)), r"starts must be an \(N, 2\) array with N >= 1 \(got shape \(2, 3\)\)"),
    (np.zeros((0, 2)), r"starts must be an \(N, 2\) array with N >= 1"),
    (np.array([[np.nan, 0.0]]), "starts must be finite numbers"),
    ("abc", r"starts must be numbers in an \(N, 2\) array"),
])
def test_bad_starts_are_refused(starts, message):
    with pytest.raises(SpecError, match=message):
        run("ackley", "adam", starts, 3)


def test_bad_step_count_is_refused():
    with pytest.raises(SpecError, match=r"steps must be an integer in \[0, 10000000\] \(got -1\)"):
        run("ackley", "adam", STARTS, -1)


def test_work_above_the_cap_is_refused_with_what_to_lower():
    starts = np.zeros((3000, 2))
    with pytest.raises(SpecError, match=r"^this request would take about 1,200,000 run-steps of work \(runs x steps = "
                                        r"3,000 x 200 x 2 gradient evaluations: 1,200,000\), more than the limit of "
                                        r"1,000; lower runs, steps"):
        run("ackley", "adam_sam", starts, 200, max_work=1000)
    assert run("ackley", "adam", starts, 200, record="final", max_work=600_000).n_runs == 3000


def test_a_step_of_a_few_runs_counts_its_fixed_part_against_the_cap():
    with pytest.raises(SpecError, match=r"3 x 10,000, each step counting its fixed part, 2,400: 24,000,000\)"):
        run("ackley", "adam", STARTS, 10_000, max_work=23_999_999)
    assert run("ackley", "adam", STARTS, 10_000, record="final", max_work=24_000_000).n_runs == 3


def test_a_custom_formula_counts_ten_times_against_the_cap():
    starts = np.zeros((2000, 2))
    with pytest.raises(SpecError, match=r"2,000 x 100 x 10 \(this landscape's gradient cost\): 2,000,000"):
        run("custom:formula=x**2+y**2", "adam", starts, 100, max_work=1_999_999)
    with pytest.raises(SpecError, match=r"each step counting its fixed part, 12,000: 1,200,000"):  # autograd's calls
        run("custom:formula=x**2+y**2", "adam", STARTS, 100, max_work=1_199_999)


def test_the_loop_stops_once_every_run_has_diverged():
    result = run("goldstein_price", "sgd:lr=1", STARTS, 1_000_000, record=100_000, max_work=None)  # counted whole
    assert result.diverged.all() and result.stopped_at.max() < 10
    after = result.positions[1:]  # recorded at steps 100,000, 200,000, ...: all after every divergence
    np.testing.assert_array_equal(after, np.broadcast_to(result.positions[-1], after.shape))


@pytest.mark.parametrize("landscape, optimizer, message", [
    (None, "adam", "landscape must be a spec such as 'ackley' or a Landscape (got NoneType)"),
    ("ackley", 3.5, "optimizer must be a spec such as 'adam:lr=0.01' or an Optimizer (got float)"),
])
def test_things_that_are_neither_specs_nor_objects_are_refused(landscape, optimizer, message):
    with pytest.raises(SpecError) as error:
        run(landscape, optimizer, STARTS, 3)
    assert str(error.value) == message


def test_specs_may_be_mappings():
    result = run({"name": "two_basin", "sharpness": 4}, {"name": "adam", "lr": 0.01}, STARTS, 3)
    assert (result.landscape, result.optimizer) == ("two_basin:sharpness=4", "adam:lr=0.01")
