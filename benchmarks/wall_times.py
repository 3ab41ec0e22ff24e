"""Wall times of what users wait for: the real `cmx` commands, as a user starts them, and the app's Explorer.

A command is timed as a fresh process (interpreter start and imports included), outputs going to a temporary
folder; a command this checkout does not have yet is reported as not measured.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# name -> the command's arguments after `cmx`, with {out} standing for a temporary folder
COMMANDS = {
    "cmx_escape": ["escape"],
    "cmx_figures": ["figures", "--out", "{out}"],
    "cmx_animate_200": ["animate", "--frames", "200", "--out", "{out}/animation.gif"],
}
REPEATS = {"cmx_escape": 3}  # best of; the others once
PROJECT = Path(__file__).resolve().parents[1]


def cmx_command() -> list[str]:
    """`cmx` as this checkout's entry point (run from its root, so that the checkout's code is what is timed even
    where the installed `cmx` script belongs to another checkout); the same imports as the script."""
    return [sys.executable, "-m", "cli"]


def time_command(arguments: list[str], repeats: int) -> tuple[float | None, str]:
    """(best wall seconds, note) of `cmx ARGUMENTS`; None and the reason when it cannot run."""
    base = cmx_command()
    command_name = arguments[0]
    if subprocess.run([*base, command_name, "--help"], capture_output=True, cwd=PROJECT).returncode != 0:
        return None, f"(cmx {command_name} does not exist in this checkout)"
    best = None
    with tempfile.TemporaryDirectory() as out:
        argv = [*base, *(a.format(out=out) for a in arguments)]
        for _ in range(repeats):
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, cwd=PROJECT)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                return None, f"(cmx {' '.join(arguments)} failed: {last})"
            best = elapsed if best is None else min(best, elapsed)
    return best, f"(cmx {' '.join(arguments).replace('{out}', 'TMP')}, a fresh process, best of {repeats})"


def explorer_seconds() -> float:
    """Seconds the Explorer page computes at its opening state before it draws, with every cache cleared: its runs,
    the followed run's replay, the basin tracks, the landscape's minima and picture, and the player's payload
    (ui/pages/explorer.py's compute_view), in a warm process as in a running app."""
    import streamlit as st
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # outside a running app every cached function warns: no runtime

    from experiments.work import DEFAULT_MAX_WORK
    from ui.pages import explorer
    from ui.url_state import UrlReader

    st.cache_resource.clear()  # the landscapes and the results cache
    start = time.perf_counter()
    explorer.compute_view(explorer.read_state(UrlReader({})), DEFAULT_MAX_WORK)
    return time.perf_counter() - start


def time_explorer(repeats: int = 3) -> tuple[float | None, str]:
    try:
        best = min(explorer_seconds() for _ in range(repeats))
    except ImportError as error:
        return None, f"(the app's Explorer cannot be imported here: {error})"
    return best, f"(the Explorer's opening computation before drawing, caches cleared, best of {repeats})"


def measure_all(report: Callable[[str, float | None, str], None]) -> dict[str, float | None]:
    """Every wall time, reported as soon as it is measured."""
    walls = {}
    for name, arguments in COMMANDS.items():
        walls[name], note = time_command(arguments, REPEATS.get(name, 1))
        report(name, walls[name], note)
    walls["explorer"], note = time_explorer()
    report("explorer", walls["explorer"], note)
    return walls
