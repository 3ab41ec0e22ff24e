"""What an optimizer sees inside every step of one run: the app's teaching overlays.

The optimizers are pure (init, step) pairs, so one run is replayed step by step with `build_optimizer(spec)` and the
landscape's gradient, keeping what each state holds: the gradient, the points where the gradient was evaluated (SAM's
ascent point), the first moment, a critical buffer's stored vectors and the aggregate Adam+CM steps along.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.run import FAR_WIDTHS, as_landscape, as_starts
from landscapes import Landscape
from optimizers import OPTIMIZERS, build_optimizer
from optimizers import critical_buffer as cb
from optimizers.critical import AdamCMState, momentum_aggregate
from specs import Field

# Replaying keeps every state of one run in memory, so it is for drawing-sized runs only.
REPLAY_STEPS = Field("steps", "int", 300, "steps of the replayed run", low=0, high=20_000)


@dataclass(frozen=True)
class TeachingTrace:
    """One run, step by step. Row t describes the point x_t reached after t steps (rows 0..T).

    Arrays hold nan where the optimizer has no such thing (no buffer, no SAM) or at the last row for what belongs
    to a step not taken. A run that diverges (as `run` decides) is frozen there, as in `run`: later rows repeat its
    last point and hold nan elsewhere.
    """

    landscape: str
    optimizer: str
    positions: np.ndarray  # (T+1, d) x_t
    gradients: np.ndarray  # (T+1, d) grad f(x_t), without gradient noise
    ascent_points: np.ndarray  # (T+1, d) the other point where step t+1 evaluated the gradient (SAM's x_t + e)
    momenta: np.ndarray  # (T+1, d) the first moment m after t steps
    buffer: np.ndarray  # (T+1, C, d) the critical buffer's stored vectors after t steps (C = 0 without a buffer)
    aggregates: np.ndarray  # (T+1, d) the aggregate a that Adam+CM's step t+1 uses


def _find(state: Any, attribute: str) -> Any:
    """The first `attribute` along the chain of wrapped states (a wrapper keeps its base's state in `.inner`)."""
    while state is not None:
        if hasattr(state, attribute):
            return getattr(state, attribute)
        state = getattr(state, "inner", None)
    return None


def _cm_state(state: Any) -> AdamCMState | None:
    while state is not None and not isinstance(state, AdamCMState):
        state = getattr(state, "inner", None)
    return state


def cm_aggregate(m_next: np.ndarray, buffer: cb.CriticalBuffer, rule: str, first_step: bool) -> np.ndarray:
    """Adam+CM's aggregate for the step that produced m_next from a state holding `buffer` (zero on the first)."""
    return np.zeros_like(m_next) if first_step else momentum_aggregate(m_next, buffer, rule)


def teaching_trace(landscape: Landscape | str, optimizer: str, start: object, steps: int) -> TeachingTrace:
    """Replay one run of `optimizer` from `start` (d,) for `steps` steps, keeping what each step used."""
    surface = as_landscape(landscape)
    method = build_optimizer(optimizer)
    _, params = OPTIMIZERS.resolve(optimizer)
    steps = REPLAY_STEPS.check(steps)
    x = as_starts(start, surface.dim)[:1]
    dim = surface.dim
    centre, reach = surface.domain.centre, FAR_WIDTHS * (surface.domain.high - surface.domain.low)
    states = [method.init(x)]
    positions = [x[0]]
    ascent = np.full((steps + 1, dim), np.nan)
    with np.errstate(all="ignore"):
        for t in range(steps):
            evaluated: list[np.ndarray] = []

            def recording_grad(y: np.ndarray) -> np.ndarray:
                evaluated.append(np.array(y[0]))
                return surface.grad(y)

            x, state = method.step(states[-1], x, recording_grad)
            if not (np.isfinite(x).all() and (np.abs(x - centre) <= reach).all()):
                positions.append(x[0])
                break
            others = [point for point in evaluated if not np.array_equal(point, positions[-1])]
            if others:
                ascent[t] = others[0]
            states.append(state)
            positions.append(x[0])
        taken = len(positions)
        positions_array = np.concatenate([positions, np.repeat(positions[-1:], steps + 1 - taken, axis=0)])
        gradients = np.full((steps + 1, dim), np.nan)
        gradients[:taken] = surface.grad(np.array(positions))
    momenta = np.full((steps + 1, dim), np.nan)
    for t, state in enumerate(states):
        if (m := _find(state, "m")) is not None:
            momenta[t] = m[0]
    buffers = [_find(state, "buffer") for state in states]
    capacity = buffers[0].vectors.shape[1] if buffers[0] is not None else 0
    stored = np.full((steps + 1, capacity, dim), np.nan)
    for t, buffer in enumerate(buffers):
        if buffer is not None:
            stored[t, : buffer.size] = buffer.vectors[0, : buffer.size]
    aggregates = np.full((steps + 1, dim), np.nan)
    for t in range(len(states) - 1):
        now, nxt = _cm_state(states[t]), _cm_state(states[t + 1])
        if now is not None and nxt is not None:
            aggregates[t] = cm_aggregate(nxt.m, now.buffer, params["aggregate"], now.t == 0)[0]
    return TeachingTrace(surface.spec, OPTIMIZERS.canonical(optimizer), positions_array, gradients, ascent, momenta,
                         stored, aggregates)
