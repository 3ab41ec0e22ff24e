"""Chunks of runs on several cores: the same results bit for bit as one after another, for any chunking; no pickling,
errors and interrupts shut the threads down."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from experiments import escape
from experiments.escape import chunk_threads, measure_escape, run_to_ends, starts_in_basin
from experiments.run import as_optimizer
from landscapes import build_landscape

CASES = [("two_basin:sharpness=16", "adam_cm:lr=0.05,priority=random"),
         ("two_basin", "adam_sam_cm:lr=0.1,noise=0.5"),
         ("quadratic:dim=8", "adam_cm:lr=0.05"),
         ("random_basins", "sgd:lr=5"),  # diverges: frozen runs and diverged basins in every chunk
         ("custom:formula=(x**2 - 1)**2 + y**2", "adam:lr=0.05")]


def starts_for(landscape, runs: int) -> np.ndarray:
    return np.random.default_rng(3).uniform(landscape.domain.low, landscape.domain.high, (runs, landscape.dim))


def assert_same_ends(a: escape.EndPoints, b: escape.EndPoints) -> None:
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("spec, optimizer", CASES)
def test_chunks_on_two_threads_give_the_serial_results_bit_for_bit(spec, optimizer, monkeypatch):
    landscape, method = build_landscape(spec), as_optimizer(optimizer)
    starts = starts_for(landscape, 700)
    watched = 0 if landscape.minima else None  # exit times too, where there is a basin to leave
    whole = run_to_ends(landscape, method, starts, 40, workers=1, basin=watched)  # one chunk
    monkeypatch.setattr(escape, "CHUNK_RUNS", 97)
    monkeypatch.setattr(escape, "PARALLEL_MIN_CHUNK", 13)
    for workers in (1, 2, 3):
        assert_same_ends(run_to_ends(landscape, method, starts, 40, workers=workers, basin=watched), whole)


def test_an_escape_measured_on_two_threads_is_the_serial_one(monkeypatch):
    landscape = build_landscape("two_basin:sharpness=8")
    sharp = landscape.minimum_index("sharp")
    starts = starts_in_basin(landscape, sharp, 600, seed=2)
    method = as_optimizer("adam_sam_cm:lr=0.05")
    serial = measure_escape(landscape, method, sharp, starts, 60, workers=1)
    monkeypatch.setattr(escape, "CHUNK_RUNS", 128)
    parallel = measure_escape(landscape, method, sharp, starts, 60, workers=2)
    assert_same_fields(serial, parallel)


def assert_same_fields(a, b) -> None:
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if dataclasses.is_dataclass(x):  # the survival curve
            assert_same_fields(x, y)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name


def test_an_optimizer_that_cannot_be_pickled_runs_on_threads(monkeypatch):
    # closures over a local list: pickle refuses them, threads need no pickling
    history: list[int] = []
    base = as_optimizer("adam:lr=0.05")

    def update(state, x, grad):
        history.append(1)
        return base.update(state, x, grad)

    method = dataclasses.replace(base, update=update, name="custom", spec="custom")
    landscape = build_landscape("himmelblau")
    starts = starts_for(landscape, 400)
    monkeypatch.setattr(escape, "CHUNK_RUNS", 100)
    assert_same_ends(run_to_ends(landscape, method, starts, 20, workers=2),
                     run_to_ends(landscape, base, starts, 20, workers=1))
    assert len(history) == 4 * 20


class Failing:
    """A landscape whose gradient fails on its `fail_at`-th call (from any thread)."""

    def __init__(self, fail_at: int):
        self.inner = build_landscape("two_basin")
        self.calls, self.fail_at, self.lock = 0, fail_at, threading.Lock()

    def grad(self, X):
        with self.lock:
            self.calls += 1
            failing = self.calls == self.fail_at
        if failing:
            raise RuntimeError("gradient failed")
        return self.inner.grad(X)


def test_an_error_in_one_chunk_reaches_the_caller_and_leaves_no_thread_behind(monkeypatch):
    failing = Failing(fail_at=7)
    landscape = build_landscape("two_basin")
    monkeypatch.setattr(landscape, "grad", failing.grad)
    monkeypatch.setattr(escape, "CHUNK_RUNS", 50)
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="gradient failed"):
        run_to_ends(landscape, as_optimizer("adam"), starts_for(landscape, 1000), 30, workers=2)
    assert threading.active_count() == before
    assert not [t for t in threading.enumerate() if t.name.startswith("cmx-chunks")]
    assert failing.calls < 20 * 30  # the chunks not started were dropped


def test_small_requests_run_serially_and_large_ones_on_every_core(monkeypatch):
    monkeypatch.setattr(escape, "available_cores", lambda: 2)
    assert chunk_threads(1000, 200, None) == 1  # the default cmx escape
    assert chunk_threads(escape.PARALLEL_MIN_RUN_STEPS // 200, 200, None) == 2
    assert chunk_threads(100, 10**9, None) == 1  # too few runs for two chunks
    assert chunk_threads(10**6, 200, 1) == 1 and chunk_threads(1000, 1, 3) == 3
