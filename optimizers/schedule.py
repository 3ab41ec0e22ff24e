"""Learning-rate warm-up and schedules as a wrapper around any optimizer, and the knobs every optimizer takes for it.

Every registered optimizer moves a run by lr times a vector its state and the gradients give, and its state never
depends on lr (tests/test_records.py holds each one to it), so taking step t at lr·f_t is the base's step scaled
by f_t: x ← x + f_t (x_base − x). That is how the wrapper applies a schedule, around the base's own arithmetic.
With f_t = 1 the base's point is returned as it is, so a schedule that is off, or has ended, changes no bit.

Step t counts calls from 0, as torch's schedulers count `scheduler.step()` calls after each `optimizer.step()`:
- warm-up over K steps: f_t = (t+1)/K for t < K (torch.optim.lr_scheduler.LinearLR(start_factor=1/K, end_factor=1,
  total_iters=K−1));
- then the schedule, its clock u = t − K started when the warm-up ends (SequentialLR with milestones=[K]):
  constant: 1; cosine over T steps to the floor φ: φ + (1−φ)(1 + cos(π u/T))/2 for u < T, φ after (torch's
  CosineAnnealingLR with eta_min = φ lr, which instead rises again after T); step every T steps by γ: γ^⌊u/T⌋
  (StepLR(step_size=T, gamma=γ)).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple

import numpy as np

from optimizers.base import Aux, GradFn, Optimizer
from specs import Field

SCHEDULES = ("constant", "cosine", "step")
WARMUP = Field("warmup", "int", 0, "linear warm-up: step t (from 0) takes lr·(t+1)/K for its first K steps (0: none)",
               low=0, high=10_000_000, title="warm-up steps")
SCHEDULE = Field("schedule", "choice", "constant", "the lr after the warm-up: constant, cosine (down to lr_floor·lr "
                 "over schedule_steps) or step (times schedule_gamma every schedule_steps)", choices=SCHEDULES)
SCHEDULE_STEPS = Field("schedule_steps", "int", 1000, "cosine: the steps it takes to fall to its floor; step: the "
                       "steps between two drops", low=1, high=10_000_000, title="schedule steps")
SCHEDULE_GAMMA = Field("schedule_gamma", "float", 0.1, "step schedule: lr is multiplied by this at every drop",
                       low=0.0, high=1.0, low_open=True, title="γ (step schedule's drop)")
LR_FLOOR = Field("lr_floor", "float", 0.0, "cosine schedule: the lr it ends at, as a fraction of lr", low=0.0,
                 high=1.0, title="cosine floor (fraction of lr)")
SCHEDULE_FIELDS = (WARMUP, SCHEDULE, SCHEDULE_STEPS, SCHEDULE_GAMMA, LR_FLOOR)  # every optimizer's, after the noise's
SCHEDULE_NAMES = tuple(field.name for field in SCHEDULE_FIELDS)
# Run-steps of work per coordinate the scaling adds to a step (a subtraction, a product and a sum over (N, d)):
# benchmarks/work_weights.py measures it (its largest measurement x 1.5).
SCHEDULE_WORK = 0.3


def schedule_is_off(warmup: int, schedule: str) -> bool:
    """No warm-up and a constant schedule: the optimizer is left unwrapped."""
    return warmup <= 1 and schedule == "constant"


def lr_factor(t: int | np.ndarray, warmup: int = 0, schedule: str = "constant", schedule_steps: int = 1000,
              schedule_gamma: float = 0.1, lr_floor: float = 0.0) -> float | np.ndarray:
    """f_t, the share of lr that step t (counted from 0) takes: the module docstring's formulas."""
    t = np.asarray(t)
    u = t - warmup  # the schedule's own clock
    if schedule == "cosine":
        after = np.where(u < schedule_steps,
                         lr_floor + (1.0 - lr_floor) * (1.0 + np.cos(math.pi * np.maximum(u, 0) / schedule_steps)) / 2,
                         lr_floor)
    elif schedule == "step":
        after = schedule_gamma ** (np.maximum(u, 0) // schedule_steps)
    else:
        after = np.ones(t.shape)
    factor = np.where(t < warmup, (t + 1.0) / max(warmup, 1), after)
    return float(factor) if factor.ndim == 0 else factor


class ScheduledState(NamedTuple):
    t: int  # steps taken: the schedule's clock
    inner: Any  # the base optimizer's state


def scheduled(base: Optimizer, warmup: int, schedule: str, schedule_steps: int, schedule_gamma: float,
              lr_floor: float) -> Optimizer:
    """The base with step t taken at lr·f_t (`lr_factor`): x ← x + f_t (x_base − x), x_base being the base's new
    point; where f_t = 1 the base's point itself. aux["lr_factor"] is f_t."""

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> ScheduledState:
        return ScheduledState(0, base.init(x0, run_ids))

    def update(state: ScheduledState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, ScheduledState, Aux]:
        factor = lr_factor(state.t, warmup, schedule, schedule_steps, schedule_gamma, lr_floor)
        x_base, inner, aux = base.update(state.inner, x, grad)
        if factor != 1.0:
            x_base = np.subtract(x_base, x)
            x_base *= factor
            x_base += x
        return x_base, ScheduledState(state.t + 1, inner), {**aux, "lr_factor": np.asarray(factor)}

    # the scaled step, (N, d), alive beside the base's new point
    return dataclasses.replace(base, init=init, update=update, memory=lambda dim: base.memory(dim) + dim,
                               extra_work=lambda dim: base.extra_work(dim) + SCHEDULE_WORK * dim)


def with_schedule(optimizer: Optimizer, warmup: int = 0, schedule: str = "constant", schedule_steps: int = 1000,
                  schedule_gamma: float = 0.1, lr_floor: float = 0.0) -> Optimizer:
    """`optimizer` under the schedule the knobs name, or `optimizer` itself when it is off (`schedule_is_off`), so that
    an unscheduled step costs nothing more and changes no bit."""
    if schedule_is_off(warmup, schedule):
        return optimizer
    return scheduled(optimizer, warmup, schedule, schedule_steps, schedule_gamma, lr_floor)
