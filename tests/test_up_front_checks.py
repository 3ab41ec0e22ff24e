"""Issue 18, section 5: what is checked before any work, and what a table may not claim. --after beyond the steps,
explore's arguments, the matched step that needs diverging runs or could be any of several, and the README's
thread-pool threshold."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np
import pytest

from cli import main
from experiments.escape import PARALLEL_MIN_RUN_STEPS, resolve_basin, starts_in_basin
from experiments.matched import _refuse_a_second_crossing, matched_step
from experiments.sweep import sweep
from export.player import explore
from landscapes import build_landscape
from specs import SpecError

ROOT = Path(__file__).resolve().parents[1]
# the modules themselves (their packages export functions of the same names)
EXPLORE, SWEEP = importlib.import_module("export.player.explore"), importlib.import_module("experiments.sweep")
TWO_BASIN = build_landscape("two_basin")
STARTS = np.array([[0.1, 0.2], [-0.3, 0.4]])


@pytest.mark.parametrize("after, steps, equalise", [(300, 200, False), (200, 200, False), (150, 200, True)])
def test_after_at_or_beyond_the_runs_steps_is_refused(after, steps, equalise):
    """--after 300 with 200 steps was accepted and reported 100 runs at risk (with SAM at equal gradient
    evaluations the runs take 100 steps)."""
    with pytest.raises(SpecError, match=f"after must be below the runs' {steps // (2 if equalise else 1)} steps"):
        sweep(TWO_BASIN, ["adam", "adam_sam"], runs=10, steps=steps, after=after, equalise_grad_evals=equalise)


def test_after_beyond_the_steps_is_refused_on_the_command_line(capsys, monkeypatch):
    monkeypatch.setattr(SWEEP, "_measure", lambda *a, **k: pytest.fail("the runs started"))
    assert main(["escape", "--after", "300", "--steps", "200", "--runs", "10"]) == 2
    assert "after must be below the runs' 200 steps, as escapes are counted after it (got 300)" in \
        capsys.readouterr().err


@pytest.mark.parametrize("keywords, message", [
    ({"follow": ("a", 0)}, "follow must be (optimizer index, run index), integers in [0, 1] and [0, 1]"),
    ({"follow": (0.9, 0)}, "(got (0.9, 0))"),
    ({"follow": (10**30, 0)}, "follow must be"),
    ({"follow": (0, 2)}, "follow must be"),
    ({"follow": (-1, 0)}, "follow must be"),
    ({"follow": [0]}, "follow must be"),
    ({"follow": 3}, "follow must be"),
    ({"follow": "01"}, "follow must be"),
    ({"follow": (0, None)}, "follow must be"),
    ({"seed": -1}, "seed must be an integer in [0, 4294967295] (got -1)"),
    ({"seed": 2**40}, "seed must be an integer in [0, 4294967295]"),
    ({"title": 123}, "title must be text of at most 200 characters (got int)"),
    ({"note": b"x"}, "note must be text"),
    ({"basins": "maybe"}, "basins must be true or false"),
    ({"optimizers": 5}, "optimizers must be a list of specs"),
    ({"landscape": "quadratic:dim=3"}, "the trajectory player needs a 2D landscape"),
])
def test_explores_arguments_are_checked_before_any_run(keywords, message, monkeypatch):
    """Bad follow= gave ValueError, OverflowError, IndexError or TypeError; (0.9, 0) was accepted; the seed was not
    range-checked; title=123 failed after every run."""
    monkeypatch.setattr(EXPLORE, "run", lambda *a, **k: pytest.fail("the runs started"))
    given = {"landscape": TWO_BASIN, "optimizers": ["adam:lr=0.05", "adam_cm:lr=0.05"], "starts": STARTS,
             "steps": 5, **keywords}
    if "seed" in keywords:
        given["starts"] = None
    with pytest.raises(SpecError) as error:
        explore(**given)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_follow_pair_of_integers_of_any_kind_is_taken():
    shown = explore(TWO_BASIN, ["adam:lr=0.05", "adam_cm:lr=0.05"], STARTS, 5, follow=(np.int64(0), 1))
    assert shown.payload["overlays"]["series"] == 0 and shown.payload["overlays"]["run"] == 1


# -- the matched step ----------------------------------------------------------------------------------------------

def test_a_match_whose_runs_would_diverge_is_refused():
    """SGD's mean step on Goldstein-Price grows with lr until its runs diverge in the window; a longer reference
    step was matched at the lr where they start to (the same lr whatever the reference), with the runs diverging."""
    surface = build_landscape("goldstein_price")
    starts = starts_in_basin(surface, resolve_basin(surface, "global"), 200, 0)
    with pytest.raises(SpecError, match=r"^no lr of sgd gives steps as long as adam_cm:lr=0\.2's \(.*\) with every "
                                        r"run intact: from lr .* on, runs diverge within 20 steps$"):
        matched_step(surface, "adam_cm:lr=0.2", "sgd", starts)


def test_a_mean_step_that_crosses_the_reference_twice_is_refused():
    tried = {0.01: (0.5, 0), 0.02: (1.5, 0), 0.04: (0.8, 0), 0.08: (2.0, 0)}  # up, down, up again
    with pytest.raises(SpecError, match=r"crosses adam_cm's \(1\) more than once as its lr grows \(near lr 0\.02 and "
                                        r"0\.04\), so no single lr matches it"):
        _refuse_a_second_crossing("sgd", "adam_cm", 1.0, tried)
    _refuse_a_second_crossing("sgd", "adam_cm", 1.0, {0.01: (0.5, 0), 0.02: (0.9, 0), 0.04: (1.2, 0)})
    _refuse_a_second_crossing("sgd", "adam_cm", 1.0, {0.01: (0.5, 0), 0.02: (0.9, 0), 0.04: (0.3, 5)})


def test_the_readme_states_the_thread_pools_threshold():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"thread pool once a request has (\d+) million run-steps", readme.replace("\n", " "))
    assert found and int(found.group(1)) * 1_000_000 == PARALLEL_MIN_RUN_STEPS
