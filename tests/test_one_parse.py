"""A spec string is parsed once, at the edge (CLI argument, API call, link): the layers inside pass built objects."""

from __future__ import annotations

import collections
import contextlib

import numpy as np
import pytest

import specs.language
from cli import main
from experiments.escape import escape_experiment
from experiments.run import run
from experiments.sweep import sweep
from experiments.teaching import teaching_trace

CM = "adam_cm:lr=0.01,top_c=5"


@contextlib.contextmanager
def counted_parses():
    """Counts parse_spec calls by the text parsed."""
    counts: collections.Counter = collections.Counter()
    original = specs.language.parse_spec

    def counting(text, *args, **kwargs):
        counts[text] += 1
        return original(text, *args, **kwargs)

    specs.language.parse_spec = counting
    try:
        yield counts
    finally:
        specs.language.parse_spec = original


@pytest.mark.parametrize("call", [
    lambda: run("two_basin", CM, np.zeros((2, 2)), 5),
    lambda: escape_experiment("two_basin", CM, runs=20, steps=5),
    lambda: sweep("two_basin", [CM, "adam"], "sharpness", [2, 16], runs=10, steps=5),
    lambda: sweep("two_basin", [CM, "adam"], "top_c", [1, 3], runs=10, steps=5),
    lambda: teaching_trace("two_basin", CM, [-1.0, 0.0], 5),
])
def test_a_python_call_parses_each_spec_once(call):
    with counted_parses() as counts:
        call()
    assert counts and max(counts.values()) == 1, counts


@pytest.mark.parametrize("args", [
    ["escape", "--optimizers", f"{CM},adam", "--runs", "10", "--steps", "5", "--sweep", "sharpness=2,16"],
    ["sweep", "--optimizers", CM, "--runs", "10", "--steps", "5", "--sweep", "lr=0.01,0.02"],
    ["run", "--landscape", "goldstein_price", "--optimizer", CM, "--start", "0,0", "--steps", "3"],
])
def test_a_command_parses_each_spec_once(args, capsys):
    with counted_parses() as counts:
        assert main(args) == 0
    capsys.readouterr()
    assert counts and max(counts.values()) == 1, counts
