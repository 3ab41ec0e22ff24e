"""The Escape lab and Basin map pages through AppTest: default render, controls change the results, the link
restores the view, and bad link values fall back with a notice."""

from __future__ import annotations

import numpy as np

from tests.test_app import app, assert_clean, shown, widget

ESCAPE = {"page": "escape", "runs": "30", "steps": "60", "values": "4, 16"}
BASINS = {"page": "basins", "resolution": "10", "steps": "60"}


def rows(at):
    return at.dataframe[0].value


def test_escape_lab_default_view_has_a_curve_a_table_and_sample_trajectories():
    at = app(ESCAPE)
    assert_clean(at)
    assert not at.error
    table = rows(at)
    assert list(table["sharpness"].unique()) == [4.0, 16.0]
    assert set(table["optimizer"]) == {"adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05"}
    assert ((table["ci_low"] <= table["escape_rate"]) & (table["escape_rate"] <= table["ci_high"])).all()
    assert len(at.get("plotly_chart")) == 1  # the escape curve (the sample trajectories play in the player)
    assert [b for b in at.get("download_button") if b.proto.label == "table CSV"]


def test_escape_lab_results_follow_the_landscape_the_optimizer_and_a_hyperparameter():
    at = app(ESCAPE)
    first = rows(at)
    widget(at, "es.L.two_basin.depth").set_value(0.5).run()
    after_landscape = rows(at)
    widget(at, "es.O2.adam_cm.lr").set_value(0.2).run()
    after_lr = rows(at)
    widget(at, "es.O0.name").set_value("sgd").run()
    after_optimizer = rows(at)
    assert_clean(at)
    assert "two_basin:depth=0.5" in str(at.query_params["landscape"])
    assert not np.allclose(first["final_loss_mean"], after_landscape["final_loss_mean"])
    assert list(after_lr["optimizer"])[2] == "adam_cm:lr=0.2"
    assert not np.allclose(after_landscape["distance_median"][2::3], after_lr["distance_median"][2::3])
    assert list(after_optimizer["optimizer"])[0].startswith("sgd")
    assert not np.allclose(after_lr["distance_median"][0::3], after_optimizer["distance_median"][0::3])


def test_escape_lab_sweeps_an_optimizer_hyperparameter():
    at = app(ESCAPE)
    widget(at, "es.axis").set_value("lr").run()
    assert_clean(at)
    assert widget(at, "es.values").value == "0.0125, 0.025, 0.05, 0.1, 0.2"
    assert len(rows(at)) == 15


def test_escape_lab_link_round_trip():
    at = app(ESCAPE)
    widget(at, "es.basin").set_value("flat").run()
    widget(at, "es.seed").set_value(7).run()
    link = {key: at.query_params[key] for key in at.query_params}
    again = app(link)
    assert_clean(again)
    assert {key: again.query_params[key] for key in again.query_params} == link
    assert rows(again).equals(rows(at))


def test_escape_lab_bad_link_values_fall_back_with_notices():
    at = app({**ESCAPE, "basin": "nowhere", "axis": "warp", "values": "a,b", "runs": "-3"})
    assert_clean(at)
    notices = " ".join(shown(w) for w in at.warning)
    for fragment in ("basin", "axis", "runs"):
        assert fragment in notices
    assert widget(at, "es.axis").value == "sharpness"


def test_basin_map_default_view_and_its_table():
    at = app(BASINS)
    assert_clean(at)
    table = rows(at)
    assert list(table["map"]) == ["gradient flow (the basins)", "adam:lr=0.05", "adam_cm:lr=0.05"]
    fractions = table.drop(columns="map").sum(axis=1)
    assert ((fractions - 1).abs() < 1e-12).all()


def test_basin_map_follows_the_landscape_an_optimizer_and_a_hyperparameter():
    at = app(BASINS)
    before = rows(at)
    widget(at, "bm.O1.adam_cm.lr").set_value(0.01).run()
    assert not rows(at).iloc[2, 1:].equals(before.iloc[2, 1:])
    widget(at, "bm.O0.name").set_value("adam_sam").run()
    assert rows(at)["map"][1].startswith("adam_sam")
    widget(at, "bm.landscape").set_value("himmelblau").run()
    assert_clean(at)
    assert "himmelblau" in str(at.query_params["landscape"])
    assert len(rows(at).columns) == 1 + 4 + 2  # four minima, none, diverged


def test_basin_map_link_round_trip_and_bad_values():
    at = app(BASINS)
    link = {key: at.query_params[key] for key in at.query_params}
    again = app(link)
    assert rows(again).equals(rows(at))
    bad = app({**BASINS, "resolution": "1e9", "landscape": "ackley:dim=7"})
    assert_clean(bad)
    notices = " ".join(shown(w) for w in bad.warning)
    assert "resolution" in notices and "dim" in notices
