"""Issue 18, section 4: outputs whole or not at all. Every command that writes files checks them all before any work
(writable, distinct, a known format), writes them into temporaries and renames them together at the end; on a
refusal or an error nothing is left, and nothing is printed before every file is in place."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from cli import main
from export.files import OutputFiles
from export.player import explore
from landscapes import build_landscape
from specs import SpecError
from study import runner
from tests.cli_support import refused

# command -> its arguments (small: each runs in well under a second) and its outputs, option -> file name
COMMANDS = {
    "run": (["run", "--landscape", "ackley", "--optimizer", "adam", "--start", "0,1", "--steps", "5"],
            {"--out": "run.json"}),
    "escape": (["escape", "--runs", "10", "--steps", "5", "--sweep", "sharpness=2,4"],
               {"--out": "table.csv", "--plot": "plot.png", "--survival": "survival.csv"}),
    "sweep": (["sweep", "--runs", "10", "--steps", "5"], {"--out": "table.csv"}),
    "basins": (["basins", "--resolution", "6", "--steps", "5", "--optimizers", "adam"], {"--out": "map.png"}),
    "animate": (["animate", "--runs", "2", "--steps", "6", "--frames", "3"], {"--out": "runs.gif",
                                                                              "--html": "runs.html"}),
}
CASES = [(command, option) for command, (_, outputs) in COMMANDS.items() for option in outputs]
WORK = ["cli.run.run", "cli.measure.sweep", "cli.pictures.run", "cli.pictures.flow_map", "cli.pictures.basin_map"]


def arguments(command: str, folder, **replaced: str) -> list[str]:
    args, outputs = COMMANDS[command]
    given = {option: str(folder / name) for option, name in outputs.items()}
    given.update(replaced)
    return [*args, *(text for option, path in given.items() for text in (option, path))]


@pytest.fixture
def no_work(monkeypatch):
    """Any run, sweep or map fails the test: a refusal must come before them."""
    for name in WORK:
        monkeypatch.setattr(name, lambda *a, **k: pytest.fail("the work started before the outputs were checked"))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_output_is_written_and_no_temporary_is_left(command, tmp_path, capsys):
    assert main(arguments(command, tmp_path)) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(COMMANDS[command][1].values())
    assert all(stat.S_IMODE((tmp_path / n).stat().st_mode) == 0o666 & ~current_umask() for n in names)


@pytest.mark.parametrize("command, option", CASES)
def test_an_output_that_cannot_be_written_is_refused_before_work_and_nothing_is_left(command, option, tmp_path,
                                                                                     capsys, no_work):
    """--out a.csv --plot /proc/x.png left a.csv; animate --out a.gif --html /proc/x.html left a.gif."""
    name = COMMANDS[command][1][option]
    line = refused(arguments(command, tmp_path, **{option: f"/proc/{name}"}), capsys)
    assert line.startswith(f"cmx {command}: {option}: the folder /proc does not take new files")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command, option", CASES)
def test_an_output_of_an_unknown_format_is_refused_before_work(command, option, tmp_path, capsys, no_work):
    line = refused(arguments(command, tmp_path, **{option: str(tmp_path / "out.xyz")}), capsys)
    assert f"{option} must end in one of ." in line and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command, option", CASES)
def test_an_output_in_a_missing_folder_or_naming_a_folder_is_refused_before_work(command, option, tmp_path, capsys,
                                                                               no_work):
    name = COMMANDS[command][1][option]
    assert "does not exist" in refused(arguments(command, tmp_path, **{option: str(tmp_path / "no" / name)}), capsys)
    (tmp_path / name).mkdir()
    assert "names a folder" in refused(arguments(command, tmp_path, **{option: str(tmp_path / name)}), capsys)
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize("spelling", ["table.csv", "./sub/../table.csv"])
def test_two_outputs_naming_one_file_are_refused(spelling, tmp_path, capsys, no_work):
    """--out a.csv --survival a.csv exited 0 with the table overwritten by the curves."""
    (tmp_path / "sub").mkdir()
    line = refused(arguments("escape", tmp_path, **{"--survival": str(tmp_path / spelling)}), capsys)
    assert "--survival names the same file as --out (table.csv)" in line
    assert [p.name for p in tmp_path.iterdir()] == ["sub"]


def test_an_animation_of_a_landscape_it_cannot_draw_is_refused_before_the_runs(tmp_path, capsys, no_work):
    line = refused(arguments("animate", tmp_path, **{"--landscape": "quadratic:dim=3"}), capsys)
    assert "an animation needs a 2D landscape" in line and list(tmp_path.iterdir()) == []


def test_a_run_written_in_another_format_than_its_extension_is_refused(tmp_path, capsys, no_work):
    line = refused(arguments("run", tmp_path, **{"--out": str(tmp_path / "run.csv")}), capsys)
    assert "--out must end in one of .json" in line


def test_an_error_after_the_work_leaves_no_file(tmp_path, capsys, monkeypatch):
    def broken(self, target, figure, dpi=120):
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(OutputFiles, "write_figure", broken)
    assert main(arguments("escape", tmp_path)) == 2
    captured = capsys.readouterr()
    assert "No space left on device" in captured.err and captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_an_animation_whose_page_fails_leaves_no_gif(tmp_path, capsys, monkeypatch):
    def broken(payload):
        raise SpecError("the page could not be built")

    monkeypatch.setattr("export.player.standalone_html", broken)
    assert main(arguments("animate", tmp_path)) == 2
    assert "the page could not be built" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def test_csv_on_standard_output_comes_only_once_every_file_is_written(tmp_path, capsys):
    """--out - printed the CSV, then failed on the plot."""
    line = refused(arguments("escape", tmp_path, **{"--out": "-", "--plot": "/proc/plot.png"}), capsys)
    assert "--plot" in line
    assert main(arguments("escape", tmp_path, **{"--out": "-"})) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("optimizer,sharpness,runs") and sorted(p.name for p in tmp_path.iterdir()) == [
        "plot.png", "survival.csv"]


def test_the_study_is_checked_whole_before_it_runs_and_its_folder_is_not_made(tmp_path, capsys, monkeypatch):
    """cmx figures --quick --out DIR --max-work 30000 refused after writing (a) and (b)."""
    monkeypatch.setattr(runner, "run_study", lambda *a, **k: pytest.fail("a study ran before the whole was checked"))
    folder = tmp_path / "figures"
    line = refused(["figures", "--quick", "--out", str(folder), "--max-work", "30000"], capsys)
    assert "more than the limit of 30,000" in line and "--quick" in line
    assert list(tmp_path.iterdir()) == []


def test_a_study_that_fails_midway_leaves_no_file_and_no_folder(tmp_path, capsys, monkeypatch):
    studied = runner.run_study

    def failing(stem, *args, **kwargs):
        if stem == "c_escape_vs_sharpness":
            raise SpecError("the sweep failed")
        return studied(stem, *args, **kwargs)

    monkeypatch.setattr(runner, "run_study", failing)
    folder = tmp_path / "new" / "figures"
    assert "the sweep failed" in refused(["figures", "--quick", "--out", str(folder)], capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_study_folder_that_is_a_file_or_does_not_take_files_is_refused(tmp_path, capsys, no_work):
    (tmp_path / "taken").write_text("")
    assert "names a file" in refused(["figures", "--quick", "--out", str(tmp_path / "taken")], capsys)
    assert "does not take new files" in refused(["figures", "--quick", "--out", "/proc"], capsys)


def test_an_exploration_is_saved_whole_as_html_only(tmp_path, monkeypatch):
    """Exploration.save left a 0-byte file on an error and wrote HTML into any extension."""
    shown = explore(build_landscape("two_basin"), "adam:lr=0.05", np.array([[0.1, 0.2]]), 5, basins=False)
    with pytest.raises(SpecError, match=r"path must end in one of \.html \(got page\.txt\)"):
        shown.save(tmp_path / "page.txt")
    monkeypatch.setattr(type(shown), "html", lambda self: (_ for _ in ()).throw(MemoryError()))
    with pytest.raises(MemoryError):
        shown.save(tmp_path / "page.html")
    assert list(tmp_path.iterdir()) == []


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
