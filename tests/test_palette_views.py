"""Every view that draws series draws the palette's styles (export.palette): the player's payload, the PNG figures
and the GIF, the escape lab's curve and survival charts and Learn's kick chart, with each line named at its end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.run import run
from experiments.sweep import sweep
from export import palette
from export.figures import escape_curve_figure, trajectories_figure
from export.player import build_payload
from landscapes import build_landscape
from ui import drawing
from ui.pages import learn
from ui.pages.escape import charts
from ui.pages.escape import state as escape_state
from ui.pages.escape import view as escape_views
from ui.url_state import UrlReader

BUFFER_SIZES = ["adam_cm:lr=0.05,top_c=1", "adam_cm:lr=0.05", "adam_cm:lr=0.05,top_c=20"]


@pytest.fixture(scope="module")
def buffer_runs():
    surface = build_landscape("goldstein_price")
    return surface, {spec: run(surface, spec, np.array([[-1.4, -0.8]]), 30) for spec in BUFFER_SIZES}


def test_the_players_series_carry_their_colour_dash_marker_and_size(buffer_runs):
    surface, results = buffer_runs
    series = build_payload(surface, results)["series"]
    for part, style in zip(series, palette.styles_for(["adam_cm"] * 3)):
        assert (part["colour"], part["dash"], part["marker"], part["hollow"], part["marker_size"]) == (
            style.colour, list(style.dash), style.marker, style.hollow, style.size)
    assert len({(part["colour"], tuple(part["dash"]), part["marker"]) for part in series}) == 3


def test_a_trajectory_figure_ends_each_repeat_in_its_hollow_marker(buffer_runs):
    surface, results = buffer_runs
    figure = trajectories_figure(surface, results, resolution=20)
    styles = palette.styles_for(["adam_cm"] * 3)
    for ax, style in zip(figure.axes, styles):
        end = ax.lines[-2]  # draw_paths: the paths, the starts, the ends, the stops
        assert end.get_marker() == style.matplotlib_marker
        assert end.get_markeredgecolor() == (style.colour if style.hollow else "white")
        assert (end.get_markerfacecolor() == "none") == style.hollow


def test_the_escape_curves_markers_follow_the_palette_and_a_knobs_values_are_repeats_of_its_kind():
    table = sweep("two_basin", ["adam_cm:lr=0.05,top_c=1", "adam_cm:lr=0.05,top_c=5"], "sharpness", [2, 16],
                  runs=10, steps=20)
    ax = escape_curve_figure(table, "sharpness").axes[0]
    first, repeat = palette.styles_for(["adam_cm", "adam_cm"])
    lines = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert len(lines) == 2  # a line with markers per optimizer (its error bars are not in the legend)
    assert [line.get_marker() for line in lines] == [first.matplotlib_marker, repeat.matplotlib_marker]
    assert lines[1].get_markerfacecolor() == "none" and lines[1].get_color() == repeat.colour
    assert lines[0].get_linestyle() == "-" and lines[1].get_linestyle() == "--"  # the repeat's own dash


def test_labels_closer_than_the_gap_move_apart_around_their_mean_and_stay_within_bounds():
    assert drawing.spread([0.5, 0.1], 0.05, 0.0, 1.0) == [0.5, 0.1]  # far enough apart: where they are
    assert drawing.spread([0.5, 0.5], 0.1, 0.0, 1.0) == pytest.approx([0.45, 0.55])
    assert drawing.spread([0.0, 0.0, 0.0], 0.1, 0.0, 1.0) == pytest.approx([0.0, 0.1, 0.2])
    assert drawing.spread([1.0, 0.98, 0.5], 0.1, 0.0, 1.0) == pytest.approx([1.0, 0.9, 0.5])


def test_a_lines_name_drops_its_parameters_unless_they_tell_it_apart():
    assert drawing.short_labels(["Adam (lr=0.05)", "Adam+CM (lr=0.05)", "Adam at Adam+CM's step"]) == [
        "Adam", "Adam+CM", "Adam at Adam+CM's step"]
    assert drawing.short_labels(["Adam+CM (C=1, lr=0.05)", "Adam+CM (lr=0.05)", "Adam (lr=0.1)"]) == [
        "Adam+CM (C=1, lr=0.05)", "Adam+CM (lr=0.05)", "Adam"]


def escape_view(optimizers: list[str], match: bool = False) -> escape_views.EscapeView:
    read = escape_state.read_state(UrlReader({"page": "escape", "optimizer": optimizers, "values": "8, 16",
                                             "runs": "200", "steps": "40", "match": str(match).lower()}))
    return escape_views.compute_view(read, 10**9)


def layer_of(spec: dict, mark: str) -> dict:
    """The chart's first layer of that mark (the point marks: the filled ones; the hollow ones follow)."""
    return next(layer for layer in spec["layer"] if layer["mark"]["type"] == mark)


def test_equal_step_lengths_draw_five_series_in_five_looks_each_named_at_its_end():
    view = escape_view(["adam:lr=0.05", "adam_sam:lr=0.05", "adam_cm:lr=0.05"], match=True)
    assert len(view.labels) == 5  # Adam and Adam+SAM again, at Adam+CM's step
    spec = charts.escape_spec(view)
    styles = palette.styles_for(["adam", "adam_sam", "adam_cm", "adam", "adam_sam"])
    assert spec["encoding"]["color"]["scale"]["range"] == [s.colour for s in styles]
    dashes = layer_of(spec, "line")["encoding"]["strokeDash"]["scale"]["range"]
    filled, hollow = [layer for layer in spec["layer"] if layer["mark"]["type"] == "point"]
    shapes = filled["encoding"]["shape"]["scale"]["range"]
    for first, again in ((0, 3), (1, 4)):  # Adam, Adam+SAM and each again: another dash and marker
        assert dashes[first] != dashes[again] and shapes[first] != shapes[again]
    assert (filled["mark"]["filled"], hollow["mark"]["filled"]) == (True, False)  # the hollow ones drawn above
    assert "Adam at Adam+CM's step" in hollow["transform"][-1]["filter"]
    sizes = filled["encoding"]["size"]["scale"]["range"][:3]
    assert sizes == sorted(set(sizes), reverse=True)  # the filled points at one place nest
    names = layer_of(spec, "text")
    assert [row["optimizer"] for row in names["data"]["values"]] == list(view.labels)
    assert [row["name"] for row in names["data"]["values"]] == [
        "Adam", "Adam+SAM", "Adam+CM", "Adam at Adam+CM's step", "Adam+SAM at Adam+CM's step"]
    places = sorted(row["label_y"] for row in names["data"]["values"])
    gap = drawing.END_LABEL_GAP * 1.08 / charts.CURVE_HEIGHT  # the rate axis spans -0.04 to 1.04
    assert min(np.diff(places)) >= gap - 1e-9  # no two names on top of each other


def test_the_survival_chart_names_each_curve_at_its_last_point_in_its_marker():
    view = escape_view(["adam:lr=0.05", "adam_cm:lr=0.05", "adam_cm:lr=0.05,top_c=1"])
    spec = charts.survival_spec(view, 1)
    names = layer_of(spec, "text")["data"]["values"]
    rows = charts.survival_rows(view, 1)
    for name in names:
        last = [row for row in rows if row["optimizer"] == name["optimizer"]][-1]
        assert (name["step"], name["end"]) == (last["step"], last["share"])
    shapes = layer_of(spec, "point")["encoding"]["shape"]["scale"]["range"]
    assert shapes == ["circle", "circle", "square"]


def test_learns_kick_chart_gives_each_adam_cm_variant_its_own_dash_and_marker():
    spec = learn.kick_spec(pd.DataFrame({label: np.linspace(1, 2, 12) + k for k, (label, _) in
                                         enumerate(learn.KICK_VARIANTS)}, index=pd.RangeIndex(1, 13, name="step")))
    dashes = layer_of(spec, "line")["encoding"]["strokeDash"]["scale"]["range"]
    shapes = layer_of(spec, "point")["encoding"]["shape"]["scale"]["range"]
    assert len(set(zip(map(tuple, dashes[1:]), shapes[1:]))) == 4  # Adam+CM's four variants
    names = layer_of(spec, "text")["data"]["values"]
    assert [row["series"] for row in names] == [label for label, _ in learn.KICK_VARIANTS]
    assert [row["name"] for row in names] == ["Adam", "Adam+CM", "first_step=step", "second_moment=direction",
                                              "second_moment=gradient"]


def test_learns_radius_and_edge_charts_draw_no_two_lines_alike():
    rms = pd.DataFrame({label: np.full(len(learn.RADIUS_CURVATURES), 1.0 + k)
                        for k, (label, _) in enumerate(learn.RADIUS_VARIANTS)},
                       index=pd.Index(learn.RADIUS_CURVATURES, name="curvature h"))
    reach = pd.Series({label: 2.0 + k for k, (label, _) in enumerate(learn.RADIUS_VARIANTS)})
    for spec in (learn.radius_spec(rms), learn.edge_spec(learn.edge_table(reach))):
        colours = spec["encoding"]["color"]["scale"]["range"]
        dashes = layer_of(spec, "line")["encoding"]["strokeDash"]["scale"]["range"]
        shapes = layer_of(spec, "point")["encoding"]["shape"]["scale"]["range"]
        assert len(set(zip(colours, map(tuple, dashes), shapes))) == len(colours)
        assert spec["encoding"]["y"]["scale"]["type"] == "log"
