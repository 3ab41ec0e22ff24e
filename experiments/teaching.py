"""What an optimizer used inside every step of one run: the teaching overlays of the app and the player.

One run is replayed step by step with the optimizer's `update`, which hands back what it computed on the way (its
`aux`: the momentum, the critical buffer's stored vectors, the aggregate Adam+CM steps along, SAM's ascent offset);
nothing reaches into an optimizer's state. Where the run stops (diverged, or an undefined gradient) comes from `run`
itself, so the replay and the run can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments.run import as_landscape, as_optimizer, as_starts, run
from landscapes import Landscape
from optimizers import Optimizer
from specs import Field

# Replaying keeps every step of one run in memory, so it is for drawing-sized runs only.
REPLAY_STEPS = Field("steps", "int", 300, "steps of the replayed run", low=0, high=20_000)


@dataclass(frozen=True)
class TeachingTrace:
    """One run, step by step. Row t describes the point x_t reached after t steps (rows 0..T).

    Arrays hold nan where the optimizer has no such thing (no buffer, no SAM) or at the last row for what belongs
    to a step not taken. A run that stops early (as `run` decides) is frozen there: later rows repeat its last
    point and hold nan elsewhere.
    """

    landscape: str
    optimizer: str
    positions: np.ndarray  # (T+1, d) x_t
    gradients: np.ndarray  # (T+1, d) grad f(x_t), without gradient noise
    ascent_points: np.ndarray  # (T+1, d) where step t+1 also evaluated the gradient (SAM's x_t + e)
    momenta: np.ndarray  # (T+1, d) the first moment after t steps
    buffer: np.ndarray  # (T+1, C, d) the critical buffer's stored vectors after t steps (C = 0 without a buffer)
    aggregates: np.ndarray  # (T+1, d) the aggregate a that Adam+CM's step t+1 uses
    used_gradients: np.ndarray  # (T+1, d) the gradient step t+1 used (with noise, or at SAM's ascent point)
    second_moments: np.ndarray  # (T+1, d) Adam's second moment v after t steps
    priorities: np.ndarray  # (T+1, C) the buffer's priorities after t steps


def teaching_trace(landscape: Landscape | str, optimizer: Optimizer | str, start: object, steps: int) -> TeachingTrace:
    """Replay one run of `optimizer` from `start` (d,) for `steps` steps, keeping what each step used."""
    surface = as_landscape(landscape)
    method = as_optimizer(optimizer)
    steps = REPLAY_STEPS.check(steps)
    x = as_starts(start, surface.dim)[:1]
    result = run(surface, method, x, steps, record="all", max_work=None)  # bounded by REPLAY_STEPS, one run
    positions = result.positions[:, 0]
    taken = int(result.stopped_at[0]) if result.stopped[0] else steps  # steps whose update is replayed
    dim = surface.dim
    momenta = np.full((steps + 1, dim), np.nan)
    stored_after: list[tuple[np.ndarray, np.ndarray]] = []  # (size, d) vectors and (size,) priorities after each step
    aggregates = np.full((steps + 1, dim), np.nan)
    ascent = np.full((steps + 1, dim), np.nan)
    used = np.full((steps + 1, dim), np.nan)
    second = np.full((steps + 1, dim), np.nan)
    state = method.init(x)
    with np.errstate(all="ignore"):
        for t in range(taken):
            x, state, aux = method.update(state, x, surface.grad)
            if "momentum" in aux:
                momenta[t + 1] = aux["momentum"][0]
                momenta[0] = 0.0
            if "stored" in aux:
                stored_after.append((aux["stored"][:, 0], aux["priorities"][:, 0]))
            if "gradient" in aux:
                used[t] = aux["gradient"][0]
            if "second_moment" in aux:
                second[t + 1] = aux["second_moment"][0]
                second[0] = 0.0
            if "aggregate" in aux:
                aggregates[t] = aux["aggregate"][0]
            if "ascent_offset" in aux:
                ascent[t] = positions[t] + aux["ascent_offset"][0]
            x = positions[t + 1][None]  # the run's point (a stopped run is frozen where run() froze it)
        gradients = np.full((steps + 1, dim), np.nan)
        gradients[: taken + 1] = surface.grad(positions[: taken + 1])
    capacity = max((len(entries) for entries, _ in stored_after), default=0)
    stored = np.full((steps + 1, capacity, dim), np.nan)
    priorities = np.full((steps + 1, capacity), np.nan)
    for t, (entries, entry_priorities) in enumerate(stored_after, start=1):
        stored[t, : len(entries)] = entries
        priorities[t, : len(entries)] = entry_priorities
    return TeachingTrace(surface.spec, method.spec, positions, gradients, ascent, momenta, stored, aggregates, used,
                         second, priorities)

