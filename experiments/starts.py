"""Seeded uniform starts in a box: the one place every page, command and study draws them."""

from __future__ import annotations

import numpy as np

from specs import SpecError

MAX_SPAN = 1e6  # the widest box starts may be drawn from, per axis


def check_box(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """low and high (d,) as finite floats with low < high and a span of at most MAX_SPAN, or a SpecError."""
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise SpecError("a region must be finite numbers")
    if not np.all(low < high):
        raise SpecError("a region must have low < high on every axis")
    with np.errstate(over="ignore"):
        span = high - low
    if not np.all(span <= MAX_SPAN):
        raise SpecError(f"a region must be at most {MAX_SPAN:g} wide on every axis")
    return low, high


def uniform_starts(low: np.ndarray, high: np.ndarray, runs: int, seed: int) -> np.ndarray:
    """(runs, d) points uniform in the box [low, high], seeded: the same seed gives the same points."""
    low, high = check_box(low, high)
    return np.random.default_rng(seed).uniform(low, high, size=(runs, low.shape[0]))
