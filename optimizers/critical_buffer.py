"""The critical buffer shared by Adam+CM and Adam+CG: per run, up to C (priority, vector) entries.

All runs offer at every step, so the number of filled slots is the same for every run and is a plain int.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers import counter_rng


class CriticalBuffer(NamedTuple):
    priorities: np.ndarray  # (N, C); slots at or past `size` are unused
    vectors: np.ndarray  # (N, C, d)
    size: int  # filled slots, the same for every run
    offers: int  # offers made so far (gives FIFO's oldest slot and the random stream's counter)


def empty(n_runs: int, dim: int, capacity: int) -> CriticalBuffer:
    return CriticalBuffer(np.zeros((n_runs, capacity)), np.zeros((n_runs, capacity, dim)), 0, 0)


def mean(buffer: CriticalBuffer) -> np.ndarray:
    """Mean of the stored vectors, (N, d); zero while the buffer is empty."""
    if buffer.size == 0:
        n_runs, _, dim = buffer.vectors.shape
        return np.zeros((n_runs, dim))
    return buffer.vectors[:, : buffer.size].sum(axis=1) / buffer.size


def total(buffer: CriticalBuffer) -> np.ndarray:
    """Sum of the stored vectors, (N, d)."""
    return buffer.vectors[:, : buffer.size].sum(axis=1)


def offer(buffer: CriticalBuffer, priority: np.ndarray, vector: np.ndarray, rule: str = "priority",
          seed: int = 0) -> CriticalBuffer:
    """Store (priority (N,), vector (N, d)) per run.

    While not full, the entry is appended. Once full: rule "priority" replaces the entry with the smallest
    priority (first index on ties) only if the new priority is strictly larger; "fifo" always replaces the
    oldest entry; "random" always replaces a uniformly chosen entry (seeded; a run's draws depend on its row).
    """
    n_runs, capacity, _ = buffer.vectors.shape
    priorities = buffer.priorities.copy()
    vectors = buffer.vectors.copy()
    if buffer.size < capacity:
        priorities[:, buffer.size] = priority
        vectors[:, buffer.size] = vector
        return CriticalBuffer(priorities, vectors, buffer.size + 1, buffer.offers + 1)
    rows = np.arange(n_runs)
    if rule == "priority":
        slot = np.argmin(priorities, axis=1)
        replace = priority > priorities[rows, slot]
        rows, slot = rows[replace], slot[replace]
        priority, vector = priority[replace], vector[replace]
    elif rule == "fifo":
        slot = np.full(n_runs, buffer.offers % capacity)
    elif rule == "random":
        slot = counter_rng.integers(seed, rows, buffer.offers, capacity)
    else:
        raise ValueError(f"unknown buffer rule {rule!r}")
    priorities[rows, slot] = priority
    vectors[rows, slot] = vector
    return CriticalBuffer(priorities, vectors, buffer.size, buffer.offers + 1)


def decay(buffer: CriticalBuffer, factor: float) -> CriticalBuffer:
    """Multiply every priority by `factor` (lambda)."""
    return buffer._replace(priorities=buffer.priorities * factor)
