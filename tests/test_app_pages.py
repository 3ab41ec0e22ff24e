"""The Escape lab and Basin map pages through AppTest: what they show (human labels, formatted tables, the charts'
axes, keys and colours), that controls change the results and the link restores the view, that bad input keeps every
setting and the last view, and that a result is computed once: a revisit or a display change never recomputes it."""

from __future__ import annotations

import functools
import importlib
import io
import json
import re

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from experiments.sweep import _starts
from export import palette
from export.figures import basin_key, basin_map_figure, percent
from landscapes import build_landscape
from tests.test_app import app, assert_clean, shown, widget
from ui import drawing
from ui.pages import basin_map as basin_page
from ui.pages.escape import state as escape_state
from ui.pages.escape import view as escape_lab
from ui.url_state import UrlReader

ESCAPE = {"page": "escape", "runs": "30", "steps": "60", "values": "4, 16"}
BASINS = {"page": "basins", "resolution": "10", "steps": "60"}
PERCENT = re.compile(r"^(0|100|\d\.\d\d|\d\d\.\d|0\.\d{3})%$")  # 3 significant digits
SIGNIFICANT = re.compile(r"^(—|-?\d(\.\d{1,2})?(e[+-]\d+)?|-?\d\d(\.\d)?|-?\d{3}|-?0\.0*\d{1,3})$")


def rows(at):
    return at.dataframe[0].value


def link_of(at) -> dict:
    return {key: at.query_params[key] for key in at.query_params}


def charts(at) -> list[dict]:
    """Each Vega-Lite chart on the page: its spec, with the rows Streamlit sent beside it back in `data.values`."""
    found = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        spec["data"] = {"values": pa.ipc.open_stream(chart.proto.data.data).read_pandas().to_dict("records")}
        found.append(spec)
    return found


def tick_texts(axis: dict) -> list[str]:
    """The label of each tick of an axis drawn by ui.drawing.vega_ticks, in the order of its values."""
    texts = json.loads(axis["labelExpr"].partition("][indexof(")[0] + "]")
    values = json.loads(axis["labelExpr"].partition("indexof(")[2].rpartition(", datum.value")[0])
    assert values == axis["values"]
    return texts


def layer(chart: dict, mark: str) -> dict:
    """The chart's first layer of that mark (of the points: the filled markers; the hollow ones follow)."""
    return next(part for part in chart["layer"] if part["mark"]["type"] == mark)


def escape_view(at) -> escape_lab.EscapeView:
    """The view the Escape lab draws (its exact sweep table)."""
    return at.session_state[f"_{escape_state.PAGE}.shown"][1]


def shown_sweep(at) -> str:
    """The exact sweep the Escape lab shows, as its CSV."""
    return escape_view(at).table.to_csv()


def sample_selector(at):
    return widget(at, "es.sample")


# -- Escape lab ----------------------------------------------------------------------------------------------------

def test_escape_lab_speaks_in_human_labels_everywhere():
    at = app(ESCAPE)
    assert_clean(at)
    assert not at.error
    labels = ["Adam (lr=0.05)", "Adam+SAM (lr=0.05)", "Adam+CM (lr=0.05)"]
    curve, _ = charts(at)  # the escape curve, then the survival curves
    assert curve["encoding"]["color"]["scale"]["domain"] == labels  # one legend entry per optimizer
    assert list(dict.fromkeys(row["optimizer"] for row in curve["data"]["values"])) == labels
    assert list(dict.fromkeys(rows(at)["optimizer"])) == labels
    assert sample_selector(at).options == [f"{label} at sharpness = {value}" for label in labels for value in (4, 16)]
    assert sample_selector(at).value == (2, 1)  # Adam+CM where it escapes and the others do not
    csv = escape_view(at).table.to_csv().splitlines()[0]
    assert escape_lab.labelled_csv(escape_view(at)).splitlines()[:2] == [
        "label," + csv, f"{labels[0]} at sharpness = 4," + escape_view(at).table.to_csv().splitlines()[1]]


def test_the_escape_curve_is_labelled_at_the_swept_values_with_intervals_and_the_palettes_colours():
    at = app(ESCAPE)
    curve, _ = charts(at)  # the escape curve, then the survival curves
    x = curve["encoding"]["x"]
    assert x["scale"]["type"] == "log" and x["axis"]["values"] == [4, 16] and tick_texts(x["axis"]) == ["4", "16"]
    styles = palette.styles_for(["adam", "adam_sam", "adam_cm"])
    assert curve["encoding"]["color"]["scale"]["range"] == [style.colour for style in styles]
    assert layer(curve, "line")["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [15, 7.5], [1, 0]]
    bars = layer(curve, "errorbar")["encoding"]
    assert (bars["y"]["field"], bars["y2"]["field"]) == ("low", "high")
    assert layer(curve, "point")["encoding"]["y"]["field"] == "rate"
    table = escape_view(at).table
    drawn = curve["data"]["values"]
    for k in range(3):
        mine = [row for row in table.rows if row["optimizer"] == table.rows[k]["optimizer"]]
        shown_rows = [row for row in drawn if row["optimizer"] == curve["encoding"]["color"]["scale"]["domain"][k]]
        assert [row["value"] for row in shown_rows] == [4, 16]
        assert [(row["rate"], row["low"], row["high"]) for row in shown_rows] == [
            (row["escape_rate"], row["ci_low"], row["ci_high"]) for row in mine]
    assert all(row["high"] > row["low"] for row in drawn)  # every rate has a bar, at 0 and 1 too
    assert layer(curve, "point")["encoding"]["tooltip"] == [
        {"field": "optimizer", "title": "optimizer"}, {"field": "value_text", "title": "sharpness"},
        {"field": "rate_text", "title": "escape rate"}, {"field": "interval", "title": "95% interval"},
        {"field": "escaped", "title": "escaped"}, {"field": "out_by_2_text", "title": "out by step 2"},
        {"field": "kick_text", "title": "out by step 2 (kick law)"}]  # Adam+CM on two_basin: the kick law beside
    cm_at_16 = drawn[5]
    assert cm_at_16["optimizer"] == "Adam+CM (lr=0.05)" and cm_at_16["value_text"] == "16"
    assert re.fullmatch(r"\d+ of 30", cm_at_16["escaped"]) and PERCENT.match(cm_at_16["rate_text"])
    assert re.fullmatch(r"\S+% to \S+%", cm_at_16["interval"])
    assert curve["usermeta"] == drawing.VEGA_SVG  # its text is text in the page


CURVE_POINT = ("step", "in_basin", "in_basin_low", "in_basin_high", "at_risk")


def exact_curves(table, value) -> list[list[tuple]]:
    """Each optimizer's points of table.survival at sharpness `value`, straight from the sweep's survival table."""
    names = list(dict.fromkeys(row["optimizer"] for row in table.rows))
    return [[tuple(point[c] for c in CURVE_POINT) for point in table.survival.rows
             if point["optimizer"] == name and point["sharpness"] == value] for name in names]


def drawn_curves(chart: dict) -> list[list[tuple]]:
    """Each optimizer's points as the survival plot draws them after step 0, in the legend's order."""
    drawn, labels = chart["data"]["values"], chart["encoding"]["color"]["scale"]["domain"]
    return [[(row["step"], row["share"], row["low"], row["high"], row["at_risk"]) for row in drawn
             if row["optimizer"] == label and row["step"] > 0] for label in labels]


def test_the_survival_plot_draws_the_sweeps_curves_a_line_and_a_band_per_optimizer_in_the_palettes_styles():
    at = app(ESCAPE)
    assert_clean(at)
    _, survival = charts(at)
    labels = ["Adam (lr=0.05)", "Adam+SAM (lr=0.05)", "Adam+CM (lr=0.05)"]
    colour = survival["encoding"]["color"]
    assert colour["scale"]["domain"] == labels
    assert colour["scale"]["range"] == [style.colour for style in palette.styles_for(["adam", "adam_sam", "adam_cm"])]
    assert layer(survival, "line")["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [15, 7.5], [1, 0]]
    band = layer(survival, "area")["encoding"]
    assert (band["y"]["field"], band["y2"]["field"]) == ("low", "high")
    assert survival["encoding"]["x"]["scale"]["type"] == "symlog"
    assert widget(at, "es.survival").value == 1  # the player's value: where Adam+CM escapes and the others do not
    assert drawn_curves(survival) == exact_curves(escape_view(at).table, 16.0)
    drawn = survival["data"]["values"]
    assert all(0 <= row["low"] <= row["share"] <= row["high"] <= 1 for row in drawn)
    starts = [row for row in drawn if row["step"] == 0]
    assert len(starts) == 3 and all(row["share"] == 1 and row["at_risk"] == 30 for row in starts)
    assert [tip["field"] for tip in layer(survival, "point")["encoding"]["tooltip"]] == [
        "optimizer", "step", "share_text", "band", "at_risk_text"]
    cm = [row for row in drawn if row["optimizer"] == labels[2]]
    assert cm[-1]["share"] < 1 and re.fullmatch(r"\d+ of 30 runs", cm[-1]["at_risk_text"])
    assert re.fullmatch(r"\S+% to \S+%", cm[-1]["band"]) and PERCENT.match(cm[-1]["share_text"])


def test_choosing_a_survival_value_reruns_only_its_plot_and_the_link_which_names_it():
    at = app(ESCAPE)
    assert "survival" not in at.query_params
    assert widget(at, "es.survival").options == ["sharpness = 4", "sharpness = 16"]
    widget(at, "es.survival").set_value(0).run()
    assert_clean(at)
    assert at.query_params["survival"] == "0"
    assert not at.sidebar and not at.dataframe and not at.title  # only the plot and the link ran
    [survival] = charts(at)
    assert drawn_curves(survival) == exact_curves(escape_view(at).table, 4.0)
    again = app(link_of(at))
    assert widget(again, "es.survival").value == 0 and link_of(again) == link_of(at)
    assert drawn_curves(charts(again)[1]) == exact_curves(escape_view(again).table, 4.0)


def test_the_survival_csv_is_every_rows_curve_exactly_each_labelled():
    view = escape_view(app(ESCAPE))
    lines = escape_lab.labelled_survival_csv(view).splitlines()
    exact = view.table.survival.to_csv().splitlines()
    assert lines[0] == "label," + exact[0]
    assert [line.partition(",")[2] for line in lines[1:]] == exact[1:]  # every point, in order, bit for bit
    labels = [line.partition(",")[0] for line in lines[1:]]
    assert labels[0] == "Adam (lr=0.05) at sharpness = 4" and labels[-1] == "Adam+CM (lr=0.05) at sharpness = 16"
    assert len(set(labels)) == 6


def test_a_categorical_axis_or_none_draws_dots_side_by_side_with_their_bars():
    at = app({**ESCAPE, "axis": "first_step", "values": "hold, step"})
    assert_clean(at)
    curve, _ = charts(at)  # the escape curve, then the survival curves
    assert curve["encoding"]["x"]["sort"] == ["hold", "step"] and curve["encoding"]["x"]["type"] == "nominal"
    assert {part["mark"]["type"] for part in curve["layer"]} == {"errorbar", "point"}  # no line between choices
    assert all(part["encoding"]["xOffset"]["field"] == "optimizer" for part in curve["layer"])
    values = curve["data"]["values"]
    assert [row["value_text"] for row in values[:2]] == ["has no first_step: the same runs at every value"] * 2
    assert [row["value"] for row in values[4:6]] == ["hold", "step"]
    single, _ = charts(app({**ESCAPE, "axis": "none"}))
    assert single["encoding"]["x"]["field"] == "optimizer" and len(single["data"]["values"]) == 3
    assert "value_text" not in single["data"]["values"][0]


def test_the_escape_table_is_formatted_for_people():
    at = app(ESCAPE)
    table = rows(at)
    assert list(table.columns[:6]) == ["optimizer", "sharpness", "escape rate", "95% interval", "escaped", "diverged"]
    assert list(table.columns[6:11]) == ["median escape step", "mean escape step", "out by step 2",
                                         "out by step 2 (kick law)", "out by step 10"]  # Adam+CM on two_basin
    assert "out by step 100" not in table.columns  # 60 steps: no run reached step 100
    exact = escape_view(at).table.rows
    assert list(table["out by step 2"]) == [percent(row["out_by_2"]) for row in exact]
    assert list(table["mean escape step"]) == [f"{row['mean_escape_step']:.3g}" if row["escaped"] else "—"
                                               for row in exact]  # no run left: no mean, not the steps run
    assert table["median escape step"].str.match(SIGNIFICANT).all() and "—" in set(table["median escape step"])
    assert list(table["sharpness"]) == ["4", "4", "4", "16", "16", "16"]
    assert table["escape rate"].str.match(PERCENT).all(), table["escape rate"]
    assert table["95% interval"].str.fullmatch(r"\S+% to \S+%").all()
    assert table["escaped"].str.fullmatch(r"\d+ of 30").all()
    assert table["diverged"].dtype.kind == "i" and table["steps"].dtype.kind == "i"
    for column in ("median final loss", "median λmax at the end", "median distance travelled"):
        assert table[column].str.match(SIGNIFICANT).all(), table[column]
    assert "landscape" not in table.columns and "optimizer_spec" not in table.columns


def test_escape_lab_results_follow_the_landscape_the_optimizer_and_a_hyperparameter():
    at = app(ESCAPE)
    first = escape_view(at).table.rows
    widget(at, "es.L.two_basin.depth").set_value(0.5).run()
    after_landscape = escape_view(at).table.rows
    widget(at, "es.O2.adam_cm.lr").set_value(0.2).run()
    after_lr = escape_view(at).table.rows
    widget(at, "es.O0.name").set_value("sgd").run()
    assert_clean(at)
    assert "two_basin:depth=0.5" in str(at.query_params["landscape"])
    assert [row["final_loss_mean"] for row in first] != [row["final_loss_mean"] for row in after_landscape]
    assert rows(at)["optimizer"][2] == "Adam+CM (lr=0.2)"
    assert after_lr[2]["distance_median"] != after_landscape[2]["distance_median"]
    assert rows(at)["optimizer"][0].startswith("SGD")


def test_switching_the_sweep_axis_relabels_the_curve_the_table_and_the_sample_selector():
    at = app(ESCAPE)
    widget(at, "es.axis").set_value("lr").run()
    assert_clean(at)
    assert widget(at, "es.values").value == "0.0125, 0.025, 0.05, 0.1, 0.2"
    assert len(rows(at)) == 15
    options = sample_selector(at).options
    assert options[0] == "Adam at lr = 0.0125" and len(options) == 15
    assert not any("sharpness" in option for option in options)
    curve, _ = charts(at)  # the escape curve, then the survival curves
    assert curve["encoding"]["color"]["scale"]["domain"] == ["Adam", "Adam+SAM", "Adam+CM"]  # lr is the axis now
    assert tick_texts(curve["encoding"]["x"]["axis"]) == ["0.0125", "0.025", "0.05", "0.1", "0.2"]
    assert "lr" in rows(at).columns


def test_an_optimizer_without_the_swept_knob_is_one_configuration():
    at = app({**ESCAPE, "axis": "top_c", "values": "1, 5"})
    assert_clean(at)
    options = sample_selector(at).options
    assert options[:2] == ["Adam (lr=0.05)", "Adam+SAM (lr=0.05)"]
    assert options[2:] == ["Adam+CM (lr=0.05) at C = 1", "Adam+CM (lr=0.05) at C = 5"]
    assert list(rows(at)["C"]) == ["—", "—", "1", "—", "—", "5"]


def test_choosing_a_sample_reruns_only_the_player_and_the_link_which_names_it():
    at = app(ESCAPE)
    assert "sample" not in at.query_params  # the default is not written out
    sample_selector(at).set_value((0, 0)).run()
    assert at.query_params["sample"] == "0,0"
    assert not at.sidebar and not at.title and not at.dataframe and not at.get("vega_lite_chart")  # nothing else ran
    [link] = [code for code in at.code if code.language not in ("bash", "python")]  # not the Code popover's
    assert "sample=0%2C0" in link.value  # the Link popover names the configuration shown
    assert sample_selector(at).value == (0, 0)
    again = app(link_of(at))
    assert_clean(again)
    assert sample_selector(again).value == (0, 0) and link_of(again) == link_of(at)
    beyond = app({**ESCAPE, "sample": "9,9"})  # out of range: the default, and a notice says so (never a neighbour)
    assert beyond.session_state["es.sample"] == beyond.session_state["_escape.shown"][1].default_sample
    assert any("optimizer 10 at value 10 is not in this sweep" in shown(w) for w in beyond.warning)


def test_the_sample_player_shows_the_sweeps_first_runs_in_the_optimizers_colour():
    state = escape_state.read_state(UrlReader({**ESCAPE, "optimizer": ["adam:lr=0.05", "adam:lr=0.1"]}))
    view = escape_lab.compute_view(state, 10**9)
    payload = escape_lab.sample_payload(state, view, (1, 1), 10**9)
    [series] = payload["series"]
    assert series["label"] == "Adam (lr=0.1) at sharpness = 16"
    assert series["colour"] == palette.styles_for(["adam", "adam"])[1].colour  # the second Adam's shade
    assert series["basin_runs"] == series["runs"] == escape_lab.SAMPLE_RUNS  # every run has a basin track
    assert "first 10 of the 30 runs" in payload["note"]
    surface = build_landscape("two_basin:sharpness=16")
    drawn = escape_lab.first_starts(surface, "sharp", 30, 0, escape_lab.SAMPLE_RUNS)
    np.testing.assert_array_equal(drawn, _starts(surface, "escape", "sharp", 30, 0, 0.5)[:escape_lab.SAMPLE_RUNS])


def test_escape_lab_link_round_trip():
    at = app(ESCAPE)
    widget(at, "es.basin").set_value("flat").run()
    widget(at, "es.seed").set_value(7).run()
    link = link_of(at)
    again = app(link)
    assert_clean(again)
    assert link_of(again) == link
    assert rows(again).equals(rows(at))


def test_escape_lab_bad_link_values_fall_back_with_notices():
    at = app({**ESCAPE, "basin": "nowhere", "axis": "warp", "values": "a,b", "runs": "-3", "sample": "x",
              "survival": "-1"})
    assert_clean(at)
    notices = " ".join(shown(w) for w in at.warning)
    for fragment in ("basin", "axis", "runs", "sample", "survival='-1'"):
        assert fragment in notices
    assert widget(at, "es.axis").value == "sharpness"


def test_a_bad_input_is_said_beside_it_and_keeps_every_setting_and_the_last_view():
    at = app(ESCAPE)
    widget(at, "es.O2.adam_cm.lr").set_value(0.07).run()
    before, link = shown_sweep(at), link_of(at)
    widget(at, "es.values").input("4, x").run()
    assert_clean(at)
    assert any("sharpness must be" in shown(e) for e in at.error)
    assert shown_sweep(at) == before and link_of(at) == link
    assert widget(at, "es.values").value == "4, x" and widget(at, "es.O2.adam_cm.lr").value == 0.07
    widget(at, "es.landscape").set_value("custom").run()
    before, link = shown_sweep(at), link_of(at)
    widget(at, "es.L.custom.formula").input("__import__('os')").run()  # no basin can be listed for it
    assert_clean(at)
    assert any("formula" in shown(e) for e in at.error)
    assert widget(at, "es.O2.adam_cm.lr").value == 0.07  # the controls below the landscape were still drawn
    assert shown_sweep(at) == before and link_of(at) == link


def test_a_sweep_runs_once_a_revisit_or_a_display_change_never_runs_it_again(monkeypatch):
    engine = importlib.import_module("experiments.sweep")  # the package's `sweep` is the function
    calls = []
    original = engine.measure_escape

    def counting(*args, **kwargs):
        calls.append(args[1].spec)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "measure_escape", counting)
    link = {**ESCAPE, "steps": "43"}  # steps no other test uses: nothing is cached yet
    at = app(link)
    assert len(calls) == 6  # three optimizers at two values
    sample_selector(at).set_value((0, 1)).run()
    at.run()  # the whole page again (the choice reran only the player and the link)
    widget(at, "settings.max_work").set_value(1000).run()  # a cached sweep is shown whatever the limit
    widget(at, "nav.page").set_value("learn").run()
    widget(at, "nav.page").set_value("escape").run()
    assert_clean(at)
    assert not at.error and at.title[0].value == "Escape lab"
    app(link)  # another session, the same link
    assert len(calls) == 6


def test_a_sweep_over_the_work_limit_is_refused_before_it_runs_and_the_last_view_stays():
    at = app(ESCAPE)
    before = shown_sweep(at)
    widget(at, "settings.max_work").set_value(1000).run()
    widget(at, "es.runs").set_value(31).run()
    assert_clean(at)
    assert any("more than the limit of 1,000" in shown(e) for e in at.error)
    assert shown_sweep(at) == before and widget(at, "es.runs").value == 31


PHASE = {**ESCAPE, "axis2": "lr", "values2": "0.02, 0.05, 0.1"}
LABELS = ["Adam", "Adam+SAM", "Adam+CM"]  # lr is swept: the labels leave it out


def phase_panels(at) -> list[dict]:
    """The phase diagram's panels, a Vega-Lite chart per optimizer (the survival plot follows them)."""
    return [chart for chart in charts(at) if chart["data"]["values"] and "kind" in chart["data"]["values"][0]]


def cells_of(panels: list[dict]) -> list[dict]:
    return [row for panel in panels for row in panel["data"]["values"] if row["kind"] == "cell"]


def kick_of(panels: list[dict]) -> list[dict]:
    return [row for panel in panels for row in panel["data"]["values"] if row["kind"] == "kick"]


def marks(panel: dict) -> list[str]:
    return [part["mark"]["type"] for part in panel["layer"]]


def radius_of(panels: list[dict]) -> list[dict]:
    return [row for panel in panels for row in panel["data"]["values"] if row["kind"] == "radius"]


def dashes(panel: dict) -> list[list[int]]:
    """The dash of each boundary line drawn on a panel: [6, 3] the kick law's, [1, 3] the radius law's."""
    return [part["mark"]["strokeDash"] for part in panel["layer"] if "strokeDash" in part["mark"]]


def test_a_phase_diagram_from_a_link_has_a_cell_per_optimizer_and_pair_of_values():
    at = app(PHASE)
    assert_clean(at)
    assert not at.error and not at.warning
    assert widget(at, "es.axis2").value == "lr" and widget(at, "es.values2").value == "0.02, 0.05, 0.1"
    panels = phase_panels(at)  # the phase diagram replaces the escape curve; the survival curves follow
    assert len(charts(at)) == 4 and charts(at)[-1]["encoding"]["x"]["field"] == "step"
    assert [panel["title"]["text"] for panel in panels] == LABELS  # a panel per optimizer
    assert all(set(marks(panel)) >= {"rect", "text"} for panel in panels)
    assert all({row["optimizer"] for row in panel["data"]["values"]} == {panel["title"]["text"]} for panel in panels)
    cells = cells_of(panels)
    assert sorted((row["optimizer"], row["x_text"], row["y_text"]) for row in cells) == sorted(
        (label, x, y) for label in LABELS for x in ("4", "16") for y in ("0.02", "0.05", "0.1"))
    table = escape_view(at).table
    assert len(table.rows) == 18
    for row in table.rows:
        [cell] = [c for c in cells if c["optimizer"] == LABELS[["adam", "adam_sam", "adam_cm"].index(row["optimizer"])]
                  and c["x"] == row["sharpness"] and c["y"] == row["lr"]]
        assert cell["shade"] == row["escape_rate"] and cell["x_low"] < cell["x"] < cell["x_high"]
        assert cell["interval"] == f"{percent(row['ci_low'])} to {percent(row['ci_high'])}"
        assert cell["escaped"].startswith(f"{row['escaped']} of 30")
    [tooltip] = {json.dumps(part["encoding"]["tooltip"]) for panel in panels for part in panel["layer"]
                 if part["mark"]["type"] == "rect"}
    assert [tip["title"] for tip in json.loads(tooltip)] == [
        "optimizer", "sharpness", "lr", "escape rate", "95% interval", "escaped", "median escape step",
        "mean escape step"]
    assert {"sharpness", "lr"} <= set(rows(at).columns) and len(rows(at)) == 18
    assert widget(at, "es.survival").options[0] == "sharpness = 4, lr = 0.02"
    assert sample_selector(at).options[0] == "Adam at sharpness = 4, lr = 0.02"
    again = app(link_of(at))
    assert link_of(again) == link_of(at) and rows(again).equals(rows(at))


def test_the_kick_laws_boundary_is_drawn_for_adam_cm_on_two_basin_over_lr_and_sharpness():
    from experiments.theory import kick_escape_lr

    at = app(PHASE)
    panels = phase_panels(at)
    kick = kick_of(panels)
    assert {row["optimizer"] for row in kick} == {"Adam+CM"}  # neither Adam nor Adam+SAM has a kick
    assert [(row["x"], row["y"]) for row in kick] == [
        (s, kick_escape_lr(f"two_basin:sharpness={s}", "adam_cm:lr=0.05")) for s in (4, 16)]
    assert ["line" in marks(panel) for panel in panels] == [False, False, True]
    assert [dashes(panel) for panel in panels] == [[], [], [[6, 3], [1, 3]]]  # the radius law's beside the kick's
    assert any("kick law" in shown(caption) for caption in at.caption)
    flipped = phase_panels(app({**ESCAPE, "axis": "lr", "values": "0.02, 0.05, 0.1", "axis2": "sharpness",
                                "values2": "4, 16"}))  # lr across, sharpness up: the same law, its axes swapped
    assert [(row["x"], row["y"]) for row in kick_of(flipped)] == [(y, x) for x, y in
                                                                     [(row["x"], row["y"]) for row in kick]]


@pytest.mark.parametrize("change", [
    {"optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05,first_step=step"]},  # the first step is not held
    {"optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05,noise=0.01"]},  # noisy gradients
    {"axis2": "top_c", "values2": "1, 5"},  # not lr against sharpness
    {"axis": "depth", "values": "0, 0.5"},  # lr against the depth
])
def test_the_kick_laws_boundary_is_absent_where_the_law_does_not_apply(change):
    at = app({**PHASE, **change})
    assert_clean(at)
    assert not at.warning
    panels = phase_panels(at)
    assert len(cells_of(panels)) == len(escape_view(at).table.rows) and not kick_of(panels)
    assert not any([6, 3] in dashes(panel) for panel in panels)
    assert not any("kick law" in shown(caption) for caption in at.caption)


def test_the_radius_laws_boundary_is_drawn_for_adam_cm_with_or_without_its_kick():
    from experiments.theory import radius_escape_lr

    at = app({**PHASE, "optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05,first_step=step"]})
    radius = radius_of(phase_panels(at))
    assert {row["optimizer"] for row in radius} == {"Adam+CM (first_step=step)"} and not kick_of(phase_panels(at))
    assert [row["x"] for row in radius] == [4, 16]
    spec = "adam_cm:lr=0.05,first_step=step"
    assert [row["y"] for row in radius] == [radius_escape_lr(f"two_basin:sharpness={s}", spec) for s in (4, 16)]


def test_the_radius_laws_measurement_is_counted_with_the_diagram_until_it_is_measured():
    from experiments.theory import radius_law

    spec = "adam_cm:lr=0.05,decay=0.71"  # a law no other test measures: the shared cache does not hold it yet
    law = radius_law.cost(escape_lab.per_lr_spec(spec)).units
    at = app({**ESCAPE, "optimizer": ["adam:lr=0.05", spec], "steps": "57"})
    assert_clean(at)
    widget(at, "settings.max_work").set_value(int(law) - 1).run()
    widget(at, "es.axis2").set_value("lr").run()  # the diagram draws the radius law's boundary: it must measure it
    assert_clean(at)
    assert any("the radius law's measurement" in shown(e) and f"limit of {int(law) - 1:,}" in shown(e)
               for e in at.error)
    assert not escape_lab.radius_reach.holds(escape_lab.per_lr_spec(spec))
    widget(at, "settings.max_work").set_value(10**8).run()
    assert_clean(at)
    assert not at.error and radius_of(phase_panels(at))
    assert escape_lab.radius_reach.holds(escape_lab.per_lr_spec(spec))  # once, at lr=1, for every lr swept
    widget(at, "settings.max_work").set_value(int(law) - 1).run()
    widget(at, "es.runs").set_value(31).run()  # a new sweep: the law, measured, is not counted again
    assert_clean(at)
    assert not at.error and radius_of(phase_panels(at))


def test_the_phase_diagrams_measure_is_chosen_beside_it_and_named_in_the_link():
    at = app(PHASE)
    assert "cells" not in at.query_params  # the default is not written out
    widget(at, "es.cells").set_value("median_escape_step").run()
    assert_clean(at)
    assert at.query_params["cells"] == "median_escape_step"
    assert not at.sidebar and not at.dataframe  # only the diagram and the link ran
    panels = charts(at)
    assert len(panels) == 3  # the diagram's panels alone
    table = escape_view(at).table
    medians = [row["median_escape_step"] for row in table.rows]
    assert sorted(row["shade"] for row in cells_of(panels) if row["shade"] is not None and row["shade"] == row["shade"]
                  ) == sorted(m for m in medians if m == m)
    assert any(m != m for m in medians)  # some never reached half: their cells are undefined (grey)
    coloured = [part for part in panels[0]["layer"] if "color" in part["encoding"]
                and part["encoding"]["color"].get("field") == "shade"]
    assert coloured[0]["encoding"]["color"]["legend"]["title"].startswith("median escape step")
    again = app(link_of(at))
    assert widget(again, "es.cells").value == "median_escape_step"


BAD_PHASE_LINKS = [
    ({"axis2": "warp"}, "axis2"),  # an unknown knob
    ({"axis2": "sharpness"}, "axis2"),  # the first axis twice
    ({"axis": "none", "axis2": "lr"}, "axis2"),  # a second axis without a first
    ({"values2": ", ".join(str(0.01 * (i + 1)) for i in range(25))}, "values2"),  # too many values
    ({"values2": "nan, 0.05"}, "values2"),
    ({"values2": "0.05, inf"}, "values2"),
]


@pytest.mark.parametrize("change, key", BAD_PHASE_LINKS)
def test_a_bad_phase_link_is_refused_in_one_sentence_without_a_traceback(change, key):
    at = app({**PHASE, **change})
    assert_clean(at)
    assert not at.error
    [notice] = [shown(w) for w in at.warning]
    assert notice.startswith(f"The link's {key}=") and notice.endswith(".")
    assert not re.search(r"[.;:] [A-Z]", notice.removesuffix(".")), notice  # one sentence
    assert "Traceback" not in notice and "Error" not in notice
    if key == "axis2":
        assert widget(at, "es.axis").value == ("none" if change.get("axis") == "none" else "sharpness")
        assert "axis2" not in at.query_params
    else:
        assert widget(at, "es.values2").value == "0.0125, 0.025, 0.05, 0.1, 0.2"  # around the optimizers' lr
        assert at.query_params["values2"] == "0.0125, 0.025, 0.05, 0.1, 0.2"


def test_markdown_in_a_phase_link_is_shown_as_text():
    at = app({**PHASE, "values2": "**bold** [a](https://example.com) :red[x]"})
    assert_clean(at)
    [warning] = at.warning
    assert "**bold** [a](https:\u200b//example.com) :red[x]" in shown(warning)  # the address is not a link
    assert "**bold**" not in warning.value and "](" not in warning.value and ":red[" not in warning.value
    at = app({**PHASE, "axis2": "_lr_ <b>"})
    [warning] = at.warning
    assert "'_lr_ <b>'" in shown(warning) and "_lr_" not in warning.value


def test_a_phase_sweep_over_the_work_limit_is_refused_whole_and_the_last_view_stays():
    from experiments.sweep import sweep
    from specs import SpecError

    lrs = [0.0125, 0.025, 0.05, 0.1, 0.2]  # the second axis's default values around lr = 0.05
    needed = {}
    for name, axes in (("one", {"sharpness": [4, 16]}), ("two", {"sharpness": [4, 16], "lr": lrs})):
        with pytest.raises(SpecError) as refused:
            sweep("two_basin", ["adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05"], axes, runs=30, steps=53,
                  max_work=1, predict=True)  # the page gives the kick law's share for Adam+CM on two_basin
        needed[name] = int(re.search(r"about ([\d,]+) run-steps", str(refused.value))[1].replace(",", ""))
    limit = 2 * needed["one"]
    assert needed["two"] > limit  # every combination counts: one sharpness axis fits, five lrs across it do not
    at = app({**ESCAPE, "steps": "53"})  # steps no other test uses: the phase sweep is not cached yet
    before = shown_sweep(at)
    widget(at, "settings.max_work").set_value(limit).run()
    widget(at, "es.axis2").set_value("lr").run()
    assert_clean(at)
    assert any(f"about {needed['two']:,} run-steps" in shown(e) and f"more than the limit of {limit:,}" in shown(e)
               for e in at.error)
    assert shown_sweep(at) == before and widget(at, "es.axis2").value == "lr"


# -- Basin map -----------------------------------------------------------------------------------------------------

def captions(at) -> list[str]:
    return [shown(caption) for caption in at.caption]


def test_basin_map_has_a_key_naming_every_basin_and_human_titles():
    at = app(BASINS)
    assert_clean(at)
    key = basin_key(build_landscape("goldstein_price"))
    texts = captions(at)
    for code, _, text in key:
        assert (text in texts) == (code >= 0)  # nothing diverged here: only the minima are named
    assert "★ a minimum, with its value f" in texts
    titles = [shown(element) for element in at.markdown if element.value.startswith("**")]
    assert titles == ["**gradient flow**", "**Adam**", "**Adam+CM**"]
    assert {"the landscape's own basins", "lr=0.05"} <= set(texts)


def test_basin_map_table_is_percentages_with_basin_names_as_columns():
    at = app(BASINS)
    table = rows(at)
    key = [text for _, _, text in basin_key(build_landscape("goldstein_price"))]
    assert list(table.columns) == ["map", *key]
    assert list(table["map"]) == ["gradient flow: the landscape's own basins", "Adam (lr=0.05)", "Adam+CM (lr=0.05)"]
    shares = table[key]
    assert shares.map(lambda cell: bool(PERCENT.match(cell))).all().all(), shares
    totals = shares.map(lambda cell: float(cell.rstrip("%"))).sum(axis=1)
    assert ((totals - 100).abs() < 0.1).all()


def map_view(at) -> basin_page.MapView:
    """The view the Basin map draws (its exact maps)."""
    return at.session_state[f"_{basin_page.PAGE}.shown"][1]


def map_pictures(at) -> list[str]:
    """The address of each map picture on the page, in order (the key's swatches are SVG, written into the page)."""
    return [url for image in at.get("image") for url in image.value if url.endswith(".png")]


def address(picture: bytes) -> str:
    """Where AppTest's media store serves `picture` (the address names a hash of the bytes)."""
    storage = MemoryMediaFileStorage("/mock/media")
    return storage.get_url(storage.load_and_get_id(picture, "image/png", MediaFileKind.MEDIA))


def near(image: np.ndarray, colour: str, tolerance: int = 2) -> int:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image[..., :3].astype(int) - rgb).max(axis=-1) <= tolerance).sum())


def test_each_map_spans_the_domain_with_equal_axes_minima_as_stars_and_the_palettes_basin_colours():
    at = app(BASINS)
    view = map_view(at)
    surface = build_landscape("goldstein_price")
    key = {code: colour for code, colour, _ in basin_key(surface)}
    assert map_pictures(at) == [address(basin_page.map_picture(view, index)) for index in range(3)]
    for index, found in enumerate(view.maps):
        ax = basin_page.map_figure(view, index).axes[0]
        assert ax.get_xlim() == (surface.domain.low[0], surface.domain.high[0])
        assert ax.get_ylim() == (surface.domain.low[1], surface.domain.high[1])
        assert ax.get_aspect() == 1 and (ax.get_xlabel(), ax.get_ylabel()) == ("", "")  # the ticks say x and y
        [grid] = ax.images
        np.testing.assert_array_equal(grid.get_array(), found.basins)
        assert [grid.cmap(grid.norm(code))[:3] for code in range(4)] == [
            tuple(int(key[code][i:i + 2], 16) / 255 for i in (1, 3, 5)) for code in range(4)]
        assert len([line for line in ax.lines if line.get_marker() == "*"]) == 4
        assert "f=3 global" in [text.get_text() for text in ax.texts]
        picture = np.asarray(Image.open(io.BytesIO(basin_page.map_picture(view, index))).convert("RGB"))
        assert picture.shape[1] == 2 * basin_page.MAP_WIDTH  # twice the width shown: sharp on any screen
        codes, counts = np.unique(found.basins, return_counts=True)
        for code, count in zip(codes, counts):  # each basin's colour covers about its share of the picture
            assert near(picture, key[int(code)]) >= 0.2 * count / found.basins.size * picture[..., 0].size, code


def test_the_maps_on_screen_are_the_png_downloads_panels():
    view = map_view(app(BASINS))
    download = basin_map_figure(list(view.maps), view.surface, titles=view.title_lines())
    for index, panel in enumerate(download.axes):
        shown_ax = basin_page.map_figure(view, index).axes[0]
        np.testing.assert_array_equal(shown_ax.images[0].get_array(), panel.images[0].get_array())
        assert shown_ax.images[0].get_extent() == panel.images[0].get_extent()
        assert list(shown_ax.collections[0].levels) == list(panel.collections[0].levels)  # the same contour lines
        assert [(text.get_text(), text.xy, text.get_ha()) for text in shown_ax.texts] == [
            (text.get_text(), text.xy, text.get_ha()) for text in panel.texts]
        assert (shown_ax.get_xlim(), shown_ax.get_ylim()) == (panel.get_xlim(), panel.get_ylim())
    right = [text for text in download.axes[0].texts if text.xy[0] > 0]
    assert right and all(text.get_ha() == "right" for text in right)  # labelled towards the middle, inside the map


def test_basin_map_follows_the_landscape_an_optimizer_and_a_hyperparameter():
    at = app(BASINS)
    before = rows(at)
    widget(at, "bm.O1.adam_cm.lr").set_value(0.01).run()
    assert not rows(at).iloc[2, 1:].equals(before.iloc[2, 1:])
    assert rows(at)["map"][2] == "Adam+CM (lr=0.01)"
    widget(at, "bm.O0.name").set_value("adam_sam").run()
    assert rows(at)["map"][1].startswith("Adam+SAM")
    widget(at, "bm.landscape").set_value("himmelblau").run()
    assert_clean(at)
    assert "himmelblau" in str(at.query_params["landscape"])
    assert len(rows(at).columns) == 1 + 4 + 2  # four minima, none, diverged


def test_basin_map_link_round_trip_and_bad_values():
    at = app(BASINS)
    again = app(link_of(at))
    assert rows(again).equals(rows(at))
    bad = app({**BASINS, "resolution": "1e9", "landscape": "ackley:dim=7"})
    assert_clean(bad)
    notices = " ".join(shown(w) for w in bad.warning)
    assert "resolution" in notices and "dim" in notices


def test_a_map_is_computed_once_and_only_the_missing_maps_count_against_the_limit(monkeypatch):
    calls = []
    for name in ("basin_map", "flow_map"):
        original = getattr(basin_page, name)
        counted = lambda *args, _f=original, **kwargs: calls.append(1) or _f(*args, **kwargs)
        monkeypatch.setattr(basin_page, name, functools.wraps(original)(counted))  # its declared cost kept
    link = {**BASINS, "steps": "47"}  # steps no other test uses: the optimizers' maps are not cached yet
    at = app(link)
    first = len(calls)
    assert first >= 2
    widget(at, "nav.page").set_value("learn").run()
    widget(at, "nav.page").set_value("basins").run()
    widget(at, "settings.max_work").set_value(1000).run()  # the maps shown are computed: nothing to refuse
    assert not at.error and len(calls) == first
    app(link)
    assert len(calls) == first
    widget(at, "bm.O1.adam_cm.lr").set_value(0.02).run()  # a new map over the limit: refused, the rest kept
    assert any("more than the limit of 1,000" in shown(e) for e in at.error)
    assert len(calls) == first and rows(at)["map"][2] == "Adam+CM (lr=0.05)"
    widget(at, "settings.max_work").set_value(10**8).run()
    assert len(calls) == first + 1 and rows(at)["map"][2] == "Adam+CM (lr=0.02)"  # only that map


@pytest.mark.parametrize("page, params", [("escape", ESCAPE), ("basins", BASINS)])
def test_download_buttons_have_text_and_a_tooltip(page, params):
    at = app(params)
    buttons = at.get("download_button")
    assert buttons and all(button.proto.label and button.proto.help for button in buttons)


def test_marking_the_starts_carried_out_is_a_display_change_in_the_link(monkeypatch):
    calls = []
    original = basin_page.basin_map
    monkeypatch.setattr(basin_page, "basin_map", lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs))
    at = app(BASINS)
    computed, before = len(calls), map_pictures(at)
    widget(at, "bm.left").set_value(True).run()
    assert_clean(at)
    assert at.query_params["left"] == "true" and len(calls) == computed
    assert not at.sidebar and not at.dataframe and "left=true" in at.code[0].value  # only the maps and the link ran
    view = map_view(at)
    after = map_pictures(at)
    assert after[0] == before[0] and after[1:] != before[1:]  # the flow's map is the reference: nothing washed out
    assert after == [address(basin_page.map_picture(view, index, left=True)) for index in range(3)]
    for index, found in enumerate(view.maps[1:], start=1):
        _, wash = basin_page.map_figure(view, index, left=True).axes[0].images
        stayed = found.basins == view.maps[0].basins
        assert stayed.any() and np.array_equal(wash.get_array()[..., 3] > 0, stayed)
    again = app(link_of(at))
    assert widget(again, "bm.left").value is True


def test_a_landscape_without_the_default_basin_or_axis_opens_without_a_notice():
    at = app({"page": "escape", "runs": "30", "steps": "60", "landscape": "custom:formula=(x**2-1)**2 + 5*y**2"})
    assert_clean(at)
    assert not at.warning and not at.error
    assert widget(at, "es.basin").value == "sharpest" and widget(at, "es.axis").value == "none"


# -- Escape lab: equal step lengths and the kick law ----------------------------------------------------------------

MATCHED = {"page": "escape", "optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05"], "values": "8, 16", "runs": "30",
           "steps": "40", "match": "true"}  # two_basin, sharpness swept to 16
MATCHED_LABEL = "Adam at Adam+CM's step"


def matched_sweep(**extra):
    from experiments.sweep import sweep

    return sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], "sharpness", [8, 16], runs=30, steps=40,
                 match_step="adam_cm:lr=0.05", **extra)


def test_equal_step_lengths_add_the_matched_row_to_the_table_the_curves_and_the_downloads():
    at = app(MATCHED)
    assert_clean(at)
    assert not at.error and not at.warning
    assert widget(at, "es.match").value is True and at.query_params["match"] == "true"
    table = rows(at)
    mine = table[table["optimizer"] == MATCHED_LABEL]
    expected = [row for row in matched_sweep().rows if row["matched_to"]]
    assert [row["matched_lr"] for row in escape_view(at).table.rows if row["matched_to"]] == [
        row["matched_lr"] for row in expected]  # the sweep's own matching, exactly
    assert list(mine["lr used"]) == [f"{row['matched_lr']:.3g}" for row in expected]
    assert list(mine["sharpness"]) == ["8", "16"]
    assert list(table[table["optimizer"] == "Adam (lr=0.05)"]["lr used"]) == ["0.05", "0.05"]
    assert list(table["optimizer"]) == ["Adam (lr=0.05)", "Adam+CM (lr=0.05)", MATCHED_LABEL] * 2  # beside its cell
    curve, survival = charts(at)
    labels = ["Adam (lr=0.05)", "Adam+CM (lr=0.05)", MATCHED_LABEL]
    assert curve["encoding"]["color"]["scale"]["domain"] == labels
    shade = palette.styles_for(["adam", "adam_cm", "adam"])[2]  # a second Adam: a shade of Adam's blue, its dash
    assert curve["encoding"]["color"]["scale"]["range"][2] == shade.colour != palette.BLUE
    assert [row["value"] for row in curve["data"]["values"] if row["optimizer"] == MATCHED_LABEL] == [8, 16]
    assert MATCHED_LABEL in {row["optimizer"] for row in survival["data"]["values"]}
    csv = escape_lab.labelled_survival_csv(escape_view(at))
    assert f"{MATCHED_LABEL} at sharpness = 16,adam at adam_cm's step,16.0,1," in csv
    assert f"\n{MATCHED_LABEL} at sharpness = 8," in escape_lab.labelled_csv(escape_view(at))


def test_turning_equal_step_lengths_off_removes_the_matched_rows():
    at = app(MATCHED)
    widget(at, "es.match").set_value(False).run()
    assert_clean(at)
    assert MATCHED_LABEL not in set(rows(at)["optimizer"]) and "lr used" not in rows(at).columns
    curve, survival = charts(at)
    assert MATCHED_LABEL not in curve["encoding"]["color"]["scale"]["domain"]
    assert MATCHED_LABEL not in {row["optimizer"] for row in survival["data"]["values"]}
    assert MATCHED_LABEL not in escape_lab.labelled_survival_csv(escape_view(at))
    assert "match" not in at.query_params


def test_equal_step_lengths_work_in_the_phase_diagram_a_panel_of_their_own():
    at = app({**MATCHED, "values": "16", "axis2": "lr", "values2": "0.05, 0.1"})
    assert_clean(at)
    titles = [chart["title"]["text"] for chart in charts(at)[:3]]
    assert titles == ["Adam", "Adam+CM", MATCHED_LABEL]
    used = list(rows(at)[rows(at)["optimizer"] == MATCHED_LABEL]["lr used"])
    assert len(used) == 2 and used[0] != used[1]  # matched to Adam+CM at each swept lr


@pytest.mark.parametrize("optimizers, reason", [
    (["adam:lr=0.05", "adam_sam:lr=0.05"], "no optimizer shown has a memory buffer"),
    (["adam_cm:lr=0.05", "adam_sam_cm:lr=0.05"], "every optimizer shown has a memory buffer")])
def test_equal_step_lengths_are_disabled_with_the_reason_when_nothing_can_be_matched(optimizers, reason):
    at = app({**MATCHED, "optimizer": optimizers, "match": "false"})
    assert_clean(at)
    toggle = widget(at, "es.match")
    assert toggle.disabled and toggle.value is False
    assert any(reason in shown(caption) for caption in at.caption)
    assert not at.error and not at.warning


BAD_MATCH_LINKS = [
    ({"match": "maybe"}, "must be true or false"),
    ({"match": "true", "optimizer": ["adam:lr=0.05", "adam_sam:lr=0.05"]}, "no optimizer shown has a memory buffer"),
]


@pytest.mark.parametrize("change, reason", BAD_MATCH_LINKS)
def test_a_bad_match_link_is_refused_in_one_sentence_without_a_traceback(change, reason):
    at = app({**MATCHED, **change})
    assert_clean(at)
    assert not at.error
    [notice] = [shown(w) for w in at.warning]
    assert notice.startswith("The link's match=") and notice.endswith(".") and reason in notice
    assert not re.search(r"[.;:] [A-Z]", notice.removesuffix(".")), notice  # one sentence
    assert "Traceback" not in notice and "Error" not in notice
    assert widget(at, "es.match").value is False and "match" not in at.query_params
    assert MATCHED_LABEL not in set(rows(at)["optimizer"])


def test_markdown_in_a_match_link_is_shown_as_text():
    at = app({**MATCHED, "match": "**bold** [a](https://example.com) :red[x]"})
    assert_clean(at)
    [warning] = at.warning
    assert "**bold** [a](https:\u200b//example.com) :red[x]" in shown(warning)  # the address is not a link
    assert "**bold**" not in warning.value and "](" not in warning.value and ":red[" not in warning.value


def test_the_kick_laws_share_out_by_step_2_is_beside_the_measured_one_for_adam_cm_only():
    at = app({**MATCHED, "match": "false"})
    assert_clean(at)
    table = rows(at)
    columns = list(table.columns)
    assert columns[columns.index("out by step 2") + 1] == "out by step 2 (kick law)"
    predicted = [row["predicted_out_by_2"] for row in matched_sweep(predict=True).rows if not row["matched_to"]]
    assert [row["predicted_out_by_2"] for row in escape_view(at).table.rows] == predicted  # the sweep's, exactly
    assert list(table["out by step 2 (kick law)"]) == [percent(p) for p in predicted]
    assert list(table[table["optimizer"] == "Adam (lr=0.05)"]["out by step 2 (kick law)"]) == ["—", "—"]
    assert all(PERCENT.match(text) for text in table[table["optimizer"] == "Adam+CM (lr=0.05)"][
        "out by step 2 (kick law)"])
    curve, _ = charts(at)
    assert {"field": "kick_text", "title": "out by step 2 (kick law)"} in layer(curve, "point")["encoding"]["tooltip"]
    cm = [row for row in curve["data"]["values"] if row["optimizer"] == "Adam+CM (lr=0.05)"]
    assert [row["kick_text"] for row in cm] == [percent(p) for p in predicted[1::2]]


def test_without_an_optimizer_the_kick_law_covers_the_table_has_no_prediction():
    at = app({**MATCHED, "optimizer": ["adam:lr=0.05", "adam_sam:lr=0.05"], "match": "false"})
    assert_clean(at)
    assert "out by step 2 (kick law)" not in rows(at).columns
    assert "predicted_out_by_2" not in escape_view(at).table.columns


@pytest.mark.parametrize(("page", "prefix"), [("explorer", "ex"), ("escape", "es"), ("basins", "bm")])
def test_knobs_that_hold_alone_but_not_together_are_said_beside_the_optimizer_never_raised(page, prefix):
    """Adam+CM's replacement=legacy_slot0 needs a norm priority: each value passes its own field's check, the pair is
    refused when the optimizer is built. The page says so beside the optimizer and keeps the last view (found by
    the Escape lab's state machine, where it raised)."""
    at = app({"page": page, "optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05"], "steps": "40"})
    slot = next(w.key.rsplit(".", 1)[0] for w in at.selectbox if w.key and w.key.endswith("adam_cm.priority"))
    widget(at, f"{slot}.priority").set_value("random").run()
    widget(at, f"{slot}.replacement").set_value("legacy_slot0").run()
    assert_clean(at)
    said = [shown(e) for e in at.sidebar.error]
    assert any("replacement=legacy_slot0" in text and "priority must be" in text for text in said), said
    assert any("Fix the marked input" in c.value for c in at.caption), [c.value for c in at.caption]
    assert "legacy_slot0" not in link_of(at)["optimizer"][1]  # the link names the view kept
