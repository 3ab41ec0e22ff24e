"""Figures: Figure objects with the expected content, and the toy study written reproducibly at a reduced size."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from experiments.basin_map import basin_map, flow_map
from experiments.figures import (COLOURS, QUICK, basin_map_figure, colours_for, escape_curve_figure,
                                 trajectories_figure, write_study)
from experiments.run import run
from experiments.sweep import sweep
from landscapes import build_landscape
from specs import SpecError

STUDY_FILES = ["a_goldstein_price_trajectories.png", "a_goldstein_price_trajectories.csv", "b_ackley_exploration.png",
               "b_ackley_exploration.csv", "c_escape_vs_sharpness.png", "c_escape_vs_sharpness.csv",
               "d_sharpness_vs_distance.png", "d_sharpness_vs_distance.csv", "e_ablations.png",
               "e_ablations_priority.csv", "e_ablations_buffer.csv", "e_ablations_depth.csv"]


def test_each_optimizer_keeps_its_colour_and_repeats_get_distinct_ones():
    colours = colours_for(["adam", "adam_cm:lr=0.1", "adam_cm:lr=0.01", "mystery"])
    assert colours["adam"] == COLOURS["adam"] and colours["adam_cm:lr=0.1"] == COLOURS["adam_cm"]
    assert len(set(colours.values())) == 4


def test_an_escape_curve_has_a_line_and_a_band_per_optimizer():
    table = sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], "sharpness", [2, 16], runs=20, steps=30)
    figure = escape_curve_figure(table, "sharpness")
    ax = figure.axes[0]
    assert isinstance(figure, Figure) and len(ax.lines) == 2 and len(ax.collections) == 2
    cm = [line for line in ax.lines if line.get_label() == "adam_cm:lr=0.05"][0]
    np.testing.assert_array_equal(cm.get_ydata(), [r["escape_rate"] for r in table.rows[1::2]])


def test_a_categorical_or_missing_axis_gives_bars():
    table = sweep("two_basin", ["adam_cm:lr=0.05"], "priority", ["grad_norm", "fifo"], runs=20, steps=30)
    assert len(escape_curve_figure(table, "priority").axes[0].patches) == 2
    single = sweep("two_basin", ["adam", "adam_sam"], runs=20, steps=10)
    assert len(escape_curve_figure(single, None).axes[0].patches) == 2


def test_a_trajectory_figure_has_a_panel_per_optimizer_with_every_path():
    landscape = build_landscape("himmelblau")
    starts = np.array([[0.0, 0.0], [-1.0, 2.0], [2.0, -3.0]])
    results = {name: run(landscape, f"{name}:lr=0.05", starts, 20) for name in ("adam", "adam_sam", "adam_cm")}
    figure = trajectories_figure(landscape, results, resolution=30)
    assert [ax.get_title() for ax in figure.axes] == ["adam", "adam_sam", "adam_cm"]
    paths = [line for line in figure.axes[0].lines if line.get_linestyle() == "-"]
    assert len(paths) == 3
    np.testing.assert_array_equal(paths[0].get_xdata(), results["adam"].positions[:, 0, 0])


def test_a_basin_map_figure_shows_each_map():
    landscape = build_landscape("two_basin")
    maps = [flow_map(landscape, 10), basin_map(landscape, "adam:lr=0.05", 10, 20)]
    figure = basin_map_figure(maps, landscape)
    assert [ax.get_title() for ax in figure.axes] == ["gradient flow", "adam:lr=0.05"]
    np.testing.assert_array_equal(figure.axes[0].images[0].get_array(), maps[0].basins)


def test_figures_of_a_3d_landscape_are_refused():
    landscape = build_landscape("quadratic:dim=3")
    with pytest.raises(SpecError, match="needs a 2D landscape"):
        trajectories_figure(landscape, {"adam": run(landscape, "adam", np.ones((1, 3)), 2)})


def test_the_quick_study_writes_every_figure_and_table_identically_twice(tmp_path):
    first = write_study(tmp_path / "one", quick=True)
    second = write_study(tmp_path / "two", quick=True)
    assert [p.name for p in first] == STUDY_FILES
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    rows = list(csv.DictReader(io.StringIO((tmp_path / "one" / "c_escape_vs_sharpness.csv").read_text())))
    assert len(rows) == 4 * len(QUICK.sharpness) * len(QUICK.lrs)
    assert {r["optimizer"] for r in rows} == {"adam", "adam_sam", "adam_cm", "adam_sam_cm"}
    assert all(0.0 <= float(r["ci_low"]) <= float(r["escape_rate"]) <= float(r["ci_high"]) <= 1.0 for r in rows)


def test_a_formula_with_undefined_regions_is_drawn_with_those_regions_blank():
    landscape = build_landscape("custom:formula=log(x) + y**2")
    result = run(landscape, "adam:lr=0.05", np.array([[1.0, 1.0]]), 10)
    ax = trajectories_figure(landscape, {"adam": result}, resolution=20).axes[0]
    assert len(ax.collections) > 0  # the contours were drawn (and no RuntimeWarning escaped)


@pytest.mark.slow
def test_the_committed_study_tables_are_what_cmx_figures_writes_today(tmp_path):
    """The README's "What we found" quotes docs/figures: those tables must still be what the code computes."""
    from pathlib import Path
    committed = Path(__file__).resolve().parents[1] / "docs" / "figures"
    for path in write_study(tmp_path):
        if path.suffix == ".csv":
            assert path.read_bytes() == (committed / path.name).read_bytes(), f"regenerate docs/figures: {path.name}"
