"""Reference parity: every case of every case file matches PyTorch / the authors' code to 1e-8 at every step.

The directory is tests/reference/ unless CMX_REFERENCE_DIR names another; each case is its own test id.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from experiments.run import run
from landscapes import Quadratic, build_landscape

TOLERANCE = 1e-8
REFERENCE_DIR = Path(os.environ.get("CMX_REFERENCE_DIR", Path(__file__).parent / "reference"))
# The reference files' hyperparameter names, as our schema spells them.
RENAMED = {"topC": "top_c"}


def load_cases(directory: Path) -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(directory.glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            cases.append((f"{path.stem}:{case['name']}", case))
    return cases


CASES = load_cases(REFERENCE_DIR) if REFERENCE_DIR.is_dir() else []


def optimizer_spec(case: dict) -> str:
    params = {}
    for key, value in case["hyperparameters"].items():
        if key == "betas":
            params["b1"], params["b2"] = value
        else:
            params[RENAMED.get(key, key)] = value
    return case["optimizer"] + ":" + ",".join(f"{k}={v!r}" for k, v in params.items())


def landscape_of(case: dict):
    if case["landscape"] == "quadratic" and "A" in case["landscape_params"]:
        return Quadratic(A=np.array(case["landscape_params"]["A"]), c=np.array(case["landscape_params"]["c"]))
    return build_landscape(case["landscape"] + "".join(
        (":" if i == 0 else ",") + f"{k}={v}" for i, (k, v) in enumerate(case["landscape_params"].items())))


def test_reference_directory_has_cases():
    assert CASES, f"no reference cases found in {REFERENCE_DIR}"


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_trajectory_and_losses_match_reference(case):
    result = run(landscape_of(case), optimizer_spec(case), np.array([case["start"]]), case["steps"])
    expected = np.array(case["trajectory"])
    assert result.positions.shape == (case["steps"] + 1, 1, len(case["start"]))
    np.testing.assert_allclose(result.positions[:, 0], expected, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(result.losses[: case["steps"], 0], case["loss"], rtol=0, atol=TOLERANCE)


def test_loader_fails_on_a_directory_without_cases(tmp_path):
    (tmp_path / "empty.json").write_text(json.dumps({"cases": []}))
    assert load_cases(tmp_path) == []
