"""Two sessions computing at once get exactly what each would get alone: threads running different specs (custom
formulas among them, whose gradients, Hessians and minima go through autograd) give bit-identical results to the same
work done one after another."""

from __future__ import annotations

import random
import sys
import threading

import numpy as np
import pytest

from experiments.run import run
from landscapes import build_landscape, formula_function

CASES = [
    ("goldstein_price", "adam_cm:lr=0.01"),
    ("custom:formula=sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)", "adam_sam_cm:lr=0.05,priority=random,seed=3"),
    ("custom:formula=(x**2 - 1)**2 + y**2 + log(1 + x**2)", "adam:lr=0.1,noise=0.5,seed=7"),
    ("custom:extent=5,formula=exp(-x**2)*y**2 + abs(x)*y**2 + 0.05*(x**2 - 4)**2", "momentum:lr=0.01,nesterov=true"),
    ("custom:formula=log(x) + y**2", "adam_cg:lr=0.3"),  # runs into log's nan region diverge
    ("two_basin:sharpness=64", "adam_sam:lr=0.05,rho=0.1"),
    ("ackley", "adam_cg:lr=0.05"),
    ("random_basins:seed=3", "sgd:lr=0.01,noise=0.1"),
]


def compute(landscape_spec: str, optimizer_spec: str) -> dict[str, np.ndarray]:
    """Everything a session derives from one spec, from a freshly built landscape (nothing cached between calls)."""
    landscape = build_landscape(landscape_spec)
    starts = landscape.domain.low + np.random.default_rng(11).uniform(0, 1, (64, 2)) * (
        landscape.domain.high - landscape.domain.low)
    result = run(landscape, optimizer_spec, starts, 150, record=10)
    probe = starts[:16]
    return {
        "positions": result.positions, "losses": result.losses, "diverged_at": result.stopped_at,
        "grad_evals": result.grad_evals, "grad": landscape.grad(probe), "hessian": landscape.hessian(probe),
        "minima": np.array([np.append(m.location, [m.value, *m.eigenvalues]) for m in landscape.minima]),
    }


def compute_in_threads(tasks: list[tuple[str, str]]) -> list[dict[str, np.ndarray]]:
    """Each task in its own thread, all released at once by a barrier so that they overlap."""
    results: list = [None] * len(tasks)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(tasks))

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = compute(*tasks[i])
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    """Switch threads every microsecond instead of every 5 ms, so that unsafe sharing shows within a short test
    (checked: a scratch array shared between momentum runs is caught this way, and not at the default interval)."""
    default = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(default)


@pytest.fixture(scope="module")
def alone() -> dict[tuple[str, str], dict[str, np.ndarray]]:
    return {case: compute(*case) for case in CASES}


def test_threads_computing_different_specs_get_what_each_gets_alone(alone):
    tasks = CASES * 3
    random.Random(0).shuffle(tasks)
    for task, together in zip(tasks, compute_in_threads(tasks)):
        for key, expected in alone[task].items():
            np.testing.assert_array_equal(together[key], expected, err_msg=f"{task} {key}")


def test_the_cases_exercise_autograd_divergence_and_minima(alone):
    # Guards the test above against becoming vacuous: custom formulas find minima, and some runs diverge.
    assert all(len(alone[case]["minima"]) > 0 for case in CASES[1:4])
    assert alone[CASES[4]]["diverged_at"].max() > 0


def test_threads_differentiating_one_shared_custom_landscape_agree_with_one_thread():
    landscape = build_landscape("custom:formula=x**3*y - sin(x*y) + exp(y/3)")
    points = [np.random.default_rng(seed).normal(size=(200, 2)) for seed in range(12)]
    expected = [(landscape.grad(X), landscape.hessian(X)) for X in points]
    got: list = [None] * len(points)
    barrier = threading.Barrier(len(points))

    def work(i: int) -> None:
        barrier.wait()
        got[i] = [(landscape.grad(points[i]), landscape.hessian(points[i])) for _ in range(5)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(points))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for (g, H), repeats in zip(expected, got):
        for g_thread, H_thread in repeats:
            np.testing.assert_array_equal(g_thread, g)
            np.testing.assert_array_equal(H_thread, H)


def test_formulas_compiled_in_threads_compute_the_same_values():
    texts = [f"sin({k}*x) + y**{k % 5} - log(1 + x**2)/{k}" for k in range(1, 25)]
    x, y = np.linspace(-2, 2, 50), np.linspace(3, -1, 50)
    expected = [formula_function(text)(x, y) for text in texts]
    got: list = [None] * len(texts)
    barrier = threading.Barrier(len(texts))

    def work(i: int) -> None:
        barrier.wait()
        got[i] = formula_function(texts[i])(x, y)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for value, reference in zip(got, expected):
        np.testing.assert_array_equal(value, reference)
