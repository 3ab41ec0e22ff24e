"""'Copy as code' gives what the page shows: the copied command and snippet are run, and their numbers compared with
the view's."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from contextlib import redirect_stdout

import numpy as np
import pytest

from cli import main
from export.player.payload import decode
from tests.test_app import app, assert_clean


def copied(at) -> tuple[str, str]:
    """(command, snippet) from the page's Code popover."""
    [command] = [c.value for c in at.code if c.language == "bash"]
    [python] = [c.value for c in at.code if c.language == "python"]
    return command, python


def run_command(command: str, *extra: str) -> str:
    """The copied command (its backslash-newlines as a shell reads them) run in process; its standard output."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "cmx"
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([*words[1:], *extra]) == 0
    return out.getvalue()


def run_snippet(python: str) -> dict:
    names: dict = {}
    exec(compile(python, "<copied snippet>", "exec"), names)
    return names


@pytest.mark.parametrize("link", [{}, {"added": "0.5,0.5", "optimizer": ["adam_cm:lr=0.1,top_c=3", "sgd:lr=0.01"],
                                       "steps": "60", "noise": "0.5", "seed": "3"},
                                  {"starts": "random", "runs": "7", "landscape": "himmelblau", "steps": "30"}])
def test_the_explorers_command_and_snippet_give_its_runs(tmp_path, monkeypatch, link):
    at = app({"page": "explorer", **link})
    assert_clean(at)
    view = at.session_state["_explorer.shown"][1]
    command, python = copied(at)
    monkeypatch.chdir(tmp_path)
    run_command(command)
    page = (tmp_path / "explorer.html").read_text(encoding="utf-8")
    payload = json.loads(re.search(r'type="application/json"[^>]*>(.*?)</script>', page, re.S).group(1))
    for series, drawn in zip(payload["series"], view.drawn, strict=True):
        positions = decode(series["positions"], "<f4", (series["recorded"], series["runs"], 2))
        np.testing.assert_array_equal(positions[-1], drawn.result.positions[-1, :, :2].astype(np.float32))
    results = run_snippet(python)["results"]
    for (spec, result), drawn in zip(results.items(), view.drawn, strict=True):
        assert spec == drawn.result.optimizer
        np.testing.assert_array_equal(result.positions[-1].astype(np.float32), drawn.result.positions[-1])


@pytest.mark.parametrize("link", [{}, {"axis": "lr", "values": "0.01,0.05", "match": "true"},
                                  {"axis": "sharpness", "values": "4,16", "axis2": "lr", "values2": "0.02,0.05",
                                   "equalise": "true"}])
def test_the_escape_labs_command_and_snippet_give_its_table(link):
    at = app({"page": "escape", "runs": "30", "steps": "40", **link})
    assert_clean(at)
    table = at.session_state["_escape.shown"][1].table
    shown = sorted((row["optimizer"], row["escape_rate"], row["escaped"]) for row in table.rows)
    command, python = copied(at)
    rows = list(csv.DictReader(io.StringIO(run_command(command, "--out", "-"))))
    assert sorted((row["optimizer"], float(row["escape_rate"]), int(row["escaped"])) for row in rows) == shown
    again = run_snippet(python)["table"]
    assert sorted((row["optimizer"], row["escape_rate"], row["escaped"]) for row in again.rows) == shown


def test_the_basin_maps_command_and_snippet_give_its_maps(tmp_path, monkeypatch):
    at = app({"page": "basins", "resolution": "12", "steps": "40"})
    assert_clean(at)
    view = at.session_state["_basins.shown"][1]
    command, python = copied(at)
    monkeypatch.chdir(tmp_path)
    printed = run_command(command)
    assert (tmp_path / "basins.png").stat().st_size > 0
    for found in view.maps:  # the command prints each map's share of every basin
        shares = [np.mean(found.basins == k) for k in (*range(len(view.surface.minima)), -1, -2, -3)]
        assert "".join(f"  {share:9.1%}" for share in shares) in printed
    names = run_snippet(python)
    np.testing.assert_array_equal(names["flow"].basins, view.maps[0].basins)
    for found, again in zip(view.maps[1:], names["maps"].values(), strict=True):
        np.testing.assert_array_equal(again.basins, found.basins)
