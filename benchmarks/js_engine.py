"""`python -m benchmarks.js_engine`: the JS engine (export/player/engine.js, run by node) against NumPy.

Prints run-steps per second of Adam+CM on two_basin at N = 1, 10 and 100 runs, side by side (node's time of the
run alone, NumPy's of experiments.run.run; each the best of a few, the first and last points recorded). `--parity`
also prints how far the JS runs drift from NumPy's, by step, on every registered landscape for every optimizer the
engine runs, at the app's lr (tests/test_js_engine.py holds the bounds; this shows the growth).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from experiments.run import run
from export.player.engine_spec import engine_optimizers, run_program
from landscapes import LANDSCAPES, build_landscape
from optimizers import OPTIMIZERS
from tests.js.node_engine import NodeEngine, step_errors

RUN_COUNTS = (1, 10, 100)
OPTIMIZER, LANDSCAPE, LR = "adam_cm", "two_basin", 0.05
STEPS = 3000
REPEATS = 3
PARITY_STEPS, PARITY_MARKS = 300, (10, 50, 100, 200, 300)


def starts_for(landscape, count: int, seed: int = 0) -> np.ndarray:
    low, high = landscape.domain.low, landscape.domain.high
    margin = 0.1 * (high - low)
    return np.random.default_rng(seed).uniform(low + margin, high - margin, (count, landscape.dim))


def numpy_seconds(landscape, spec: str, starts: np.ndarray) -> float:
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        run(landscape, spec, starts, STEPS, record="final", max_work=None)
        best = min(best, time.perf_counter() - start)
    return best


def speeds(engine: NodeEngine) -> list[tuple[int, float, float]]:
    """(runs, JS run-steps per second, NumPy run-steps per second) at each of RUN_COUNTS."""
    landscape, spec = build_landscape(LANDSCAPE), f"{OPTIMIZER}:lr={LR}"
    out = []
    for count in RUN_COUNTS:
        starts = starts_for(landscape, count)
        program = run_program(landscape, spec, starts, STEPS, every=STEPS)
        js = engine.ask({"op": "time", "program": program, "repeats": REPEATS})["seconds"]
        out.append((count, count * STEPS / js, count * STEPS / numpy_seconds(landscape, spec, starts)))
    return out


def print_speeds(engine: NodeEngine) -> None:
    print(f"# {OPTIMIZER}:lr={LR} on {LANDSCAPE}, {STEPS} steps: run-steps per second (best of {REPEATS})")
    print(f"{'runs':>6} {'js (node)':>12} {'numpy':>12} {'js/numpy':>9}")
    for count, js, numpy in speeds(engine):
        print(f"{count:>6} {js:>12.3g} {numpy:>12.3g} {js / numpy:>9.3g}", flush=True)


def print_parity(engine: NodeEngine) -> None:
    print(f"# largest relative position error, JS against NumPy, up to each step (8 runs, lr {LR}; sgd and "
          "momentum 1e-3)")
    print(f"{'landscape':16} {'optimizer':12} " + " ".join(f"{'<=' + str(t):>8}" for t in PARITY_MARKS))
    for name in LANDSCAPES.names():
        landscape = build_landscape(name)
        starts = starts_for(landscape, 8, seed=1)
        for optimizer in (o for o in OPTIMIZERS.names() if o in engine_optimizers()):
            spec = OPTIMIZERS.replace(optimizer, lr=1e-3 if optimizer.startswith(("sgd", "momentum")) else LR)
            expected = run(landscape, spec, starts, PARITY_STEPS, max_work=None).positions
            errors = step_errors(expected, engine.run(run_program(landscape, spec, starts, PARITY_STEPS))["positions"])
            print(f"{name:16} {optimizer:12} " + " ".join(f"{errors[: t + 1].max():>8.1e}" for t in PARITY_MARKS),
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parity", action="store_true", help="also print the JS runs' drift from NumPy's by step")
    args = parser.parse_args()
    with NodeEngine() as engine:
        print_speeds(engine)
        if args.parity:
            print_parity(engine)


if __name__ == "__main__":
    main()
