"""Run-steps per second of cmx's `run` against the PyTorch loop, batched PyTorch and the hand-written NumPy limit.

Every method starts from the same seeded points, takes the same steps (tests/test_benchmarks.py checks that) and
is timed by wall clock, best of a few repeats taken in turn so that all methods share the machine's load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from benchmarks import numpy_limit
from experiments.run import keep_freed_memory, run
from landscapes import build_landscape

OPTIMIZERS = ("adam", "adam_sam", "adam_cm", "adam_sam_cm")
LANDSCAPES = ("ackley", "goldstein_price", "quadratic:dim=8")
RUN_COUNTS = (1, 100, 10_000)
STEPS = 500
LR = 0.01
RHO = 0.05
BATCHED = ("adam", "adam_sam")  # the elementwise optimizers a single torch.optim.Adam can batch
LOOP_RUNS, LOOP_STEPS = 16, 60  # the PyTorch loop's cost is linear in runs: its rate is measured on a few
PROBE_STEPS = 20  # steps used to pick batched PyTorch's fastest thread count and Adam implementation


@dataclass(frozen=True)
class Speed:
    """Run-steps per second of each method on one case; None where a method does not apply."""

    optimizer: str
    landscape: str
    n_runs: int
    cmx: float
    numpy_limit: float
    torch_loop: float | None
    torch_batched: float | None

    def ratio(self, baseline: str) -> float | None:
        """cmx's speed over the baseline's (above 1: cmx is faster)."""
        other = getattr(self, baseline)
        return None if other is None else self.cmx / other


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def starts_in_domain(landscape, n_runs: int) -> np.ndarray:
    """(n_runs, d) seeded uniform starts in the landscape's plotting domain."""
    return np.random.default_rng(0).uniform(landscape.domain.low, landscape.domain.high, (n_runs, landscape.dim))


def limit_runner(optimizer: str, landscape) -> Callable[[np.ndarray, int], np.ndarray]:
    """The hand-written NumPy loop for this optimizer and landscape: (starts, steps) -> final points."""
    if landscape.name == "ackley":
        grad = numpy_limit.ackley_grad
    elif landscape.name == "goldstein_price":
        grad = numpy_limit.goldstein_price_grad
    else:
        grad = numpy_limit.quadratic_grad(landscape.A, landscape.c)
    loop = numpy_limit.adam_cm if optimizer.endswith("cm") else numpy_limit.adam
    rho = RHO if "sam" in optimizer else None
    return lambda starts, steps: loop(grad, starts, steps, LR, rho=rho)


def torch_function(landscape):
    from benchmarks import torch_baselines as tb

    if landscape.name == "ackley":
        return tb.ackley
    if landscape.name == "goldstein_price":
        return tb.goldstein_price
    return tb.quadratic(landscape.A, landscape.c)


def torch_loop_rate(optimizer: str, landscape) -> float:
    """Run-steps per second of one PyTorch optimizer per run, stepped run after run."""
    from benchmarks.torch_baselines import torch_loop

    f, starts = torch_function(landscape), starts_in_domain(landscape, LOOP_RUNS)
    torch_loop(optimizer, f, starts[:1], 5, LR, RHO)  # warm up autograd and the optimizer
    best = min(seconds(lambda: torch_loop(optimizer, f, starts, LOOP_STEPS, LR, RHO)) for _ in range(2))
    return LOOP_RUNS * LOOP_STEPS / best


def fastest_torch_batched(optimizer: str, f, starts: np.ndarray) -> Callable[[], object]:
    """Batched PyTorch in its fastest setting for this case (thread count x torch.optim.Adam implementation),
    chosen on a short probe, so that the baseline is the best a skilled user would get."""
    import torch

    from benchmarks.torch_baselines import ADAM_IMPLEMENTATIONS, torch_batched

    default_threads = torch.get_num_threads()
    settings = [(threads, impl) for threads in sorted({1, default_threads}) for impl in ADAM_IMPLEMENTATIONS]

    def runner(threads: int, impl: str, steps: int) -> Callable[[], object]:
        def go():
            torch.set_num_threads(threads)
            try:
                return torch_batched(optimizer, f, starts, steps, LR, RHO, impl)
            finally:
                torch.set_num_threads(default_threads)
        return go

    probe = {setting: min(seconds(runner(*setting, PROBE_STEPS)) for _ in range(2)) for setting in settings}
    return runner(*min(probe, key=probe.get), STEPS)


def measure(optimizer: str, landscape_spec: str, n_runs: int, loop_rate: float | None, with_torch: bool) -> Speed:
    """Time cmx, the NumPy limit and batched PyTorch on one case, best of a few alternating repeats."""
    landscape = build_landscape(landscape_spec)
    starts = starts_in_domain(landscape, n_runs)
    spec = f"{optimizer}:lr={LR}" + (f",rho={RHO}" if "sam" in optimizer else "")
    limit = limit_runner(optimizer, landscape)
    methods = {"cmx": lambda: run(landscape_spec, spec, starts, STEPS, record="final"),
               "numpy_limit": lambda: limit(starts, STEPS)}
    if with_torch and optimizer in BATCHED:
        methods["torch_batched"] = fastest_torch_batched(optimizer, torch_function(landscape), starts)
    repeats = 3 if n_runs >= 10_000 else 5
    best = {name: float("inf") for name in methods}
    for _ in range(repeats):
        for name, method in methods.items():
            best[name] = min(best[name], seconds(method))
    rate = {name: n_runs * STEPS / elapsed for name, elapsed in best.items()}
    return Speed(optimizer, landscape_spec, n_runs, rate["cmx"], rate["numpy_limit"], loop_rate,
                 rate.get("torch_batched"))


def measure_all(with_torch: bool, report: Callable[[Speed], None], run_counts: tuple[int, ...] = RUN_COUNTS
                ) -> list[Speed]:
    """Every (optimizer, landscape, N) case, reported as soon as it is measured."""
    keep_freed_memory()  # cmx's allocator setting holds for the whole process, the baselines included
    speeds = []
    for landscape_spec in LANDSCAPES:
        landscape = build_landscape(landscape_spec)
        for optimizer in OPTIMIZERS:
            loop_rate = torch_loop_rate(optimizer, landscape) if with_torch else None
            for n_runs in run_counts:
                speed = measure(optimizer, landscape_spec, n_runs, loop_rate, with_torch)
                report(speed)
                speeds.append(speed)
    return speeds
