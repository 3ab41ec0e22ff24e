"""cmx escape, sweep, basins, animate and figures: files and tables as documented; bad input is one line, exit 2."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time

import pytest
from PIL import Image

from cli import main
from cli.common import optimizer_with_default_lr, progress_bar, split_specs
from cli.measure import parse_sweep
from specs import SpecError

COLUMNS = ["optimizer", "sharpness", "runs", "escaped", "diverged", "undefined", "escape_rate", "ci_low", "ci_high",
           "flatter_fraction", "median_escape_step", "mean_escape_step", "out_by_2", "out_by_10", "out_by_100",
           "converged_fraction", "global_fraction", "final_loss_mean", "final_loss_median",
           "reached_minimum_sharpness_median", "end_point_sharpness_median", "distance_median", "early_step_mean",
           "step_mean", "steps", "grad_evals", "landscape", "optimizer_spec", "kind"]


def cmx(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=300)


def test_a_tiny_sweep_through_the_command_line_has_the_documented_columns():
    out = cmx("sweep", "--measure", "escape", "--landscape", "two_basin", "--optimizers", "adam,adam_cm:top_c=3",
              "--sweep", "sharpness=2,16", "--runs", "20", "--steps", "30", "--out", "-")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == COLUMNS and len(rows) == 4
    assert [r["optimizer"] for r in rows[:2]] == ["adam:lr=0.05", "adam_cm:lr=0.05,top_c=3"]
    assert out.stderr == ""  # no progress bar when stderr is not a terminal


def test_cmx_escape_writes_the_csv_and_the_plot_and_prints_the_table(tmp_path, capsys):
    table, plot = tmp_path / "escape.csv", tmp_path / "escape.png"
    code = main(["escape", "--optimizers", "adam,adam_sam_cm", "--sweep", "sharpness=4,16", "--runs", "30",
                 "--steps", "40", "--seed", "2", "--out", str(table), "--plot", str(plot)])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split()[:4] == ["optimizer", "sharpness", "runs", "escaped"]
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert [(r["optimizer"], r["sharpness"]) for r in rows] == [("adam:lr=0.05", "4.0"), ("adam_sam_cm:lr=0.05", "4.0"),
                                                               ("adam:lr=0.05", "16.0"),
                                                               ("adam_sam_cm:lr=0.05", "16.0")]
    assert Image.open(plot).format == "PNG"


def test_a_final_sweep_prints_loss_and_sharpness_summaries(capsys):
    assert main(["sweep", "--landscape", "himmelblau", "--optimizers", "adam,momentum:lr=0.001", "--sweep",
                 "lr=0.01,0.02", "--runs", "10", "--steps", "20"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[:4] == ["optimizer", "lr", "runs", "diverged"] and "end_point_sharpness_median" in header


def test_cmx_basins_writes_a_png_and_the_share_of_each_basin(tmp_path, capsys):
    target = tmp_path / "basins.png"
    assert main(["basins", "--landscape", "himmelblau", "--optimizers", "adam", "--resolution", "12", "--steps",
                 "30", "--out", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "gradient flow" in printed and "adam:lr=0.05" in printed and Image.open(target).format == "PNG"
    flow_shares = [float(v.rstrip("%")) for v in printed.splitlines()[2].split()]
    assert sum(flow_shares) == pytest.approx(100.0, abs=0.5)


def test_cmx_animate_writes_a_gif(tmp_path):
    target = tmp_path / "runs.gif"
    assert main(["animate", "--optimizers", "adam,adam_cm", "--start", "-1,1", "--start", "1,-1.5", "--steps", "40",
                 "--frames", "20", "--out", str(target)]) == 0
    image = Image.open(target)
    assert image.format == "GIF" and image.n_frames == 20  # 21 recorded points (every second step) shown in 20


def test_optimizer_lists_keep_the_commas_inside_a_spec():
    assert split_specs("adam, adam_cm:lr=0.01,top_c=3 ,adam_sam") == ["adam", "adam_cm:lr=0.01,top_c=3", "adam_sam"]
    assert split_specs("adam_cm:top_c=3;adam") == ["adam_cm:top_c=3", "adam"]
    with pytest.raises(SpecError, match="--optimizers must name at least one optimizer"):
        split_specs(" , ")


def test_the_default_lr_fills_in_only_where_the_spec_sets_none():
    assert optimizer_with_default_lr("adam", 0.05).spec == "adam:lr=0.05"
    assert optimizer_with_default_lr("adam_cm:lr=0.2,top_c=3", 0.05).spec == "adam_cm:lr=0.2,top_c=3"
    assert parse_sweep("sharpness=1, 2,4") == ("sharpness", ["1", "2", "4"])


@pytest.mark.parametrize("args, message", [
    (["escape", "--sweep", "sharpness"], "--sweep must be written NAME=V1,V2"),
    (["escape", "--sweep", "sharpness=0,2"], "sharpness must be a number in [1, 10000] (got 0)"),
    (["escape", "--sweep", "wobble=1"], "no optimizer given has a parameter 'wobble'"),
    (["escape", "--basin", "deep"], "basin must be one of flat, sharp"),
    (["escape", "--runs", "0"], "runs must be an integer in [1, 10000000] (got 0)"),
    (["escape", "--spread", "2"], "spread must be a number in (0, 1] (got 2)"),
    (["escape", "--optimizers", "adam,rocket"], "unknown optimizer 'rocket'"),
    (["escape", "--lr", "-1"], "lr must be a number in (0, 10000] (got -1)"),
    (["escape", "--runs", "100000", "--steps", "10000"], "more than the limit of 100,000,000"),
    (["sweep", "--plot", "x.png"], "--plot draws escape rates"),
    (["basins", "--landscape", "quadratic:dim=3", "--out", "x.png"], "needs a 2D landscape"),
    (["basins", "--out", "x.png", "--resolution", "1"], "resolution must be an integer in [2, 1000]"),
    (["animate", "--out", "x.gif", "--runs", "0"], "runs must be an integer in [1, 1000]"),
    (["animate", "--out", "x.gif", "--start", "1"], "--start must be 2 comma-separated"),
])
def test_bad_input_exits_2_with_one_line_on_stderr(args, message, tmp_path, capsys):
    code = main(args)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and captured.out == "" and len(lines) == 1 and message in lines[0], captured.err


def test_argument_errors_exit_2_too():
    with pytest.raises(SystemExit) as stop:
        main(["figures"])
    assert stop.value.code == 2


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_stays_silent_off_a_terminal(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_bar("work") as bar:
        bar(0.7)
    assert stream.getvalue() == ""


def test_the_progress_bar_draws_on_a_terminal_after_its_delay(monkeypatch):
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_bar("work") as bar:
        bar(0.2)
        assert stream.getvalue() == ""  # under a second: nothing
        time.sleep(1.1)
        bar(0.5)
        assert "work" in stream.getvalue() and " 50%" in stream.getvalue()


@pytest.mark.parametrize("command", [["escape"], ["sweep"], ["animate", "--out", "unused.gif"]])
def test_a_negative_seed_is_refused_in_one_line(command, capsys):
    assert main([*command, "--landscape", "two_basin", "--seed", "-1", "--runs", "4", "--steps", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "seed must be an integer in [0, 4294967295] (got -1)" in err[0]


def test_a_sweep_of_zero_steps_reports_its_start_points():
    from experiments.sweep import sweep
    fractions = []
    table = sweep("two_basin", ["adam"], runs=4, steps=0, progress=fractions.append)
    assert table.rows[0]["escaped"] == 0 and fractions[-1] == 1.0


def test_cmx_escape_writes_survival_curves_as_csv_and_as_a_picture(tmp_path):
    table, picture = tmp_path / "s.csv", tmp_path / "s.png"
    out = cmx("escape", "--optimizers", "adam,adam_cm", "--runs", "40", "--steps", "20", "--after", "5",
              "--match-step", "adam_cm", "--predict", "--survival", str(table))
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0].split()
    assert {"median_escape_step", "out_by_2", "predicted_out_by_2", "late_escape_rate", "matched_lr"} <= set(header)
    assert "adam at adam_cm's step" in out.stdout
    rows = list(csv.DictReader(table.open()))
    assert list(rows[0])[:6] == ["optimizer", "step", "in_basin", "in_basin_low", "in_basin_high", "at_risk"]
    assert {r["optimizer"] for r in rows} == {"adam:lr=0.05", "adam_cm:lr=0.05", "adam at adam_cm's step"}
    assert main(["escape", "--optimizers", "adam,adam_cm", "--runs", "40", "--steps", "20", "--sweep",
                 "sharpness=4,16", "--survival", str(picture)]) == 0
    assert Image.open(picture).format == "PNG"


@pytest.mark.parametrize("flag", [["--after", "5"], ["--predict"], ["--match-step", "adam_cm"],
                                  ["--survival", "s.csv"]])
def test_escape_only_flags_are_refused_on_a_final_sweep_in_one_line(flag):
    out = cmx("sweep", "--runs", "10", "--steps", "10", *flag)
    assert out.returncode == 2 and "measure escapes" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_a_phase_plot_draws_the_chosen_cells_with_the_kick_law_inside_the_axes_only(tmp_path, monkeypatch):
    import export.figures

    drawn = {}
    original = export.figures.phase_figure

    def spy(table, x_axis, y_axis, value="escape_rate", boundaries=None, radius_boundaries=None):
        drawn.update(value=value, boundaries=boundaries, radius_boundaries=radius_boundaries)
        return original(table, x_axis, y_axis, value, boundaries, radius_boundaries)

    monkeypatch.setattr(export.figures, "phase_figure", spy)
    target = tmp_path / "phase.png"
    assert main(["escape", "--optimizers", "adam,adam_cm", "--runs", "20", "--steps", "10", "--sweep",
                 "lr=0.02,0.05", "--sweep", "sharpness=4,16", "--plot", str(target), "--cells",
                 "median_escape_step"]) == 0
    assert Image.open(target).format == "PNG" and drawn["value"] == "median_escape_step"
    assert list(drawn["boundaries"]) == ["adam_cm"] and len(drawn["boundaries"]["adam_cm"]) == 2
    assert list(drawn["radius_boundaries"]) == ["adam_cm"] and len(drawn["radius_boundaries"]["adam_cm"]) == 2
    figure = original(*_tiny_phase(), boundaries={"adam_cm": [(0.001, 4.0), (0.03, 16.0)]})
    lines = [line for ax in figure.axes for line in ax.get_lines()]
    assert len(lines) == 1 and len(lines[0].get_xdata()) == 1  # the point left of the lr axis is not drawn


def _tiny_phase():
    from experiments.sweep import sweep

    return sweep("two_basin", ["adam_cm"], {"lr": [0.02, 0.05], "sharpness": [4, 16]}, runs=10, steps=3), "lr", \
        "sharpness"
