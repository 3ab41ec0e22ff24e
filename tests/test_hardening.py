"""Hostile use, class by class: every wrong type through the Python API is a SpecError, every oversized request is
refused before it starts (quickly, in one line), links with extreme values never crash a page, user text never
becomes Markdown, and each random stream is its own."""

from __future__ import annotations

import ast
import gc
import time
from pathlib import Path

import numpy as np
import pytest

from cli import main
from experiments.basin_map import basin_map, flow_map
from experiments.escape import escape_experiment
from experiments.run import run
from experiments.sweep import sweep
from experiments.teaching import teaching_trace
from landscapes import build_landscape
from optimizers import counter_rng
from specs import SpecError
from tests.test_app import app, assert_clean, shown
from ui import literal

ROOT = Path(__file__).resolve().parents[1]
# CPU seconds of the refusing code (its own, not its wait for a loaded machine's cores: the wall-clock figure, 0.1 s
# too, is `make bench`'s, benchmarks/refusals.py)
REFUSAL_SECONDS = 0.1


def refused(call) -> str:
    """The SpecError message of `call`, which must come within REFUSAL_SECONDS of CPU time and be one line. The
    garbage of the tests before is collected first: a full collection of this process's heap (streamlit's among it)
    takes about 70 ms, and it fell inside the sweep's 10 ms refusal once allocations happened to trigger it there."""
    gc.collect()
    start = time.process_time()
    with pytest.raises(SpecError) as error:
        call()
    elapsed = time.process_time() - start
    message = str(error.value)
    assert elapsed < REFUSAL_SECONDS, f"refused after {elapsed:.3f} CPU seconds: {message}"
    assert "\n" not in message and message
    return message


TWO_BASIN = build_landscape("two_basin:sharpness=16")
_ = TWO_BASIN.minima  # found once here, so the refusals below time only themselves
QUADRATIC_200 = build_landscape("quadratic:dim=200")


@pytest.mark.parametrize("call, expected", [
    (lambda: escape_experiment(TWO_BASIN, "adam", steps=None), "steps must be an integer"),
    (lambda: escape_experiment(TWO_BASIN, "adam", steps="abc"), "steps must be an integer"),
    (lambda: escape_experiment(TWO_BASIN, "adam", steps=2.5), "steps must be an integer"),
    (lambda: escape_experiment(TWO_BASIN, "adam", runs="many"), "runs must be an integer"),
    (lambda: escape_experiment(TWO_BASIN, "adam", seed=-1), "seed must be an integer"),
    (lambda: escape_experiment(TWO_BASIN, "adam", basin="9" * 5000), "basin must be one of"),
    (lambda: escape_experiment(TWO_BASIN, "adam", basin=None), "basin must be one of"),
    (lambda: escape_experiment(TWO_BASIN, "adam", steps=3, starts=[[1.0, 0.0]]), "starts must lie in basin 0"),
    (lambda: escape_experiment(TWO_BASIN, "adam", steps=3, starts=[[-1 + 0.1j, 0.0]]), "starts must be real"),
    (lambda: escape_experiment(TWO_BASIN, 42), "optimizer must be a spec"),
    (lambda: sweep(TWO_BASIN, ["adam"], "sharpness", [2, 4], progress=5), "progress must be a function"),
    (lambda: sweep(TWO_BASIN, 5, "sharpness", [2]), "optimizers must be a list of specs"),
    (lambda: sweep(TWO_BASIN, ["adam"], "sharpness", "2,4"), "values must be a list of values for sharpness"),
    (lambda: sweep(TWO_BASIN, ["adam"], 3, [2]), "axis must be a parameter name"),
    (lambda: sweep(TWO_BASIN, ["adam"], measure="most"), "measure must be one of escape, final"),
    (lambda: sweep(TWO_BASIN, ["adam"], equalise_grad_evals="yes"), "equalise_grad_evals must be true or false"),
    (lambda: sweep(TWO_BASIN, ["adam"], "sharpness", list(range(2, 200))), "give between 1 and 100 values"),
    (lambda: build_landscape("custom", formula=5), "formula must be text of at most 1000 characters (got int)"),
    (lambda: run(TWO_BASIN, "adam", "abc", 3), "starts must be numbers"),
    (lambda: run(TWO_BASIN, "adam", [[1j, 0.0]], 3), "starts must be real numbers"),
    (lambda: run(TWO_BASIN, "adam", [[0.0], [0.0, 1.0]], 3), "starts must be real numbers"),
    (lambda: run(TWO_BASIN, "adam", [[0.0, 0.0]], None), "steps must be an integer"),
    (lambda: run(TWO_BASIN, "adam", [[0.0, 0.0]], 3, record=None), "every must be an integer"),
    (lambda: run(None, "adam", [[0.0, 0.0]], 3), "landscape must be a spec"),
    (lambda: run(TWO_BASIN, "adam:lr=０.１", [[0.0, 0.0]], 3), "written with ASCII digits"),
    (lambda: basin_map(TWO_BASIN, "adam", resolution="x"), "resolution must be an integer"),
    (lambda: flow_map(TWO_BASIN, resolution=10**6), "resolution must be an integer in [2, 1000]"),
    (lambda: teaching_trace(TWO_BASIN, "adam", [0.0, 0.0], None), "steps must be an integer"),
])
def test_wrong_values_through_the_python_api_are_one_line_spec_errors(call, expected):
    assert expected in refused(call)


def test_a_single_optimizer_spec_or_an_array_of_values_is_accepted_by_sweep():
    table = sweep(TWO_BASIN, "adam:lr=0.05", "lr", np.array([0.01, 0.02]), runs=8, steps=3)
    assert [row["lr"] for row in table.rows] == [0.01, 0.02]


@pytest.mark.parametrize("call", [
    lambda: escape_experiment(TWO_BASIN, "adam", runs=1_000_000, steps=0),
    lambda: escape_experiment(TWO_BASIN, "adam", runs=10_000_000, steps=200),
    lambda: basin_map(TWO_BASIN, "adam", resolution=1000),
    lambda: flow_map(TWO_BASIN, resolution=1000),
    lambda: sweep(TWO_BASIN, ["adam", "adam_cm"], "lr", list(np.geomspace(1e-3, 1, 100)), runs=100_000),
    lambda: escape_experiment(QUADRATIC_200, "adam", basin=0, runs=10**6, steps=100),
    lambda: escape_experiment("custom:formula=sin(3*x)*cos(3*y)", "adam", basin=0, runs=10**6, steps=1),
])
def test_expensive_requests_are_refused_before_they_start(call):
    assert "run-steps of work" in refused(call)


def test_a_request_that_would_not_fit_in_memory_is_refused_by_its_estimate():
    message = refused(lambda: run(TWO_BASIN, "adam", np.zeros((200_000, 2)), 5000, max_work=10**12))
    assert "of memory" in message and "2.0 GB" in message


@pytest.mark.parametrize("args, expected", [
    (["escape", "--runs", "1000000", "--steps", "0"], "run-steps of work"),
    (["escape", "--runs", "10000000"], "run-steps of work"),
    (["basins", "--resolution", "1000", "--out", "never.png"], "run-steps of work"),
    (["escape", "--landscape", "quadratic:dim=400", "--basin", "0", "--runs", "10", "--steps", "1"],
     "run-steps of work"),
    (["escape", "--sweep", "sharpness=" + ",".join(["2"] * 101)], "at most 100 values"),
    (["animate", "--frames", "2000", "--steps", "100000", "--runs", "1000", "--out", "never.gif"],
     "run-steps of work"),
    (["escape", "--plot", "never.xyz"], "--plot must end in one of .png"),
    (["basins", "--out", "never.xyz"], "--out must end in one of .png"),
    (["escape", "--basin", "9" * 5000], "(got " + "9" * 37 + "...)"),
    (["escape", "--runs", "9" * 5000], "invalid int value: '9999999999999999999999999999999999999...'"),
])
def test_oversized_or_malformed_commands_are_refused_in_one_line_before_work(args, expected, tmp_path, capsys,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    gc.collect()  # as in `refused`
    start = time.process_time()
    try:
        code = main(args)
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    elapsed = time.process_time() - start
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and expected in lines[0] and len(lines[0]) < 600, captured.err
    assert elapsed < 2.0, f"refused after {elapsed:.2f} CPU seconds"  # a landscape's minima may be found first
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_out_naming_a_folder_is_refused_and_nothing_is_written_beside_it(tmp_path, capsys):
    folder = tmp_path / "results"
    folder.mkdir()
    assert main(["escape", "--runs", "10", "--steps", "2", "--out", str(folder)]) == 2
    assert "--out names a folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_streams_of_one_seed_are_independent():
    """Gradient noise and random buffer replacement draw from their own streams: their draws are uncorrelated."""
    runs = np.arange(20_000)
    noise = counter_rng.uniform(7, counter_rng.NOISE_STREAM, runs, 3, 1)[:, 0]
    buffer = counter_rng.uniform(7, counter_rng.BUFFER_STREAM, runs, 3, 1)[:, 0]
    assert not np.array_equal(noise, buffer)
    assert abs(np.corrcoef(noise, buffer)[0, 1]) < 0.03  # 4 standard errors at n = 20,000
    again = counter_rng.uniform(7, counter_rng.NOISE_STREAM, runs, 3, 1)[:, 0]
    np.testing.assert_array_equal(noise, again)


# -- the app -----------------------------------------------------------------------------------------------------

EXTREME_LINKS = [
    {"page": "explorer", "starts": "random", "region": "-1e308,1e308,-1e308,1e308", "runs": "10", "steps": "30"},
    {"page": "explorer", "starts": "random", "region": "5,-5,1,2", "runs": "10", "steps": "30"},
    {"page": "explorer", "starts": "points", "points": "1e308,1e308;-1e308,0", "steps": "30"},
    {"page": "explorer", "starts": "points", "points": ";".join(["0,0"] * 500), "steps": "30"},
    {"page": "explorer", "steps": "1000000", "runs": "1000", "starts": "random"},
    {"page": "explorer", "noise": "1e308", "seed": "99999999999999999999", "steps": "30"},
    {"page": "explorer", "landscape": "custom:extent=1000,formula=exp(x**2+y**2)", "steps": "30"},
    {"page": "explorer", "optimizer": ["adam:lr=10000"] * 12, "steps": "30"},
    {"page": "escape", "runs": "100000", "steps": "1000000", "axis": "lr", "values": ",".join(["0.1"] * 400)},
    {"page": "escape", "axis": "sharpness", "values": "1e400,nan,-inf"},
    {"page": "escape", "basin": "9" * 5000},
    {"page": "basins", "resolution": "1000", "steps": "1000000"},
    {"page": "basins", "landscape": "quadratic:dim=1000"},
]


@pytest.mark.parametrize("link", EXTREME_LINKS,
                         ids=lambda link: "&".join(f"{k}={str(v)[:12]}" for k, v in link.items()))
def test_extreme_links_are_refused_with_a_notice_never_a_crash(link):
    at = app(link)
    assert_clean(at)
    assert at.warning or at.error, "an extreme value must be named in a notice"


MARKDOWN_PAYLOADS = ["Session expired [log in here](http://127.0.0.1:9/x)", "![t](http://127.0.0.1:9/t.png)",
                     "<img src=x onerror=alert(1)>", ":red[alarm] **bold** $x^2$ :material/home:"]


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
@pytest.mark.parametrize("key", ["landscape", "optimizer", "points", "region", "steps", "basin", "axis", "values"])
def test_link_values_appear_in_notices_as_plain_text(payload, key):
    page = "escape" if key in ("basin", "axis", "values") else "explorer"
    at = app({"page": page, "steps": "20", "runs": "10", key: payload})
    assert_clean(at)
    notices = [w for w in at.warning] + [e for e in at.error]
    assert any(f"The link's {key}=" in shown(notice) for notice in notices)
    for notice in notices:  # the Markdown source escapes every punctuation mark: nothing can render as markup
        assert literal.plain(shown(notice)) == notice.value


UI_FILES = [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py"))]
MARKDOWN_CALLS = {"error", "warning", "info", "success", "caption", "markdown", "write", "toast", "exception"}


@pytest.mark.parametrize("path", UI_FILES, ids=lambda path: path.name)
def test_pages_show_text_only_through_the_escaping_helpers(path):
    """st.error/warning/info/caption/markdown/... render Markdown: outside ui/literal.py they may only take a
    constant string (written by us), never text built from values."""
    if path.name == "literal.py":
        return
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MARKDOWN_CALLS \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("st", "streamlit"):
            assert node.args and isinstance(node.args[0], ast.Constant), \
                f"{path.name}:{node.lineno}: st.{node.func.attr} with computed text; use ui.literal"
