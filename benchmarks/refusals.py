"""How long an over-limit request takes to be refused: wall seconds of `cmx ...` from the call of its handler to its
one-line refusal, each in a fresh process (the interpreter's start and the CLI's imports are not counted; whatever
the refusal itself imports is). `make bench` holds each to benchmarks.targets.REFUSAL_SECONDS; the tests hold the
refusing code's CPU time to the same figure (tests/test_hardening.py), which a loaded machine does not inflate.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
# name -> the command's arguments after `cmx`, each refused for its work (issue 18's requests among them)
REFUSED = {
    "escape_runs": ["escape", "--runs", "10000000"],
    "escape_predict": ["escape", "--predict", "--runs", "10000000"],
    "escape_match_step": ["escape", "--match-step", "adam_cm", "--runs", "10000000"],
    "escape_hundred_momenta": ["escape", "--optimizers", "adam_cm:lr=0.01,top_c=100", "--runs", "70000", "--steps",
                               "900"],
    "escape_survival_panels": ["escape", "--landscape", "quadratic", "--basin", "0", "--sweep",
                               "lr=" + ",".join(f"{v:.4g}" for v in np.geomspace(0.001, 0.5, 40)), "--sweep",
                               "decay=" + ",".join(f"{v:.4g}" for v in np.linspace(0, 0.99, 40)), "--optimizers",
                               "adam_cm", "--runs", "1", "--steps", "300", "--survival", "/tmp/cmx-never.png"],
    "basins_resolution": ["basins", "--resolution", "1000", "--out", "/tmp/cmx-never.png"],
    "animate_frames": ["animate", "--frames", "2000", "--steps", "100000", "--runs", "1000", "--out",
                       "/tmp/cmx-never.gif"],
    "figures_limit": ["figures", "--quick", "--out", "/tmp/cmx-never-figures", "--max-work", "30000"],
}
# Times the handler in a fresh process: the CLI is imported first, then main() is timed to its refusal.
TIMED_CHILD = ("import json, sys, time; from cli import main; start = time.perf_counter(); code = main(sys.argv[1:]); "
               "print(json.dumps({'seconds': time.perf_counter() - start, 'code': code}))")


def refusal_seconds(arguments: list[str]) -> tuple[float | None, str]:
    """(wall seconds of the refusal, note); None when the command is not refused."""
    done = subprocess.run([sys.executable, "-c", TIMED_CHILD, *arguments], capture_output=True, text=True,
                          cwd=PROJECT, timeout=600)
    message = (done.stderr.strip().splitlines() or ["no message"])[-1]
    try:
        measured = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None, f"(did not finish: {message[:120]})"
    if measured["code"] != 2:
        return None, f"(not refused: exit {measured['code']})"
    return measured["seconds"], f"({message[:100]})"


def measure_all(report: Callable[[str, float | None, str], None]) -> dict[str, float | None]:
    """Every refusal's wall seconds, reported as soon as it is measured."""
    found = {}
    for name, arguments in REFUSED.items():
        found[name], note = refusal_seconds(arguments)
        report(name, found[name], note)
    return found
