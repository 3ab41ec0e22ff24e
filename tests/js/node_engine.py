"""The Python end of tests/js/harness.mjs: one node process running export/player/engine.js, asked one request at a
time (the harness's docstring lists them), with base64 float64 answers decoded into arrays."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

HARNESS = Path(__file__).with_name("harness.mjs")
MODULES = ("surfaces.js", "engine.js", "live.js")  # the modules harness.mjs joins, from export/player or CMX_ENGINE_DIR
FLOAT_ARRAYS = ("positions", "losses", "values", "grads", "uniform", "normal")


class EngineError(RuntimeError):
    """The JS engine refused a request or failed on it (its message and stack)."""


def node_path() -> str | None:
    return shutil.which("node")


def step_errors(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """(R,) the largest relative difference at each recorded step of (R, ...) arrays: |actual - expected| over
    max(|expected|, 1), where expected is finite; inf where a non-finite expected value (a diverged run) differs."""
    expected, actual = np.asarray(expected), np.asarray(actual)
    finite = np.isfinite(expected)
    with np.errstate(invalid="ignore"):
        relative = np.where(finite, np.abs(actual - expected) / np.maximum(np.abs(expected), 1.0), 0.0)
    relative = np.where(np.isnan(relative) | (~finite & (actual != expected) & ~(np.isnan(actual)
                                                                                & np.isnan(expected))),
                        np.inf, relative)
    return relative.reshape(len(relative), -1).max(axis=1)


class NodeEngine:
    """A running harness; a context manager that ends the node process it started. `engine_path` names a folder
    whose MODULES it loads instead of the package's."""

    def __init__(self, engine_path: Path | None = None) -> None:
        node = node_path()
        if node is None:
            raise FileNotFoundError("node is not installed (apt-get install nodejs)")
        env = {**os.environ, "CMX_ENGINE_DIR": str(engine_path)} if engine_path else None
        self.process = subprocess.Popen([node, str(HARNESS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, encoding="utf-8", env=env)

    def __enter__(self) -> NodeEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """The harness's answer to one request, its float64 arrays decoded (flat: the caller knows the shapes)."""
        self.process.stdin.write(json.dumps(request, allow_nan=False) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise EngineError(f"node stopped (exit status {self.process.wait(timeout=10)})")
        reply = json.loads(line)
        if "error" in reply:
            raise EngineError(reply["error"])
        for key in FLOAT_ARRAYS:
            if key in reply:
                reply[key] = np.frombuffer(base64.b64decode(reply[key]), dtype="<f8")
        return reply

    def run(self, program: dict[str, Any]) -> dict[str, Any]:
        """A run program's result, positions (R, N, d) and losses (R, N) shaped."""
        reply = self.ask({"op": "run", "program": program})
        recorded, runs = len(reply["recorded_steps"]), len(program["starts"])
        reply["positions"] = reply["positions"].reshape(recorded, runs, -1)
        reply["losses"] = reply["losses"].reshape(recorded, runs)
        return reply
