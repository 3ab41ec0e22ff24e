"""The player's live part (export/player/live.py) and what the page does with it (export/player/live.js, run by node
through tests/js/harness.mjs): the page checks values as specs.Field does, writes labels as export.labels does, and
a series rerun in the page is the NumPy run of the changed spec."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.run import recorded_step_indices, run
from export.labels import optimizer_labels
from export.player import explore
from export.player.engine_spec import landscape_program, optimizer_program
from export.player.live import FIXED_FIELDS, LIVE_RUN_STEPS, field_part, live_part
from landscapes import build_landscape
from optimizers import OPTIMIZERS
from optimizers.schedule import SCHEDULE_NAMES
from specs import SpecError
from tests.js.node_engine import NodeEngine, node_path

STARTS = np.array([[-1.25, 0.3], [-0.8, -0.25], [-1.1, -0.4]])
needs_node = pytest.mark.skipif(node_path() is None and not os.environ.get("CI"),
                                reason="node is missing: install Debian's nodejs to run the page's live logic")


@pytest.fixture(scope="module")
def engine():
    with NodeEngine() as running:
        yield running


def two_basin_live(specs=("adam:lr=0.05", "adam_cm:lr=0.05")) -> dict:
    surface = build_landscape("two_basin:sharpness=16")
    methods = [OPTIMIZERS.build(spec) for spec in specs]
    return live_part(surface, methods, STARTS, 120, 1000, 50, 1_000_000)


def test_the_live_part_holds_the_programs_the_starts_and_every_parameter():
    live = two_basin_live()
    surface = build_landscape("two_basin:sharpness=16")
    assert live["landscape"] == landscape_program(surface)
    assert live["starts"] == STARTS.tolist() and live["steps"] == 120 and live["limit"] == LIVE_RUN_STEPS
    cm = live["series"][1]
    assert cm["optimizer"] == optimizer_program(OPTIMIZERS.build("adam_cm:lr=0.05")) and cm["name"] == "Adam+CM"
    assert [f["name"] for f in cm["fields"]] == [f.name for f in OPTIMIZERS.entry("adam_cm").fields]
    knobs = {f["name"]: f for f in cm["fields"] if f["knob"]}
    assert not set(FIXED_FIELDS) & set(knobs) and {"lr", "b1", "top_c", "priority"} <= set(knobs)
    assert knobs["lr"]["value"] == 0.05 and knobs["lr"]["slider"]["log"]
    assert knobs["b1"]["title"] == "β₁ (momentum decay)" and knobs["b1"]["symbol"] == "β₁"
    assert knobs["b1"]["slider"]["high"] < 1  # its bound is open


def test_a_log_slider_reaches_the_value_in_use_and_a_bounded_one_stays_inside_its_open_ends():
    lr = OPTIMIZERS.entry("adam").field("lr")
    assert field_part(lr, 500.0)["slider"]["high"] == 500.0 and field_part(lr, 1e-9)["slider"]["low"] == 1e-9
    decay = OPTIMIZERS.entry("adam_cm").field("decay")
    assert field_part(decay, 0.7)["slider"] == {"low": 0.0, "high": 1.0, "log": False, "step": 0.001}


def test_a_series_the_page_cannot_run_keeps_its_runs_and_says_why():
    live = two_basin_live(("adam:lr=0.05", "rmsprop:lr=0.01"))
    assert live["series"][0]["optimizer"] is not None and live["series"][1]["optimizer"] is None
    assert "cannot run the optimizer rmsprop" in live["series"][1]["reason"]
    assert live["runs_fixed"] == "starts and steps stay as they are: RMSProp cannot run in the page"


def test_a_warm_up_or_schedule_is_no_knob_and_a_series_with_one_says_why_it_has_none():
    live = two_basin_live(("adam_cm:lr=0.05", "adam:lr=0.05,warmup=20"))
    knobs = {f["name"] for f in live["series"][0]["fields"] if f["knob"]}
    assert "lr" in knobs and not knobs & set(SCHEDULE_NAMES)
    assert live["series"][1]["optimizer"] is None
    assert live["series"][1]["reason"] == "the in-page engine takes no lr warm-up or schedule yet (got " \
        "adam:lr=0.05,warmup=20)"


def test_a_turned_surface_runs_in_the_page_as_its_bowls_are_turned_in_python():
    turned, plain = build_landscape("two_basin:sharpness=16,rotation=30"), build_landscape("two_basin:sharpness=16")
    live = live_part(turned, [OPTIMIZERS.build("adam_cm:lr=0.05")], STARTS, 120, 1000, 50, 1_000_000)
    assert "reason" not in live and live["landscape"] == landscape_program(turned)
    assert live["landscape"]["centres"] == turned.centres.tolist() != plain.centres.tolist()
    assert live["landscape"]["low"] == turned.domain.low.tolist() != plain.domain.low.tolist()


def test_a_landscape_the_page_cannot_run_leaves_only_the_reason(monkeypatch):
    def refuse(surface):
        raise SpecError("the in-page engine cannot run the landscape valley yet")

    monkeypatch.setattr("export.player.live.landscape_program", refuse)
    assert two_basin_live() == {"reason": "the in-page engine cannot run the landscape valley yet"}


def test_the_revision_names_the_runs():
    assert two_basin_live()["revision"] == two_basin_live()["revision"]
    assert two_basin_live()["revision"] != two_basin_live(("adam:lr=0.04", "adam_cm:lr=0.05"))["revision"]


def test_explore_and_its_file_carry_the_live_part_and_its_code(tmp_path):
    exploration = explore("two_basin:sharpness=16", ["adam:lr=0.05", "adam_cm:lr=0.05"], starts=STARTS, steps=50,
                          basins=False)
    assert exploration.payload["version"] == 2 and exploration.payload["live"]["steps"] == 50
    page = exploration.html()
    assert "function runProgram(" in page and "class Controls" in page and '"runs_fixed":""' in page


# -- the page's logic, in node ---------------------------------------------------------------------------------------
@needs_node
def test_the_players_modules_join_into_one_script_node_can_parse(tmp_path):
    from export.player.html import player_script

    script = tmp_path / "player.mjs"
    script.write_text(player_script(), encoding="utf-8")
    checked = subprocess.run([node_path(), "--check", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr  # a name declared twice in the joined scope fails here


CHANGES = [  # (specs shown, the knobs changed in the page per series)
    (("adam:lr=0.05", "adam_cm:lr=0.05"), [{"lr": 0.02}, {}]),
    (("adam:lr=0.05", "adam_cm:lr=0.05"), [{}, {"lr": 1e-05, "top_c": 3, "b1": 0.95}]),
    (("adam:lr=0.05", "adam:lr=0.05"), [{}, {}]),
    (("adam_cm:lr=0.05", "adam_cm:lr=0.05,top_c=2"), [{"top_c": 5}, {"priority": "fifo", "lr": 0.3688}]),
    (("sgd:lr=0.001", "momentum:lr=0.001", "adam_sam:lr=0.05"), [{"lr": 1.5e-17}, {"momentum": 0.5}, {"rho": 0.1}]),
    (("adam:lr=0.05,noise=0.5", "adam_cm:lr=0.05,noise=0.5"), [{"eps": 1e-16}, {"lr": 123456.0}]),
]


@needs_node
@pytest.mark.parametrize("specs, changes", CHANGES)
def test_labels_written_in_the_page_are_the_labels_python_writes(engine, specs, changes):
    methods = [OPTIMIZERS.build(spec) for spec in specs]
    live = two_basin_live(specs)
    expected = optimizer_labels([(m.name, {**m.params, **change}) for m, change in zip(methods, changes)])
    assert engine.ask({"op": "live", "part": live, "values": changes})["labels"] == expected


@needs_node
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=30),
       st.lists(st.integers(-2**52, 2**52), max_size=10))
def test_values_are_written_as_spec_strings_write_them(engine, floats, integers):
    lr, top_c = OPTIMIZERS.entry("adam_cm").field("lr"), OPTIMIZERS.entry("adam_cm").field("top_c")
    values = [[v, "float"] for v in floats] + [[v, "int"] for v in integers]
    expected = [lr.format(v) for v in floats] + [top_c.format(v) for v in integers]
    assert engine.ask({"op": "format", "values": values})["texts"] == expected


TYPED = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10, 200),
                  st.sampled_from(["", " 0.5 ", "abc", "1e400", "-0", "0x10", "1_0", "5.0", "7.5"]))


@needs_node
@pytest.mark.parametrize("optimizer, name", [("adam", "lr"), ("adam", "b1"), ("adam", "eps"), ("adam_cm", "top_c"),
                                             ("adam_cm", "decay")])
@given(raws=st.lists(TYPED, min_size=1, max_size=20))
def test_typed_values_are_taken_where_their_field_takes_them(engine, optimizer, name, raws):
    field = OPTIMIZERS.entry(optimizer).field(name)
    checked = engine.ask({"op": "check", "field": field_part(field, field.default), "raws": raws})["checked"]
    for raw, answer in zip(raws, checked):
        try:
            expected = field.check(raw)
        except SpecError:
            assert answer["error"].startswith(f"{name} must be {field.range_text()} (got "), raw
            continue
        if isinstance(raw, str) and "_" in raw:
            continue  # Python reads 1_0 as 10; a number box never holds it
        assert answer == {"value": expected}, raw


@needs_node
def test_a_series_rerun_in_the_page_is_the_numpy_run_of_the_changed_spec(engine):
    """Goldstein-Price needs + - * / alone: the page's rerun is NumPy's run bit for bit, in float32."""
    surface = build_landscape("goldstein_price")
    method = OPTIMIZERS.build("adam_cm:lr=0.05")
    starts = np.array([[0.5, -0.5], [-1.0, 1.0], [1.2, 0.3]])
    live = live_part(surface, [method], starts, 300, 40, 50, 1_000_000)
    moved = [[0.25, -0.75], [-1.0, 1.0], [1.2, 0.3], [0.0, 0.0]]
    change = {"lr": 0.02, "top_c": 3, "b1": 0.85}
    answer = engine.ask({"op": "live", "part": live, "values": [change], "starts": moved, "steps": 200, "rerun": 0})
    expected = run(surface, OPTIMIZERS.build({"name": "adam_cm", **method.params, **change}), np.array(moved), 200,
                   record=5)
    assert answer["recorded_steps"] == recorded_step_indices(200, 5).tolist()  # every ceil(200 / 40)-th step
    positions = answer["positions"].reshape(len(answer["recorded_steps"]), 4, 2)
    np.testing.assert_array_equal(positions, expected.positions.astype(np.float32))
    np.testing.assert_array_equal(answer["losses"].reshape(-1, 4), expected.losses.astype(np.float32))
    assert answer["stopped_at"] == expected.stopped_at.tolist()
    assert answer["stop_reason"] == expected.stop_reason.tolist()


@needs_node
def test_the_page_modules_run_as_the_separate_modules_the_app_imports(tmp_path):
    """In the app the browser imports each module from the component's folder: each must import what it uses."""
    from export.player.html import asset

    for name in ("surfaces.js", "engine.js", "live.js"):
        (tmp_path / name).write_text(asset(name), encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    live = two_basin_live()
    script = (f"import {{readLive, rerun, settingsOf}} from {str(tmp_path / 'live.js')!r};\n"
              f"const live = readLive({json.dumps(live)}, 2);\n"
              "for (const k of [0, 1]) rerun(live, k, settingsOf(live));\nconsole.log('ran');\n")
    ran = subprocess.run([node_path(), "--input-type=module", "-e", script], capture_output=True, text=True)
    assert ran.stdout == "ran\n", ran.stderr
