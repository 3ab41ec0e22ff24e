"""The Streamlit app through AppTest: every page draws without an exception, controls change the results, the URL
restores the view, and bad links fall back to defaults with a notice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from export import palette
from ui.pages import learn

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def shown(notice) -> str:
    """A notice's text as the reader sees it: the page escapes every punctuation mark so nothing renders as Markdown."""
    return re.sub(r"\\(.)", r"\1", notice.value)
SMALL = {"page": "explorer", "steps": "40"}  # keeps each run of the script short


def app(params: dict | None = None) -> AppTest:
    """The app, run once, opened with the link parameters `params`."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(at: AppTest, key: str):
    for kind in ("selectbox", "number_input", "radio", "toggle", "text_input", "text_area", "checkbox",
                 "select_slider", "button", "button_group"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def table(at: AppTest):
    return at.dataframe[0].value


def test_explorer_default_view_draws_the_player_and_one_row_per_run():
    at = app(SMALL)
    assert_clean(at)
    assert not at.error
    assert not at.get("plotly_chart")  # the map is the trajectory player, not a plotly figure
    rows = table(at)
    assert len(rows) == 9  # three optimizers from three preset starts
    assert set(rows["optimizer"]) == {"Adam (lr=0.05)", "Adam+SAM (lr=0.05)", "Adam+CM (lr=0.05)"}
    assert (rows["status"] == "ran every step").all()
    assert "two_basin:sharpness=16" in str(at.query_params["landscape"])  # the sharp-basin demo: the paper's point


def test_changing_the_landscape_changes_the_results():
    at = app(SMALL)
    before = table(at)["final loss"].to_numpy()
    widget(at, "ex.landscape").set_value("himmelblau").run()
    assert_clean(at)
    after = table(at)["final loss"].to_numpy()
    assert not np.allclose(before, after, equal_nan=True)
    assert "himmelblau" in str(at.query_params["landscape"])


def test_changing_an_optimizer_changes_the_results():
    at = app(SMALL)
    before = table(at)
    widget(at, "ex.O0.name").set_value("adam_cg").run()
    assert_clean(at)
    after = table(at)
    assert after["optimizer"].iloc[0].startswith("Adam+CG")
    assert not np.allclose(before["final loss"][:3], after["final loss"][:3])


def test_switching_an_optimizer_keeps_the_hyperparameters_they_share():
    at = app(SMALL)
    widget(at, "ex.O0.name").set_value("adam_cm").run()
    assert widget(at, "ex.O0.adam_cm.lr").value == pytest.approx(0.05)


def test_switching_an_optimizer_keeps_a_knob_only_where_it_means_the_same():
    at = app(SMALL)
    widget(at, "ex.O0.adam.b2").set_value(0.95).run()
    widget(at, "ex.O0.name").set_value("lion").run()
    assert_clean(at)
    assert widget(at, "ex.O0.lion.lr").value == pytest.approx(0.05)  # a step size in both
    assert widget(at, "ex.O0.lion.b2").value == pytest.approx(0.99)  # Lion's momentum decay, not Adam's second moment's


def test_changing_a_hyperparameter_changes_the_results_and_the_link():
    at = app(SMALL)
    before = table(at)["final loss"][:3].to_numpy()
    widget(at, "ex.O0.adam.lr").set_value(0.01).run()
    assert_clean(at)
    assert not np.allclose(before, table(at)["final loss"][:3].to_numpy())
    assert "adam:lr=0.01" in at.query_params["optimizer"]


def test_the_log_slider_and_the_exact_box_stay_in_step_and_show_the_value_used():
    at = app(SMALL)
    widget(at, "ex.O1.adam_sam.lr.scale").set_value(0.002).run()
    assert widget(at, "ex.O1.adam_sam.lr").value == pytest.approx(0.002)
    widget(at, "ex.O1.adam_sam.lr").set_value(0.0031).run()
    slider = widget(at, "ex.O1.adam_sam.lr.scale")
    assert (slider.value == 0.0031 and 0.0031 in slider.options) or "0.0031" in slider.options
    assert "adam_sam:lr=0.0031" in at.query_params["optimizer"]


@pytest.mark.parametrize("page, link, key, value", [
    ("explorer", {"landscape": "two_basin:sharpness=16"}, "ex.L.two_basin.sharpness.scale", 16.0),
    ("explorer", {"landscape": "custom:extent=3"}, "ex.L.custom.extent.scale", 3.0),
    ("escape", {"landscape": "two_basin"}, "es.L.two_basin.sharpness.scale", 8.0),
])
def test_a_log_slider_shows_exactly_the_number_in_use(page, link, key, value):
    at = app({"page": page, "steps": "20", "runs": "10", **link})
    assert_clean(at)
    assert widget(at, key).value == value


def test_a_link_restores_the_same_view():
    at = app(SMALL)
    widget(at, "ex.landscape").set_value("two_basin").run()
    widget(at, "ex.L.two_basin.sharpness").set_value(16.0).run()
    widget(at, "ex.O2.adam_cm.top_c").set_value(3).run()
    widget(at, "ex.starts").set_value("random").run()
    widget(at, "ex.runs").set_value(4).run()
    widget(at, "ex.view").set_value("surface").run()
    assert_clean(at)
    assert at.get("plotly_chart")  # the 3-D surface
    link = {key: at.query_params[key] for key in at.query_params}
    again = app(link)
    assert_clean(again)
    assert {key: again.query_params[key] for key in again.query_params} == link
    assert widget(again, "ex.L.two_basin.sharpness").value == 16.0
    assert widget(again, "ex.O2.adam_cm.top_c").value == 3
    assert widget(again, "ex.view").value == "surface"
    assert table(again).equals(table(at))


def test_invalid_link_values_fall_back_to_defaults_with_a_notice():
    at = app({"page": "explorer", "landscape": "moon:craters=3", "optimizer": ["adam:lr=-1", "warp_drive"],
              "steps": "many", "starts": "points", "points": "1,2;nan,3", "noise": "-4", "view": "<script>"})
    assert_clean(at)
    notices = " ".join(shown(w) for w in at.warning)
    for fragment in ("moon", "lr must be", "warp_drive", "steps", "points", "noise", "view"):
        assert fragment in notices
    assert widget(at, "ex.landscape").value == "two_basin"
    assert widget(at, "ex.O0.adam.lr").value == 0.001
    assert widget(at, "ex.steps").value == 300
    # The corrected state is what the link now says.
    assert "steps" not in at.query_params or at.query_params["steps"] == "300"


def test_a_formula_that_does_not_parse_in_a_link_falls_back_with_a_notice():
    at = app({**SMALL, "landscape": "custom:formula=__import__('os')"})
    assert_clean(at)
    assert widget(at, "ex.landscape").value == "two_basin"
    assert any("landscape" in shown(w) for w in at.warning)


def test_a_noise_set_in_an_optimizer_spec_becomes_the_pages_noise():
    at = app({**SMALL, "optimizer": ["adam:lr=0.05,noise=0.3", "adam_cm:lr=0.05"]})
    assert_clean(at)
    assert widget(at, "ex.noise").value == pytest.approx(0.3)
    assert at.query_params["noise"] == "0.3"


def test_an_unknown_page_falls_back_to_the_explorer_with_a_notice():
    at = app({"page": "admin", "steps": "40"})
    assert_clean(at)
    assert any("page" in shown(w) for w in at.warning)
    assert at.title[0].value == "Explorer"


def test_display_options_never_recompute_runs(monkeypatch):
    import ui.compute
    calls = []
    original = ui.compute.run

    def counting_run(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(ui.compute, "run", counting_run)
    at = app({**SMALL, "steps": "37"})  # steps no other test uses: nothing is cached yet
    assert len(calls) == 3
    widget(at, "ex.view").set_value("surface").run()
    widget(at, "ex.view").set_value("map").run()
    widget(at, "ex.follow").set_value((1, 2)).run()
    assert_clean(at)
    assert len(calls) == 3


def test_work_above_the_cap_is_refused_and_the_last_view_stays():
    at = app(SMALL)
    before = table(at)
    widget(at, "ex.O0.adam.lr").set_value(0.02).run()
    widget(at, "settings.max_work").set_value(100).run()
    assert_clean(at)
    assert any("more than the limit of 100" in shown(e) for e in at.error)
    assert table(at).equals(table(app({**SMALL, "optimizer": ["adam:lr=0.02", "adam_sam:lr=0.05",
                                                                "adam_cm:lr=0.05"]})))
    assert not table(at).equals(before)
    assert widget(at, "ex.O0.adam.lr").value == 0.02  # every setting kept


def test_diverged_runs_are_flagged_in_the_table_and_explained():
    at = app({**SMALL, "landscape": "goldstein_price", "optimizer": "sgd:lr=1"})
    assert_clean(at)
    assert table(at)["status"].str.match(r"diverged at step \d+").all()
    assert table(at)["final loss"].isna().all()
    assert any(shown(w).startswith("Every run stopped early: 3 diverged") for w in at.warning)


def test_an_input_error_keeps_every_other_setting_the_view_and_the_link():
    at = app(SMALL)
    widget(at, "ex.O2.adam_cm.top_c").set_value(3).run()
    widget(at, "ex.starts").set_value("points").run()
    shown_before, link_before = table(at), {key: at.query_params[key] for key in at.query_params}
    widget(at, "ex.points").input("1,2; oops").run()
    assert_clean(at)
    assert any("a point must be" in shown(e) for e in at.error)
    assert widget(at, "ex.O2.adam_cm.top_c").value == 3 and widget(at, "ex.points").value == "1,2; oops"
    assert table(at).equals(shown_before)  # the last view that ran
    assert {key: at.query_params[key] for key in at.query_params} == link_before  # and the link names it


def test_an_input_the_schema_refuses_is_reported_not_clamped():
    at = app(SMALL)
    widget(at, "ex.O0.adam.b1").set_value(1.0).run()  # b1 must be < 1
    assert_clean(at)
    assert any("b1 must be a number in [0, 1)" in shown(e) for e in at.error)


def test_adding_and_removing_optimizers():
    at = app(SMALL)
    widget(at, "ex.add").click().run()
    assert len(at.query_params["optimizer"]) == 4
    assert at.query_params["optimizer"][3] == "adam_sam_cm:lr=0.05"  # a kind not shown yet, at the page's lr
    assert (table(at)["status"] == "ran every step").all()
    widget(at, "ex.O0.remove").click().run()
    assert_clean(at)
    assert len(at.query_params["optimizer"]) == 3
    assert at.query_params["optimizer"][0] == "adam_sam:lr=0.05"


def chart_table(chart) -> pd.DataFrame:
    """A Learn lines chart's rows as a table: its x down, a column per series."""
    rows = pa.ipc.open_stream(chart.proto.data.data).read_pandas()
    return rows.pivot(index="x", columns="series", values="y")


def test_learn_page_shows_every_optimizer_and_a_demo_opens_the_explorer():
    at = app({"page": "learn"})
    assert_clean(at)
    assert at.title[0].value == "Learn"
    assert len(at.expander) >= 7
    assert at.latex
    assert not at.get("plotly_chart")  # the page's one chart is Vega-Lite, which ships with Streamlit
    kick, radius, edge = at.get("vega_lite_chart")  # one small figure per theory block, in order
    spec = json.loads(kick.proto.spec)
    labels = [label for label, _ in learn.KICK_VARIANTS]
    colour = spec["encoding"]["color"]["scale"]
    assert colour["domain"] == labels
    styles = palette.styles_for(["adam"] + ["adam_cm"] * 4)
    assert colour["range"] == [style.colour for style in styles] and len(set(colour["range"])) == 5
    [line, dots, hollow_dots, names] = spec["layer"]  # the filled markers, then the hollow ones above them
    dashes = line["encoding"]["strokeDash"]["scale"]["range"]
    assert dashes == [[1, 0], [1, 0], *([length * learn.LINE_WIDTH for length in s.dash] for s in styles[2:])]
    assert dots["encoding"]["shape"]["scale"]["range"] == ["circle", "circle", "square", "triangle-up", "diamond"]
    assert [row["series"] for row in names["data"]["values"]] == labels  # each line named at its end
    assert spec["encoding"]["x"]["axis"]["values"] == list(range(1, learn.KICK_STEPS + 1))
    lengths = chart_table(kick)[labels]
    np.testing.assert_allclose(lengths.to_numpy(), learn.kick_table().to_numpy())
    assert lengths.loc[2, labels[1]] == pytest.approx(7.44, abs=0.01)  # the authors' kick
    assert [entry["field"] for entry in dots["encoding"]["tooltip"]] == ["series", "x", "y"]
    assert hollow_dots["encoding"] == dots["encoding"] and hollow_dots["transform"] != dots["transform"]
    # the radius law: Adam+CM's rms distance is c(C) lr at every curvature from 0.1 to 1000; Adam's a few hundredths
    radii = chart_table(radius)
    assert list(radii.index) == list(learn.RADIUS_CURVATURES)
    for label, c in (("Adam+CM C=1", 3.162), ("Adam+CM C=5", 5.402), ("Adam+CM C=10", 7.214)):
        np.testing.assert_allclose(radii[label], c, rtol=0.03)
    assert radii["Adam"].max() < 0.06
    assert json.loads(radius.proto.spec)["encoding"]["x"]["scale"]["type"] == "log"
    # the edge against the reach: 2/(1+sqrt(s)); each optimizer's reach a flat line, Adam's far below the edge
    edges = chart_table(edge)
    np.testing.assert_allclose(edges["sharp basin's edge"], [2 / (1 + np.sqrt(s)) for s in learn.EDGE_SHARPNESS])
    reach = edges["Adam+CM C=5 reach at lr 0.05"]
    assert reach.nunique() == 1 and 0.3 < reach.iloc[0] < 0.4  # the radius law's reach, 6.86 lr
    assert edges["Adam reach at lr 0.05"].iloc[0] < edges["sharp basin's edge"].min()
    [reproduced] = [frame.value for frame in at.dataframe if "Command" in frame.value]  # published, measured again
    assert len(set(reproduced["Result"])) == 6 and reproduced["Command"].str.startswith("cmx ").all()
    [demo] = [b for b in at.button if b.key == "learn.demo.sharp-basin"]
    demo.click().run()
    assert_clean(at)
    assert at.title[0].value == "Explorer"
    assert "two_basin:sharpness=16" in str(at.query_params["landscape"])
    assert widget(at, "ex.L.two_basin.sharpness").value == 16.0
    assert "Adam and Adam+SAM stay there" in at.session_state["_explorer.shown"][1].payload["note"]


def test_switching_pages_keeps_each_pages_link():
    at = app(SMALL)
    widget(at, "ex.O0.adam.lr").set_value(0.02).run()
    widget(at, "nav.page").set_value("learn").run()
    assert at.title[0].value == "Learn"
    widget(at, "nav.page").set_value("explorer").run()
    assert_clean(at)
    assert "adam:lr=0.02" in at.query_params["optimizer"]


def test_a_custom_formula_is_a_landscape_and_a_bad_one_is_explained():
    at = app(SMALL)
    widget(at, "ex.landscape").set_value("custom").run()
    widget(at, "ex.L.custom.formula").input("(x - 1)**2 + 3*(y + 0.5)**2").run()
    assert_clean(at)
    assert "custom:formula=(x - 1)**2 + 3*(y + 0.5)**2" in str(at.query_params["landscape"])
    assert (table(at)["status"] == "ran every step").all()
    widget(at, "ex.L.custom.formula").input("__import__('os').system('true')").run()
    assert_clean(at)
    assert any("formula" in shown(e) for e in at.error)


def test_an_input_error_is_said_in_the_sidebar_and_moves_nothing_in_the_page():
    at = app(SMALL)
    widget(at, "ex.O0.adam.b1").set_value(1.0).run()  # b1 must be < 1: said beside it
    assert_clean(at)
    assert any("b1 must be" in shown(e) for e in at.sidebar.error)
    assert not at.main.error and not at.main.info  # no box above the figure pushes it down
    assert any("Fix the marked input (1 in the sidebar)" in shown(c) for c in at.main.caption)
