"""Run-steps per second of cmx's `run` against the PyTorch loop, batched PyTorch and the hand-written NumPy limit.

Every method starts from the same seeded points, takes the same steps (tests/test_benchmarks.py checks that) and
is timed by wall clock, best of a few repeats taken in turn so that all methods share the machine's load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks import numpy_limit
from experiments.allocator import keep_freed_memory
from experiments.run import run
from landscapes import build_landscape

OPTIMIZERS = ("adam", "adam_sam", "adam_cm", "adam_sam_cm")
LANDSCAPES = ("ackley", "goldstein_price", "quadratic:dim=8", "two_basin", "random_basins")
RUN_COUNTS = (1, 100, 10_000)
STEPS = 500
LR = 0.01
RHO = 0.05
BATCHED = ("adam", "adam_sam")  # the elementwise optimizers a single torch.optim.Adam can batch
LOOP_RUNS, LOOP_STEPS = 16, 100  # the PyTorch loop costs the same per run at any N: its rate is measured on a few
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
    torch_batched_setting: str | None = None  # the thread count and Adam implementation that were fastest

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


def limit_gradient(landscape) -> Callable[[np.ndarray], np.ndarray]:
    """The hand-written closed-form gradient of the NumPy limit for this landscape."""
    if landscape.name == "ackley":
        return numpy_limit.ackley_grad
    if landscape.name == "goldstein_price":
        return numpy_limit.goldstein_price_grad
    if landscape.name == "two_basin":
        return numpy_limit.two_basin_grad(landscape.params["sharpness"], landscape.params["depth"], landscape.tau)
    if landscape.name == "random_basins":
        return numpy_limit.quadratic_basins_grad(landscape.centres, landscape.hessians, landscape.depths, landscape.tau)
    return numpy_limit.quadratic_grad(landscape.A, landscape.c)


def limit_runner(optimizer: str, landscape) -> Callable[[np.ndarray, int], np.ndarray]:
    """The hand-written NumPy loop for this optimizer and landscape: (starts, steps) -> final points."""
    grad = limit_gradient(landscape)
    loop = numpy_limit.adam_cm if optimizer.endswith("cm") else numpy_limit.adam
    rho = RHO if "sam" in optimizer else None
    return lambda starts, steps: loop(grad, starts, steps, LR, rho=rho)


def torch_function(landscape):
    from benchmarks import torch_baselines as tb

    if landscape.name == "ackley":
        return tb.ackley
    if landscape.name == "goldstein_price":
        return tb.goldstein_price
    if landscape.name in ("two_basin", "random_basins"):
        return tb.quadratic_basins(landscape.centres, landscape.hessians, landscape.depths, landscape.tau)
    return tb.quadratic(landscape.A, landscape.c)


def fastest_torch_batched(optimizer: str, f, starts: np.ndarray) -> tuple[Callable[[], object], str]:
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
    threads, impl = min(probe, key=probe.get)
    return runner(threads, impl, STEPS), f"{threads} thread{'s' if threads > 1 else ''}, {impl}"


def timed_methods(optimizer: str, landscape_spec: str, n_runs: int, with_torch: bool, with_loop: bool
                  ) -> tuple[dict[str, tuple[Callable[[], object], int]], str | None]:
    """name -> (a call to time, the run-steps it takes) for every method that applies to this case, and batched
    PyTorch's setting."""
    landscape = build_landscape(landscape_spec)
    starts = starts_in_domain(landscape, n_runs)
    spec = f"{optimizer}:lr={LR}" + (f",rho={RHO}" if "sam" in optimizer else "")
    limit = limit_runner(optimizer, landscape)
    work = n_runs * STEPS
    methods = {"cmx": (lambda: run(landscape_spec, spec, starts, STEPS, record="final", max_work=None), work),
               "numpy_limit": (lambda: limit(starts, STEPS), work)}
    setting = None
    if with_torch and optimizer in BATCHED:
        batched, setting = fastest_torch_batched(optimizer, torch_function(landscape), starts)
        methods["torch_batched"] = (batched, work)
    if with_torch and with_loop:
        from benchmarks.torch_baselines import torch_loop

        f, few = torch_function(landscape), starts_in_domain(landscape, LOOP_RUNS)
        torch_loop(optimizer, f, few[:1], 5, LR, RHO)  # warm up autograd and the optimizer
        methods["torch_loop"] = (lambda: torch_loop(optimizer, f, few, LOOP_STEPS, LR, RHO), LOOP_RUNS * LOOP_STEPS)
    return methods, setting


def best_rates(methods: dict[str, tuple[Callable[[], object], int]], repeats: int) -> dict[str, float]:
    """Run-steps per second of each method: the best of `repeats` rounds, each round timing every method in turn."""
    best = {name: float("inf") for name in methods}
    for _ in range(repeats):
        for name, (method, _) in methods.items():
            best[name] = min(best[name], seconds(method))
    return {name: methods[name][1] / elapsed for name, elapsed in best.items()}


def measure_case(optimizer: str, landscape_spec: str, run_counts: tuple[int, ...], with_torch: bool) -> list[Speed]:
    """Speeds of one optimizer on one landscape at every N, largest N first. The PyTorch loop, whose cost is linear
    in the runs, is timed on LOOP_RUNS runs in the same rounds as the largest N and its rate holds for every N."""
    rates, settings = {}, {}
    for n_runs in sorted(run_counts, reverse=True):
        largest = n_runs == max(run_counts)
        methods, settings[n_runs] = timed_methods(optimizer, landscape_spec, n_runs, with_torch, with_loop=largest)
        rates[n_runs] = best_rates(methods, repeats=5)
    loop_rate = rates[max(run_counts)].get("torch_loop")
    return [Speed(optimizer, landscape_spec, n, rates[n]["cmx"], rates[n]["numpy_limit"], loop_rate,
                  rates[n].get("torch_batched"), settings[n]) for n in run_counts]


def measure_all(with_torch: bool, report: Callable[[Speed], None], run_counts: tuple[int, ...] = RUN_COUNTS
                ) -> list[Speed]:
    """Every (optimizer, landscape, N) case, reported as soon as its optimizer and landscape are measured."""
    keep_freed_memory()  # cmx's allocator setting holds for the whole process, the baselines included
    speeds = []
    for landscape_spec in LANDSCAPES:
        for optimizer in OPTIMIZERS:
            for speed in measure_case(optimizer, landscape_spec, run_counts, with_torch):
                report(speed)
                speeds.append(speed)
    return speeds
