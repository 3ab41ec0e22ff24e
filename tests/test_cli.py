"""The cmx command line: output parses and matches the Python API; bad input is one line on stderr, exit 2."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from cli import glue_number_lists, main
from experiments.run import run
from tests.cli_support import refused


def cmx(*args: str) -> subprocess.CompletedProcess:
    """Run the installed console command in a child process, as a user would."""
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=120)


def test_run_json_matches_the_python_api():
    out = cmx("run", "--landscape", "goldstein_price", "--optimizer", "adam_cm:lr=0.01", "--start", "-1,0",
              "--start", "0.5,0.5", "--steps", "25")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    expected = run("goldstein_price", "adam_cm:lr=0.01", np.array([[-1.0, 0.0], [0.5, 0.5]]), 25)
    assert data["landscape"] == "goldstein_price" and data["optimizer"] == "adam_cm:lr=0.01"
    for i, record in enumerate(data["runs"]):
        np.testing.assert_array_equal(np.array(record["positions"]), expected.positions[:, i])
        np.testing.assert_array_equal(np.array(record["losses"]), expected.losses[:, i])
        assert record["stopped_at"] is None and record["grad_evals"] == 25


def test_run_csv_matches_the_python_api(tmp_path):
    target = tmp_path / "out.csv"
    code = main(["run", "--landscape", "ackley", "--optimizer", "adam_sam:lr=0.05", "--start", "1.5,-2",
                 "--steps", "10", "--every", "5", "--format", "csv", "--out", str(target)])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    expected = run("ackley", "adam_sam:lr=0.05", np.array([[1.5, -2.0]]), 10, record=5)
    assert [int(r["step"]) for r in rows] == [0, 5, 10]
    np.testing.assert_array_equal([[float(r["x0"]), float(r["x1"])] for r in rows], expected.positions[:, 0])
    np.testing.assert_array_equal([float(r["loss"]) for r in rows], expected.losses[:, 0])


def test_diverged_runs_are_reported():
    out = cmx("run", "--landscape", "goldstein_price", "--optimizer", "sgd:lr=1", "--start", "1,1", "--steps", "20")
    record = json.loads(out.stdout)["runs"][0]
    assert isinstance(record["stopped_at"], int) and record["stopped_at"] > 0 and record["stop_reason"] == "diverged"


@pytest.mark.parametrize("command", ["landscapes", "optimizers"])
def test_listing_commands_show_parameters_and_defaults(command):
    out = cmx(command)
    assert out.returncode == 0
    assert ("two_basin" in out.stdout and "sharpness" in out.stdout) if command == "landscapes" else (
        "adam_cm" in out.stdout and "top_c" in out.stdout and "default 5" in out.stdout)


@pytest.mark.parametrize("args, message", [
    (["run", "--landscape", "ackley", "--optimizer", "adam:lr=-1", "--start", "0,1"],
     "lr must be a number in (0, 10000]"),
    (["run", "--landscape", "volcano", "--optimizer", "adam", "--start", "0,1"], "unknown landscape 'volcano'"),
    (["run", "--landscape", "ackley", "--optimizer", "adam", "--start", "0,1,2"], "--start must be 2 comma-separated"),
    (["run", "--landscape", "ackley", "--optimizer", "adam", "--start", "a,b"], "--start must be 2 comma-separated"),
    (["run", "--landscape", "ackley", "--optimizer", "adam"], "give at least one --start"),
    (["run", "--landscape", "ackley", "--optimizer", "adam", "--start", "0,1", "--steps", "-4"], "steps must be"),
    (["run", "--landscape", "ackley", "--optimizer", "adam", "--start", "0,1", "--steps", "x"], "invalid int value"),
    (["run", "--landscape", "ackley", "--optimizer", "adam", "--start", "0,1", "--out", "/no/such/dir/f"],
     "the folder /no/such/dir does not exist"),
    (["run", "--optimizer", "adam"], "required"),
    (["fly"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line_on_stderr(args, message, capsys):
    # in this process (the child process's start, 1 s, is paid once in test_run_json_matches_the_python_api)
    line = refused(args, capsys)  # exit code 2, nothing on stdout, one line on stderr
    assert message in line, line
    assert "Traceback" not in line


def test_negative_coordinates_need_no_equals_sign():
    assert glue_number_lists(["--start", "-1,0", "--steps", "3"]) == ["--start=-1,0", "--steps", "3"]
    assert glue_number_lists(["--start", "-1.5e-3,-2"]) == ["--start=-1.5e-3,-2"]
    assert glue_number_lists(["--flag", "-x"]) == ["--flag", "-x"]


def test_console_command_is_installed():
    from pathlib import Path
    script = Path(sys.executable).parent / "cmx"
    out = subprocess.run([str(script), "optimizers"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "adam_sam_cm" in out.stdout
