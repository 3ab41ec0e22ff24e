"""Figures: Figure objects with the expected content, and the toy study written reproducibly at a reduced size."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from cli import main
from experiments.basin_map import basin_map, flow_map
from experiments.run import run
from experiments.sweep import sweep
from export import palette
from export.figures import basin_map_figure, escape_curve_figure, trajectories_figure
from landscapes import build_landscape
from specs import SpecError
from study.runner import run_study, write_study
from study.toy import FULL, QUICK, STUDIES

STUDY_FILES = ["a_goldstein_price_trajectories.png", "a_goldstein_price_trajectories.csv", "b_ackley_exploration.png",
               "b_ackley_exploration.csv", "c_escape_vs_sharpness.png", "c_escape_vs_sharpness.csv",
               "d_sharpness_vs_distance.png", "d_sharpness_vs_distance.csv", "e_ablations.png",
               "e_ablations_priority.csv", "e_ablations_buffer.csv", "e_ablations_depth.csv",
               "f_memory_vs_step_length.png", "f_memory_vs_step_length.csv", "f_memory_vs_step_length_survival.csv",
               "f_memory_vs_step_length_controls.csv", "g_phase_lr_sharpness.png", "g_phase_lr_sharpness.csv",
               "g_phase_lr_sharpness_kick_free.csv", "h_variants.png", "h_variants.csv", "h_variants_decay.csv",
               "i_noise.png", "i_noise.csv", "j_rotation.png", "j_rotation.csv", "k_warmup.png", "k_warmup.csv",
               "l_tuned.png", "l_tuned.csv", "l_tuned_escape.csv"]


def test_each_optimizer_kind_keeps_its_colour_and_repeats_get_distinct_shades():
    styles = palette.styles_for(["adam", "adam_cm", "adam_cm", "mystery"])
    assert styles[0].colour == palette.KIND_STYLES["adam"][0] and styles[1].colour == palette.KIND_STYLES["adam_cm"][0]
    assert len({style.colour for style in styles}) == 4


def test_an_escape_curve_has_points_with_interval_bars_per_optimizer_and_a_tick_at_every_value():
    table = sweep("two_basin", ["adam:lr=0.05", "adam_cm:lr=0.05"], "sharpness", [2, 16], runs=20, steps=30)
    figure = escape_curve_figure(table, "sharpness")
    ax = figure.axes[0]
    lines = {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}  # and bars
    assert isinstance(figure, Figure) and set(lines) == {"adam:lr=0.05", "adam_cm:lr=0.05"} and len(ax.containers) == 2
    points = lines["adam_cm:lr=0.05"]
    np.testing.assert_array_equal(points.get_ydata(), [r["escape_rate"] for r in table.rows[1::2]])
    assert points.get_color() == palette.KIND_STYLES["adam_cm"][0]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["2", "16"]


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


@pytest.mark.slow
def test_the_quick_study_writes_every_figure_and_table_identically_twice(tmp_path, capsys):
    """Once from Python, once from `cmx figures --quick` (which prints the paths it wrote): the same bytes."""
    first = write_study(tmp_path / "one", quick=True)
    capsys.readouterr()
    assert main(["figures", "--out", str(tmp_path / "two"), "--quick"]) == 0
    second = [tmp_path / "two" / name.split("/")[-1] for name in capsys.readouterr().out.split()]
    assert [p.name for p in first] == [p.name for p in second] == STUDY_FILES
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


def read_table(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assert_same_table(written: list[dict], committed: list[dict], name: str) -> None:
    """Counts and labels exactly, floats to 1e-9 relative: another BLAS or CPU may change a last bit."""
    assert len(written) == len(committed) and written[0].keys() == committed[0].keys(), f"regenerate {name}"
    for new, old in zip(written, committed):
        for key, value in new.items():
            try:
                number, expected = float(value), float(old[key])
            except ValueError:
                assert value == old[key], f"regenerate {name}: {key}"
                continue
            if value.lstrip("-").isdigit():
                assert value == old[key], f"regenerate {name}: {key}"
            else:
                assert number == pytest.approx(expected, rel=1e-9, abs=1e-12, nan_ok=True), f"regenerate {name}: {key}"


@pytest.mark.slow
@pytest.mark.parametrize("stem", list(STUDIES))  # one test per study: the cores share them
def test_the_committed_study_tables_are_what_cmx_figures_writes_today(stem):
    """The README's "What we found" quotes docs/figures: those tables must still be what the code computes."""
    from pathlib import Path

    committed = Path(__file__).resolve().parents[1] / "docs" / "figures"
    _, tables = run_study(stem, FULL)
    for suffix, table in tables.items():
        name = f"{stem}{suffix}.csv"
        written = list(csv.DictReader(io.StringIO(table.to_csv())))
        assert_same_table(written, read_table(committed / name), name)


def test_a_minimum_whose_value_is_zero_up_to_rounding_is_labelled_f_0():
    from export.figures import minimum_label
    from export.player.payload import landscape_part

    landscape = build_landscape("two_basin:sharpness=16,depth=0.5")
    sharp = landscape.minimum_index("sharp")
    assert landscape.minima[sharp].value != 0.0  # the search leaves float noise, e.g. -4.7e-15
    assert minimum_label(landscape, sharp) == "sharp f=0"
    assert landscape_part(landscape, None, "two basins")["minima"][sharp]["value"] == 0.0


@pytest.mark.parametrize("spec", ["himmelblau", "goldstein_price", "two_basin", "six_hump_camel", "rastrigin"])
def test_every_minimum_has_a_name_of_its_own(spec):
    """Minima with equal values ('f=0 global' four times on Himmelblau) also say where they are."""
    from export.figures import minimum_label
    from landscapes import build_landscape

    landscape = build_landscape(spec)
    names = [minimum_label(landscape, k) for k in range(len(landscape.minima))]
    assert len(set(names)) == len(names), names


def test_figures_are_titled_as_people_name_the_surface_with_their_settings_beneath():
    import numpy as np

    from experiments.run import run
    from export.figures import trajectories_figure
    from landscapes import build_landscape

    landscape = build_landscape("two_basin:sharpness=16")
    figure = trajectories_figure(landscape, {"Adam (lr=0.05)": run(landscape, "adam:lr=0.05", np.zeros((2, 2)), 20)},
                                 resolution=20)
    assert figure._suptitle.get_text() == "Two basins (sharpness=16)"
    assert figure._supxlabel.get_text().startswith("2 runs of each optimizer, 20 steps")
