"""Counter-based random numbers: a value depends only on (seed, stream, run, counter, coordinate).

A run therefore draws the same numbers whether it advances alone or among thousands, and no generator object is
carried in an optimizer's state. Each consumer has its own stream id, folded into the key as `jax.random.fold_in`
does, so two consumers with one seed (gradient noise, random buffer replacement) never share a draw. The mixer is
splitmix64's finaliser on uint64 arrays (wrapping arithmetic).
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)

# The consumers' stream ids.
NOISE_STREAM = 1
BUFFER_STREAM = 2
DATA_STREAM = 3  # a landscape's per-step draws (a minibatch, noisy labels): experiments.run.sampled_gradients


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _fold_in(key: np.ndarray, data: int) -> np.ndarray:
    """A new key from `key` and an integer, as mixed as the key itself."""
    return _mix(key + _mix(np.array([data], dtype=np.uint64) + _GOLDEN))


def _keys(seed: int, stream: int, runs: np.ndarray, counter: int, width: int) -> np.ndarray:
    """(N, width) uint64 keys, one per (run, coordinate)."""
    head = _fold_in(_fold_in(_mix(np.array([seed], dtype=np.uint64) + _GOLDEN), stream), counter)
    per_run = _mix(head + runs.astype(np.uint64) * _M1)
    columns = np.arange(1, width + 1, dtype=np.uint64) * _GOLDEN
    return _mix(per_run[:, None] + columns[None, :])


def uniform(seed: int, stream: int, runs: np.ndarray, counter: int, width: int) -> np.ndarray:
    """(N, width) floats in the open interval (0, 1)."""
    bits = _keys(seed, stream, runs, counter, width) >> np.uint64(11)
    return (bits.astype(np.float64) + 0.5) * 2.0**-53


def normal(seed: int, stream: int, runs: np.ndarray, counter: int, width: int) -> np.ndarray:
    """(N, width) standard normal draws (Box-Muller on two independent uniforms)."""
    u = uniform(seed, stream, runs, counter, 2 * width)
    return np.sqrt(-2.0 * np.log(u[:, :width])) * np.cos(2.0 * np.pi * u[:, width:])


def integers(seed: int, stream: int, runs: np.ndarray, counter: int, high: int) -> np.ndarray:
    """(N,) integers uniform in [0, high)."""
    return np.minimum((uniform(seed, stream, runs, counter, 1)[:, 0] * high).astype(np.int64), high - 1)
