"""The critical buffer shared by Adam+CM and Adam+CG: per run, up to C (priority, vector) entries.

All runs offer at every step, so the number of filled slots is the same for every run and is a plain int.
Storage is slot-major, priorities (C, N) and vectors (C, N, d): slot c of every run is one contiguous block, so the
sum of the stored vectors and each run's smallest priority take C whole-array operations instead of a reduction
over a short axis, which NumPy does many times more slowly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers import counter_rng

# Run-steps of work per slot per coordinate of a run, each step: the mean, the offer and the decay pass over every slot
# (benchmarks/work_weights.py measures both: largest x 1.5). In the plane a run's slots stay in the CPU's caches;
# above it they take several times as long a coordinate.
SLOT_WORK_PLANE = 0.07
SLOT_WORK = 0.22


class CriticalBuffer(NamedTuple):
    slot_priorities: np.ndarray  # (C, N); slots at or past `size` are unused
    slot_vectors: np.ndarray  # (C, N, d)
    size: int  # filled slots, the same for every run
    offers: int  # offers made so far (gives FIFO's oldest slot and the random stream's counter)
    run_ids: np.ndarray  # (N,) which runs these are, for the random rule's draws

    @property
    def priorities(self) -> np.ndarray:
        """(N, C) view of the priorities."""
        return self.slot_priorities.T

    @property
    def vectors(self) -> np.ndarray:
        """(N, C, d) view of the stored vectors."""
        return self.slot_vectors.transpose(1, 0, 2)


def buffer_work(capacity: int, dim: int) -> float:
    """What a buffer of `capacity` slots of `dim` coordinates adds to a run's step, in run-steps."""
    return (SLOT_WORK_PLANE if dim <= 2 else SLOT_WORK) * capacity * dim


def empty(n_runs: int, dim: int, capacity: int, run_ids: np.ndarray | None = None) -> CriticalBuffer:
    ids = np.arange(n_runs) if run_ids is None else np.asarray(run_ids)
    return CriticalBuffer(np.zeros((capacity, n_runs)), np.zeros((capacity, n_runs, dim)), 0, 0, ids)


def mean(buffer: CriticalBuffer) -> np.ndarray:
    """Mean of the stored vectors, (N, d); zero while the buffer is empty."""
    if buffer.size == 0:
        return np.zeros(buffer.slot_vectors.shape[1:])
    stored_mean = total(buffer)
    stored_mean /= buffer.size
    return stored_mean


def total(buffer: CriticalBuffer) -> np.ndarray:
    """Sum of the stored vectors, (N, d)."""
    return buffer.slot_vectors[: buffer.size].sum(axis=0)


def offer(buffer: CriticalBuffer, priority: np.ndarray, vector: np.ndarray, rule: str = "priority",
          seed: int = 0, then_decay: float = 1.0) -> CriticalBuffer:
    """Store (priority (N,), vector (N, d)) per run, in new arrays (the given buffer is left as it was), then
    multiply every priority by `then_decay` (what each step of Adam+CM and Adam+CG does; 1 leaves them).

    While not full, the entry is appended. Once full: rule "priority" replaces the entry with the smallest
    priority (first index on ties) only if the new priority is strictly larger; "fifo" always replaces the
    oldest entry; "random" always replaces a uniformly chosen entry (seeded; a run's draws depend on its row);
    "legacy_slot0" always replaces entry 0, whatever the priorities (the authors' code before 2023-07-19).
    """
    capacity, n_runs, _ = buffer.slot_vectors.shape
    if buffer.size < capacity:
        return _write_slot(buffer, buffer.size, priority, vector, then_decay)
    if rule == "fifo":
        return _write_slot(buffer, buffer.offers % capacity, priority, vector, then_decay)
    if rule == "legacy_slot0":
        return _write_slot(buffer, 0, priority, vector, then_decay)
    if rule == "priority":
        chosen = _first_smallest_below(buffer.slot_priorities, priority)
        if chosen is None:  # no run replaces: the vectors are shared, never written
            return decay(buffer._replace(offers=buffer.offers + 1), then_decay)
    elif rule == "random":
        chosen = np.zeros((capacity, n_runs), dtype=bool)
        slot = counter_rng.integers(seed, counter_rng.BUFFER_STREAM, buffer.run_ids, buffer.offers, capacity)
        chosen[slot, np.arange(n_runs)] = True
    else:
        raise ValueError(f"unknown buffer rule {rule!r}")
    priorities = np.where(chosen, priority, buffer.slot_priorities)
    priorities *= then_decay
    return CriticalBuffer(priorities, _rows_where(chosen, vector, buffer.slot_vectors), buffer.size,
                          buffer.offers + 1, buffer.run_ids)


def _write_slot(buffer: CriticalBuffer, slot: int, priority: np.ndarray, vector: np.ndarray,
                then_decay: float) -> CriticalBuffer:
    """New arrays with every run's entry `slot` set to (priority, vector), then decayed; appends at slot == size."""
    priorities = buffer.slot_priorities.copy()
    vectors = buffer.slot_vectors.copy()
    priorities[slot] = priority
    vectors[slot] = vector
    priorities *= then_decay
    return CriticalBuffer(priorities, vectors, max(buffer.size, slot + 1), buffer.offers + 1, buffer.run_ids)


def _first_smallest_below(priorities: np.ndarray, offered: np.ndarray) -> np.ndarray | None:
    """(C, N) one-hot of the first slot holding each run's smallest priority, in the runs whose offered priority is
    strictly larger; None when no run's is."""
    smallest = priorities.min(axis=0)
    looking = offered > smallest
    if not looking.any():
        return None
    chosen = np.empty(priorities.shape, dtype=bool)
    for slot, hit in zip(priorities, chosen):
        np.equal(slot, smallest, out=hit)
        hit &= looking
        looking ^= hit
    return chosen


def _rows_where(chosen: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """(C, N, d): new[n] where chosen[c, n], else old[c, n].

    Each row of d floats is viewed as one opaque item, so the (C, N) mask needs no broadcast over d (a short inner
    axis that NumPy iterates slowly); values are copied bit for bit.
    """
    row = np.dtype((np.void, old.dtype.itemsize * old.shape[-1]))
    new_rows = np.ascontiguousarray(new, dtype=old.dtype).view(row)[..., 0]
    return np.where(chosen, new_rows, old.view(row)[..., 0])[..., None].view(old.dtype)


def decay(buffer: CriticalBuffer, factor: float) -> CriticalBuffer:
    """Multiply every priority by `factor` (lambda)."""
    return buffer._replace(slot_priorities=buffer.slot_priorities * factor)
