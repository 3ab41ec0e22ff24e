"""'Copy as code': the `cmx` command and the Python snippet that reproduce what a page shows.

Every value is written as the page used it (canonical spec strings, the exact starts, the swept values as their
schema formats them), so running either gives the view's numbers: tests/test_code_snippets.py runs them and
compares. Commands are shell lines with every argument quoted; snippets are plain Python over the `cmx` facade.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from specs import Field


@dataclass(frozen=True)
class Code:
    command: str  # one shell command (lines joined with a backslash)
    python: str  # a snippet that runs as it is


def _command(words: Sequence[str | tuple[str, str]]) -> str:
    """`cmx` followed by `words`: plain words, or (option, value) pairs each on its own continued line."""
    parts = ["cmx"]
    for word in words:
        parts.append(shlex.quote(word) if isinstance(word, str) else f"\\\n    {word[0]} {shlex.quote(word[1])}")
    return " ".join(parts)


def _number(value: float) -> str:
    return Field("v", "float", None, "").format(float(value))


def _starts_literal(starts: np.ndarray) -> str:
    rows = ", ".join(f"[{_number(x)}, {_number(y)}]" for x, y in np.asarray(starts, dtype=np.float64)[:, :2])
    return f"np.array([{rows}])"


def explorer_code(landscape: str, optimizers: Sequence[str], starts: np.ndarray, steps: int) -> Code:
    """The Explorer's runs: `cmx animate --html` writes the same player; the snippet runs them in Python and shows
    the player in a notebook."""
    points = [("--start", f"{_number(x)},{_number(y)}") for x, y in np.asarray(starts, dtype=np.float64)[:, :2]]
    command = _command(["animate", ("--landscape", landscape), ("--optimizers", ";".join(optimizers)), *points,
                        ("--steps", str(steps)), ("--html", "explorer.html")])
    python = (f"import numpy as np\nimport cmx\n\nlandscape = {landscape!r}\noptimizers = {list(optimizers)!r}\n"
              f"starts = {_starts_literal(starts)}\n"
              f"results = {{spec: cmx.run(landscape, spec, starts, {steps}) for spec in optimizers}}\n"
              f"cmx.explore(landscape, optimizers, starts, {steps})  # the same player, in a notebook cell\n")
    return Code(command, python)


def escape_code(landscape: str, optimizers: Sequence[str], axes: Sequence[tuple[str, Sequence[str]]], basin: str,
                runs: int, steps: int, seed: int, equalise: bool, match_step: str | None, predict: bool) -> Code:
    """The Escape lab's sweep: `cmx escape` prints its table; the snippet returns it as a SweepTable. `axes` are
    (knob, values as the schema writes them)."""
    words: list[str | tuple[str, str]] = ["escape", ("--landscape", landscape), ("--optimizers", ";".join(optimizers))]
    words += [("--sweep", f"{name}={','.join(values)}") for name, values in axes]
    words += [("--basin", basin), ("--runs", str(runs)), ("--steps", str(steps)), ("--seed", str(seed))]
    if equalise:
        words.append("--equal-grad-evals")
    if match_step:
        words.append(("--match-step", match_step))
    if predict:
        words.append("--predict")
    swept = "{" + ", ".join(f"{name!r}: {list(values)!r}" for name, values in axes) + "}" if axes else "None"
    extra = "".join([", equalise_grad_evals=True" if equalise else "",
                     f", match_step={match_step!r}" if match_step else "", ", predict=True" if predict else ""])
    python = (f"import cmx\n\ntable = cmx.sweep({landscape!r}, {list(optimizers)!r}, {swept}, runs={runs}, "
              f"steps={steps}, seed={seed},\n                  basin={basin!r}{extra})\n"
              "print(table.to_text())\n")
    return Code(_command(words), python)


def basins_code(landscape: str, optimizers: Sequence[str], resolution: int, steps: int) -> Code:
    """The Basin map: `cmx basins` draws the maps and prints each one's shares; the snippet computes the maps."""
    command = _command(["basins", ("--landscape", landscape), ("--optimizers", ";".join(optimizers)),
                        ("--resolution", str(resolution)), ("--steps", str(steps)), ("--out", "basins.png")])
    python = (f"import cmx\n\nlandscape = {landscape!r}\nflow = cmx.flow_map(landscape, {resolution})  # where "
              f"gradient flow ends\nmaps = {{spec: cmx.basin_map(landscape, spec, {resolution}, {steps}) "
              f"for spec in {list(optimizers)!r}}}\n")
    return Code(command, python)


def code_control(code: Code) -> None:
    """The page's command and snippet in a popover, each in a code box with a copy button."""
    with st.popover("Code", icon=":material/code:", help="the cmx command and the Python that reproduce this view"):
        st.caption("Command line")
        st.code(code.command, language="bash", wrap_lines=True)
        st.caption("Python")
        st.code(code.python, language="python", wrap_lines=True)
