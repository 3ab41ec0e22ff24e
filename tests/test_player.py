"""The trajectory player's payload and HTML (no browser): shapes, float32 round trips, stop info, basin tracks,
no NaN in the JSON, the size budget of the Explorer's default view, escaping, and `cmx animate --html`."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from cli import main
from experiments.basins import DIVERGED_BASIN, UNDEFINED_BASIN, assign_basins
from experiments.run import DIVERGED, UNDEFINED, run
from experiments.teaching import teaching_trace
from export.player import (
    basin_names,
    basin_tracks,
    build_payload,
    explore,
    landscape_picture,
    notebook_html,
    standalone_html,
    to_json,
    without_image,
)
from export.player.html import script_json
from export.player.payload import decode, encode
from landscapes import build_landscape
from specs import SpecError

STARTS = np.array([[-1.25, 0.3], [-0.8, -0.25], [-1.1, -0.4]])


@pytest.fixture(scope="module")
def two_basin():
    return build_landscape("two_basin:sharpness=16")


@pytest.fixture(scope="module")
def results(two_basin):
    return {"Adam": run(two_basin, "adam:lr=0.05", STARTS, 60),
            "Adam+CM": run(two_basin, "adam_cm:lr=0.05", STARTS, 60)}


def test_series_carry_float32_positions_losses_steps_and_stops(two_basin, results):
    payload = build_payload(two_basin, results)
    adam = payload["series"][0]
    assert (adam["runs"], adam["recorded"], adam["label"], adam["kind"]) == (3, 61, "Adam", "adam")
    assert adam["colour"] == "#0072B2" and adam["dash"] == []
    assert payload["series"][1]["colour"] == "#D55E00"
    positions = decode(adam["positions"], "<f4", (61, 3, 2))
    np.testing.assert_array_equal(positions, results["Adam"].positions.astype(np.float32))
    np.testing.assert_array_equal(decode(adam["losses"], "<f4", (61, 3)), results["Adam"].losses.astype(np.float32))
    np.testing.assert_array_equal(decode(adam["steps"], "<i4", (61,)), np.arange(61))
    assert adam["stopped_at"] == [-1, -1, -1] and adam["stop_reason"] == [0, 0, 0]
    assert payload["version"] == 2 and payload["overlays"] is None and payload["landscape"]["image"] is None


def test_stopped_runs_keep_their_step_and_reason_and_non_finite_values_become_nan_or_null():
    landscape = build_landscape("custom:formula=log(x) + y**2")
    result = run(landscape, "adam:lr=0.5", np.array([[0.3, 1.0], [2.0, 1.0]]), 40)
    assert result.stopped[0]
    payload = build_payload(landscape, {"Adam": result})
    series = payload["series"][0]
    assert series["stopped_at"][0] == int(result.stopped_at[0]) >= 1
    assert series["stop_reason"][0] in (DIVERGED, UNDEFINED)
    text = to_json(payload)  # refuses NaN and infinity
    assert "NaN" not in text and "Infinity" not in text
    losses = decode(series["losses"], "<f4", (41, 2))
    assert np.array_equal(np.isfinite(losses), np.isfinite(result.losses))


def test_minima_are_listed_with_short_labels_and_json_numbers(two_basin):
    picture = landscape_picture(two_basin)
    payload = build_payload(two_basin, {"Adam": run(two_basin, "adam", STARTS, 2)}, picture)
    minima = payload["landscape"]["minima"]
    assert {m["label"] for m in minima} == {"sharp", "flat"}
    assert all(m["text"].startswith(m["label"]) and "f=" in m["text"] for m in minima)
    assert payload["basin_names"] == basin_names(two_basin) == [f"{m.label} basin" for m in two_basin.minima]
    land = payload["landscape"]
    assert land["image"].startswith("data:image/png;base64,") and land["image_key"] == picture.key
    low, high = two_basin.domain.low, two_basin.domain.high
    assert land["box"] == [low[0], high[0], low[1], high[1]]
    assert all(0 <= tick["at"] <= 1 for tick in land["scale"]["ticks"]) and len(land["scale"]["colours"]) == 9
    assert without_image(payload)["landscape"]["image"] is None and payload["landscape"]["image"] is not None


def test_goldstein_price_names_its_global_basin_and_labels_a_log_scale():
    landscape = build_landscape("goldstein_price")
    names = basin_names(landscape)
    assert names[0] == "minimum f=3 (global)" and "minimum f=30" in names
    scale = landscape_picture(landscape).scale
    values = [float(tick["text"]) for tick in scale["ticks"]]
    assert scale["log"] and values == sorted(values) and values[-1] / values[1] >= 100  # decades


def test_the_picture_key_names_spec_box_and_size(two_basin):
    other = build_landscape("two_basin:sharpness=8")
    assert landscape_picture(two_basin).key == landscape_picture(two_basin).key != landscape_picture(other).key
    assert landscape_picture(two_basin, long_side=400).key != landscape_picture(two_basin).key


def test_basin_tracks_follow_each_recorded_point_and_mark_stops(two_basin, results):
    result = results["Adam+CM"]
    tracks = basin_tracks(two_basin, result, runs=2)
    assert tracks.shape == (61, 2) and tracks.dtype == np.int16
    expected = assign_basins(two_basin, result.positions[:, :2].reshape(-1, 2)).reshape(61, 2)
    np.testing.assert_array_equal(tracks, expected)
    # Bounded: with fewer points allowed, every k-th row is assigned and the rows between repeat it.
    sparse = basin_tracks(two_basin, result, runs=2, max_points=30)
    assert sparse[0].tolist() == expected[0].tolist() and sparse[-1].tolist() == expected[-1].tolist()
    assert len({tuple(row) for row in sparse}) <= len({tuple(row) for row in expected})
    landscape = build_landscape("custom:formula=log(x) + y**2")
    stopped = run(landscape, "adam:lr=0.5", np.array([[0.3, 1.0]]), 30)
    track = basin_tracks(landscape, stopped)[:, 0]
    after = stopped.recorded_steps >= stopped.stopped_at[0]
    assert set(track[after]) <= {DIVERGED_BASIN, UNDEFINED_BASIN} and after.any()


def test_basin_tracks_go_into_the_payload_as_int16(two_basin, results):
    tracks = {"Adam+CM": basin_tracks(two_basin, results["Adam+CM"])}
    series = build_payload(two_basin, results, basins=tracks)["series"]
    assert series[0]["basins"] is None and series[1]["basin_runs"] == 3
    np.testing.assert_array_equal(decode(series[1]["basins"], "<i2", (61, 3)), tracks["Adam+CM"])
    with pytest.raises(SpecError, match="basin tracks"):
        build_payload(two_basin, results, basins={"Adam": np.zeros((5, 3))})
    with pytest.raises(SpecError, match="no series is labelled 'SGD'"):
        build_payload(two_basin, results, basins={"SGD": tracks["Adam+CM"]})


def test_overlays_sample_the_followed_run_at_the_recorded_steps(two_basin):
    result = run(two_basin, "adam_cm:lr=0.05", STARTS, 60, record=3)
    trace = teaching_trace(two_basin, "adam_cm:lr=0.05", STARTS[1], 60)
    overlays = build_payload(two_basin, {"CM": result}, teaching=trace, follow=("CM", 1))["overlays"]
    rows = len(result.recorded_steps)
    assert (overlays["series"], overlays["run"], overlays["capacity"]) == (0, 1, trace.buffer.shape[1])
    steps = result.recorded_steps
    gradient = decode(overlays["gradient"], "<f4", (rows, 2))
    np.testing.assert_allclose(gradient, trace.gradients[steps], rtol=1e-6)
    np.testing.assert_allclose(decode(overlays["position"], "<f4", (rows, 2)), result.positions[:, 1], rtol=1e-6)
    stored = decode(overlays["stored"], "<f4", (rows, overlays["capacity"], 2))
    assert np.array_equal(np.isnan(stored), np.isnan(trace.buffer[steps]))
    assert overlays["ascent"] is None  # no SAM
    width = two_basin.domain.high[0] - two_basin.domain.low[0]
    norms = np.linalg.norm(trace.gradients, axis=1)
    typical = np.percentile(norms[np.isfinite(norms) & (norms > 0)], 90) * overlays["gradient_scale"]
    assert typical == pytest.approx(0.12 * width)
    assert overlays["longest"] == pytest.approx(1.5 * 0.12 * width)


def test_overlays_must_belong_to_the_followed_run(two_basin, results):
    trace = teaching_trace(two_basin, "adam_cm:lr=0.05", STARTS[0], 60)
    with pytest.raises(SpecError, match="not of the followed series"):
        build_payload(two_basin, results, teaching=trace, follow=("Adam", 0))
    with pytest.raises(SpecError, match="does not start where run 2 starts"):
        build_payload(two_basin, results, teaching=trace, follow=("Adam+CM", 2))
    with pytest.raises(SpecError, match="followed run"):
        build_payload(two_basin, results, teaching=trace)


def test_the_player_needs_a_2d_landscape_and_runs():
    landscape = build_landscape("quadratic:dim=3")
    with pytest.raises(SpecError, match="needs a 2D landscape"):
        build_payload(landscape, {"Adam": run(landscape, "adam", np.ones((1, 3)), 2)})
    with pytest.raises(SpecError, match="at least one"):
        build_payload(build_landscape("two_basin"), {})


def test_the_default_explorer_view_fits_the_budget():
    """What the app sends for its opening view (the Explorer's own computation), the picture apart."""
    from ui.pages import explorer
    from ui.url_state import UrlReader

    payload = explorer.compute_view(explorer.read_state(UrlReader({})), 10**9).payload
    size = len(to_json(without_image(payload)).encode("utf-8"))
    image = len(payload["landscape"]["image"])
    print(f"\ndefault Explorer view: payload {size:,} bytes without the picture, picture {image:,} bytes")
    assert payload["overlays"] is not None and all(series["basins"] for series in payload["series"])
    assert size <= 150_000
    assert image <= 200_000


def test_html_escapes_everything_that_could_close_a_script():
    landscape = build_landscape("two_basin")
    evil = "</script><script>window.__pwned=1</script><!-- & >"
    payload = build_payload(landscape, {evil: run(landscape, "adam", STARTS, 3)}, note=evil, title=evil)
    page = standalone_html(payload)
    data = re.search(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.DOTALL)
    assert data and json.loads(data[2])["note"] == evil
    assert "</script><script>" not in data[2] and "<!--" not in data[2]
    assert "<title>&lt;/script&gt;" in page
    assert page.count("<script") == 2  # the payload and the player, nothing from the data
    assert script_json({"a": "</"}) == '{"a":"\\u003c/"}'
    # The file fetches nothing: no src or href attribute, and a policy that forbids it.
    assert not re.search(r"\s(src|href)=", page.replace(data[2], ""))
    assert "default-src 'none'" in page


def test_every_notebook_output_has_its_own_root(two_basin, results):
    payload = build_payload(two_basin, results)
    first, second = notebook_html(payload), notebook_html(payload)
    ids = [re.search(r'class="cmxp-host" id="([^"]+)"', html)[1] for html in (first, second)]
    assert ids[0] != ids[1]
    assert f"getElementById('{ids[0]}')" in first and "<style>" in first


def test_explore_runs_the_engine_and_renders_for_notebooks_and_files(tmp_path):
    shown = explore("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], STARTS, 50, note="watch CM")
    payload = shown.payload
    assert [s["label"] for s in payload["series"]] == ["Adam (lr=0.05)", "Adam+CM (lr=0.05)"]
    assert payload["overlays"]["series"] == 1  # the optimizer with a critical buffer is followed
    assert all(s["basin_runs"] == 3 for s in payload["series"])
    assert 'class="cmxp-host"' in shown._repr_html_()
    saved = shown.save(tmp_path / "explore.html")
    assert saved.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(SpecError, match="follow must be"):
        explore("two_basin", "adam", STARTS, 5, follow=(1, 0))
    with pytest.raises(SpecError, match="work"):
        explore("two_basin", "adam", np.zeros((10, 2)), 10_000_000, max_work=1000)


def test_cmx_animate_writes_the_player(tmp_path, capsys):
    out = tmp_path / "runs.html"
    assert main(["animate", "--landscape", "two_basin", "--optimizers", "adam,adam_sam,adam_cm", "--runs", "2",
                 "--steps", "40", "--html", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    payload = json.loads(re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.DOTALL)[1])
    assert [s["runs"] for s in payload["series"]] == [2, 2, 2] and payload["series"][0]["recorded"] == 41
    assert payload["overlays"]["series"] == 2 and payload["landscape"]["image"].startswith("data:image/png")
    assert not list(tmp_path.glob("*.gif"))
    assert main(["animate", "--landscape", "two_basin"]) == 2
    assert "--out FILE.gif, --html FILE.html" in capsys.readouterr().err
    assert main(["animate", "--landscape", "two_basin", "--html", str(tmp_path / "runs.txt")]) == 2


@pytest.mark.parametrize("value", [None, "x", {"x": float("nan"), "y": 0.0}, {"x": "1", "y": 0.0},
                                   {"x": True, "y": 0.0}, {"x": 1e9, "y": 0.0}, {"x": 0.0}, [0.0, 0.0],
                                   {"x": float("inf"), "y": float("-inf")}])
def test_a_malformed_or_out_of_box_click_places_nothing(value):
    from ui.player_component import valid_click

    assert valid_click(value, [-2.0, 2.0, -2.0, 2.0]) is None


def test_a_malformed_click_is_ignored_with_a_notice_not_a_traceback(monkeypatch):
    import ui.player_component as component

    state = {"ex.player": type("Result", (), {"click": {"x": float("nan"), "y": 1.0}})()}
    monkeypatch.setattr(component.st, "session_state", state)
    placed = []
    component._clicked("ex.player", [-2.0, 2.0, -2.0, 2.0], lambda x, y: placed.append((x, y)))
    assert placed == [] and "ex.player" in state[component.IGNORED]
    state["ex.player"].click = {"x": 0.5, "y": -1.25}
    component._clicked("ex.player", [-2.0, 2.0, -2.0, 2.0], lambda x, y: placed.append((x, y)))
    assert placed == [(0.5, -1.25)]


def test_values_beyond_float32_become_nan_without_a_warning():
    import warnings

    values = np.array([1e39, -1e300, 3.5, np.inf, np.nan, -2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = decode(encode(values, "<f4"), "<f4", (6,))
    assert np.isnan(back[[0, 1, 3, 4]]).all() and back[2] == 3.5 and back[5] == -2.0


def test_the_players_modules_are_joined_in_an_order_where_each_follows_what_it_imports():
    """The standalone file and the notebook join the modules into one script (export/player/html.py): every module
    player.js reaches must be joined, after the modules it imports, and none may pass 700 lines."""
    import re
    from pathlib import Path

    from export.player.html import MODULES

    folder = Path(__file__).resolve().parents[1] / "export" / "player"
    imports = {name: re.findall(r'^import \{[^}]*\} from "\./([a-z]+\.js)";$', (folder / name).read_text(), re.M)
               for name in MODULES}
    reached, waiting = set(), ["player.js"]
    while waiting:
        name = waiting.pop()
        if name not in reached:
            reached.add(name)
            waiting += re.findall(r'^import \{[^}]*\} from "\./([a-z]+\.js)";$', (folder / name).read_text(), re.M)
    assert reached <= set(MODULES)
    for position, name in enumerate(MODULES):
        assert set(imports[name]) <= set(MODULES[:position]), f"{name} imports a module joined after it"
    for path in folder.glob("*.js"):
        assert len(path.read_text().splitlines()) <= 700, path.name
