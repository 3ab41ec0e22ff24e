"""docs/extending.md's two examples work as it says: each file, added to its package, is in the registry, runs, is
labelled from its record, and the records test catches its missing docs section. Run in a fresh interpreter, so
the examples never join this process's registries."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.browser_support import ROOT

CHECKS = r'''
import json, sys, types
import numpy as np
from experiments import work
from experiments.run import run
from export.labels import display_name, optimizer_labels
from landscapes import LANDSCAPES, build_landscape
from optimizers import OPTIMIZERS
from tests.test_records import documented

for name, code in json.loads(sys.argv[1]).items():  # as if each file were in its package
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(code, name, "exec"), module.__dict__)

x0 = np.array([[0.33, -0.27], [-1.23, 0.41]])
steps = run("two_basin", "sign_descent:lr=0.1", x0, 3).positions
surface = build_landscape("styblinski_tang")
print(json.dumps({
    "last_optimizer": OPTIMIZERS.names()[-1],
    "label": display_name("sign_descent"),
    "legend": optimizer_labels([OPTIMIZERS.resolve("sign_descent:lr=0.1")])[0],
    "moves": np.abs(np.diff(steps, axis=0)).round(12).tolist(),
    "optimizer_documented": documented(OPTIMIZERS.record("sign_descent").docs),
    "minima": [round(m.value, 4) for m in surface.minima],
    "basin_work": work.basin_work(surface, 10).units,
    "landscape_documented": documented(LANDSCAPES.record("styblinski_tang").docs),
}))
'''


def example_files() -> dict[str, str]:
    """The ```python blocks of docs/extending.md that are files, by their module name ("optimizers.sign_descent")."""
    blocks = re.findall(r"```python\n(# (\w+)/(\w+)\.py\n.*?)```", (ROOT / "docs/extending.md").read_text(), re.DOTALL)
    return {f"{package}.{module}": code for code, package, module in blocks}


def test_the_walkthroughs_files_register_run_are_labelled_and_are_caught_without_their_docs():
    files = example_files()
    assert set(files) == {"optimizers.sign_descent", "landscapes.styblinski_tang"}
    found = subprocess.run([sys.executable, "-c", CHECKS, json.dumps(files)], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["last_optimizer"] == "sign_descent" and result["label"] == "Sign descent"
    assert result["legend"] == "Sign descent (lr=0.1)"
    assert all(move == 0.1 for step in result["moves"] for run_moves in step for move in run_moves)
    assert result["minima"] == [-78.3323, -64.1956, -64.1956, -50.0589]
    assert result["basin_work"] == 10 * 7200.0
    # the docs sections are the one piece a walkthrough cannot add by itself: the records test names them
    assert not result["optimizer_documented"] and not result["landscape_documented"]
