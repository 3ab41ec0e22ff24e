"""The matched-step control: the lr at which Adam's early steps are as long as Adam+CM's, from the same starts."""

from __future__ import annotations

import pytest

from experiments.escape import resolve_basin, starts_in_basin
from experiments.matched import early_step_mean, matched_step
from landscapes import build_landscape
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
