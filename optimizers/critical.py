"""Memory-augmented Adam: critical momenta (Adam+CM, Malviya et al. 2024) and critical gradients (Adam+CG).

Both follow the authors' code (chandar-lab/CMOptimizer, classes Adam_CM and Adam_C), whose arithmetic produced the
paper's results; docs/optimizers.md states it line by line.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from optimizers import critical_buffer as cb
from optimizers.adam import ADAM_FIELDS, ADAM_STEP, adam
from optimizers.base import Aux, GradFn, Optimizer, bias_corrected_step, row_norms, state_memory
from optimizers.noise import noisy
from optimizers.registry import NOISE_FIELDS, OPTIMIZERS, OptimizerRecord
from specs import Field, SpecError

PRIORITIES = ("grad_norm", "momentum_norm", "fifo", "random")
AGGREGATES = ("sum", "mean")
SECOND_MOMENTS = ("aggregate", "gradient", "direction")
FIRST_STEPS = ("hold", "step")
BIAS_CORRECTIONS = ("aggregate", "momentum")
REPLACEMENTS = ("priority", "legacy_slot0")
# What Adam+CM and Adam+CG add to a step besides their buffer's slots (critical_buffer.buffer_work), per coordinate, in
# run-steps: the aggregate, a second norm, the offer's bookkeeping (benchmarks/work_weights.py: largest x 1.5).
CM_WORK = 0.58
CG_WORK = 0.26

TOP_C = Field("top_c", "int", 5, "C: how many critical momenta the buffer keeps", low=1, high=100,
              title="C (buffer size)", symbol="C")
DECAY = Field("decay", "float", 0.7, "lambda: buffer priorities are multiplied by this after every step", low=0.0,
              high=1.0, title="λ (priority decay)", symbol="λ")
PRIORITY = Field("priority", "choice", "grad_norm", "which momenta the buffer keeps", choices=PRIORITIES)
AGGREGATE = Field("aggregate", "choice", "sum", "sum: m + mean(buffer); mean: mean of m and the buffer",
                  choices=AGGREGATES)
SECOND_MOMENT = Field("second_moment", "choice", "aggregate", "what v averages the square of: the aggregate a, the "
                      "gradient, or the bias-corrected direction the step takes", choices=SECOND_MOMENTS)
FIRST_STEP = Field("first_step", "choice", "hold", "hold: the first call only stores the gradient and does not move "
                   "(the authors' code); step: it moves like the later calls, from an empty buffer",
                   choices=FIRST_STEPS)
BIAS_CORRECTION = Field("bias_correction", "choice", "aggregate", "what 1-b1^t divides: the whole aggregate (the "
                        "authors' code) or only the momentum, the buffer mean added as stored",
                        choices=BIAS_CORRECTIONS)
REPLACEMENT = Field("replacement", "choice", "priority", "how a full buffer takes a new momentum: by priority, or "
                    "always into entry 0 (legacy_slot0: the authors' code before 2023-07-19)", choices=REPLACEMENTS)
CM_FIELDS = (TOP_C, DECAY, PRIORITY, AGGREGATE, SECOND_MOMENT, FIRST_STEP, BIAS_CORRECTION, REPLACEMENT)
# The buffer's offer and decay in LaTeX, shared by Adam+CM's and Adam+CG's equations.
BUFFER_DECAY = r"\text{priorities} \leftarrow \lambda\cdot\text{priorities}"


def buffer_rule(priority: str, replacement: str = "priority") -> str:
    """The critical_buffer rule that a full buffer follows under these knobs."""
    if replacement == "legacy_slot0":
        return "legacy_slot0"
    return priority if priority in ("fifo", "random") else "priority"


def check_knobs(priority: str, replacement: str) -> None:
    """Refuse a pair of knobs that name two replacement rules at once."""
    if replacement == "legacy_slot0" and priority in ("fifo", "random"):
        raise SpecError(f"replacement=legacy_slot0 overwrites entry 0 whatever the priorities, so priority must be "
                        f"grad_norm or momentum_norm (got {priority})")


def momentum_aggregate(m: np.ndarray, buffer: cb.CriticalBuffer, aggregate: str = "sum") -> np.ndarray:
    """Adam+CM's aggregate a, (N, d), a new array: m + mean(buffer) ("sum") or the mean of m and the stored
    momenta together ("mean"); `buffer` is the one before this step's offer."""
    if aggregate == "sum":
        a = cb.mean(buffer)
        a += m
    else:
        a = cb.total(buffer)
        a += m
        a /= buffer.size + 1
    return a


class AdamCMState(NamedTuple):
    t: int
    m: np.ndarray  # (N, d) momentum
    v: np.ndarray  # (N, d) second moment (of the aggregate by default)
    buffer: cb.CriticalBuffer


ADAM_CM_RECORD = OptimizerRecord(
    label="Adam+CM", docs="docs/optimizers.md#adam-with-critical-momenta-adam_cm", rank=20, palette_family="adam_cm",
    summary="Adam with critical momenta: a buffer keeps the C momenta seen with the largest gradient norms "
            "(priorities shrink by λ each step) and their mean is added to the momentum. The knobs first_step, "
            "bias_correction, second_moment and replacement change one piece each (their formulas are in the "
            "table and in docs/optimizers.md); the defaults are the paper authors' arithmetic.",
    equations=(r"m_{t+1} = \beta_1 m_t + (1-\beta_1)\, g_t",
               r"a_{t+1} = m_{t+1} + \operatorname{mean}(\text{buffer})"
               r" \qquad (a_1 = 0,\ \text{buffer} \leftarrow g_0)",
               r"\text{buffer.offer}(\lVert g_t \rVert,\ m_{t+1}); \quad " + BUFFER_DECAY,
               r"v_{t+1} = \beta_2 v_t + (1-\beta_2)\, a_{t+1}^2", ADAM_STEP.replace("d_{t+1}", "a_{t+1}")))


@OPTIMIZERS.register("adam_cm", (*ADAM_FIELDS, *CM_FIELDS, *NOISE_FIELDS), "Adam with critical momenta",
                     ADAM_CM_RECORD)
def adam_cm(*, lr: float, b1: float, b2: float, eps: float, top_c: int, decay: float, priority: str, aggregate: str,
            second_moment: str, first_step: str, bias_correction: str, replacement: str, noise: float, noise_shape: str,
            seed: int) -> Optimizer:
    """Adam with critical momenta; the defaults are the authors' arithmetic (docs/optimizers.md states every knob).

    Held first call (first_step="hold", t = 0): buffer.offer(||g||, g); a = d = 0; m stays 0.
    Other calls: m <- b1 m + (1-b1) g; a = A(m) with A(u) = u + mean(buffer) ("sum") or the mean of u and the
    buffer's entries ("mean"); then buffer.offer(||g|| or ||m||, m).
    Always: t <- t+1; the direction d = a/(1-b1^t) (bias_correction="aggregate") or A(m/(1-b1^t)) ("momentum");
    v <- b2 v + (1-b2) s² with s = a, g or d (second_moment = aggregate, gradient, direction);
    x <- x - lr d / (sqrt(v/(1-b2^t)) + eps); then every priority is multiplied by `decay`.
    A full buffer replaces by `priority`, or always overwrites entry 0 (replacement="legacy_slot0"); `seed` seeds
    the random rule (and the gradient noise).
    """
    check_knobs(priority, replacement)
    rule = buffer_rule(priority, replacement)
    hold = first_step == "hold"
    corrects_aggregate = bias_correction == "aggregate"

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> AdamCMState:
        zeros = np.zeros_like(x0, dtype=np.float64)
        return AdamCMState(0, zeros, zeros.copy(), cb.empty(x0.shape[0], x0.shape[1], top_c, run_ids))

    def update(state: AdamCMState, x: np.ndarray, grad: GradFn) -> tuple[np.ndarray, AdamCMState, Aux]:
        g = grad(x)
        g_norm = row_norms(g)
        t = state.t + 1
        held = hold and state.t == 0
        # `work` holds (1-b1) g, then (1-b2) s², then the new x: no temporaries beyond it.
        work = np.empty_like(g) if held else np.multiply(g, 1.0 - b1)
        if held:
            m = state.m
            a = np.zeros_like(g)
            buffer = cb.offer(state.buffer, g_norm, g, rule, seed, decay)
        else:
            m = np.multiply(state.m, b1)
            m += work
            a = momentum_aggregate(m, state.buffer, aggregate)
            offered = row_norms(m) if priority == "momentum_norm" else g_norm
            buffer = cb.offer(state.buffer, offered, m, rule, seed, decay)  # copies m into its own arrays
        if corrects_aggregate:
            direction, step_b1 = a, b1  # the step divides by 1-b1^t
        else:  # corrected already: b1 = 0 makes the step's 1-b1^t equal 1
            direction = a if held else momentum_aggregate(m / (1.0 - b1**t), state.buffer, aggregate)
            step_b1 = 0.0
        if second_moment == "gradient":
            np.multiply(g, g, out=work)
        elif second_moment == "direction" and corrects_aggregate:  # d = a/(1-b1^t), squared in place
            np.divide(a, 1.0 - b1**t, out=work)
            work *= work
        else:
            source = a if second_moment == "aggregate" else direction
            np.multiply(source, source, out=work)
        work *= 1.0 - b2
        v = np.multiply(state.v, b2)
        v += work
        x_new = bias_corrected_step(x, direction, v, t, lr, step_b1, b2, eps, out=work)
        aux = {"momentum": m, "aggregate": a, "stored": buffer.slot_vectors[: buffer.size], "gradient": g,
               "second_moment": v, "priorities": buffer.slot_priorities[: buffer.size]}
        return x_new, AdamCMState(t, m, v, buffer), aux

    return noisy(Optimizer(init, update, extra_work=lambda dim: CM_WORK * dim + cb.buffer_work(top_c, dim),
                           memory=state_memory(2 + top_c), buffer_capacity=top_c), noise, seed, noise_shape)


class CriticalGradientsState(NamedTuple):
    buffer: cb.CriticalBuffer
    inner: Any  # the base optimizer's state


def critical_gradients(base: Optimizer, top_c: int = 5, decay: float = 0.7) -> Optimizer:
    """Feed the base optimizer h = g + mean(buffer) (h = g on the first step), then offer (||g||, g) and decay.

    With Adam as the base this is Adam+CG, the authors' Adam_C.
    """

    def init(x0: np.ndarray, run_ids: np.ndarray | None = None) -> CriticalGradientsState:
        return CriticalGradientsState(cb.empty(x0.shape[0], x0.shape[1], top_c, run_ids), base.init(x0, run_ids))

    def update(state: CriticalGradientsState, x: np.ndarray, grad: GradFn
               ) -> tuple[np.ndarray, CriticalGradientsState, Aux]:
        g = grad(x)
        h = g if state.buffer.size == 0 else g + cb.mean(state.buffer)
        buffer = cb.offer(state.buffer, row_norms(g), g, then_decay=decay)
        # The base is stepped from x, so the function it is handed is only ever asked for the gradient at x.
        x_new, inner, aux = base.update(state.inner, x, lambda _: h)
        return x_new, CriticalGradientsState(buffer, inner), {**aux, "stored": buffer.slot_vectors[: buffer.size],
                                                              "priorities": buffer.slot_priorities[: buffer.size]}

    return dataclasses.replace(base, init=init, update=update, extra_work=lambda dim: base.extra_work(dim)
                               + CG_WORK * dim + cb.buffer_work(top_c, dim),
                               memory=lambda dim: base.memory(dim) + (1 + 2 * top_c) * dim, buffer_capacity=top_c)


ADAM_CG_RECORD = OptimizerRecord(
    label="Adam+CG", docs="docs/optimizers.md#adam-with-critical-gradients-adam_cg", rank=50,
    palette_family="adam_cg",
    summary="Adam with critical gradients (the authors' Adam_C): the buffer keeps gradients, and their mean is added "
            "to the gradient Adam sees.",
    equations=(r"h_t = g_t + \operatorname{mean}(\text{buffer}) \qquad (h_0 = g_0)",
               r"\text{buffer.offer}(\lVert g_t \rVert,\ g_t); \quad " + BUFFER_DECAY,
               r"\text{then Adam's update with } h_t"))


@OPTIMIZERS.register("adam_cg", (*ADAM_FIELDS, TOP_C, DECAY, *NOISE_FIELDS), "Adam with critical gradients (Adam_C)",
                     ADAM_CG_RECORD)
def adam_cg(*, lr: float, b1: float, b2: float, eps: float, top_c: int, decay: float, noise: float, noise_shape: str,
            seed: int) -> Optimizer:
    """Adam+CG: critical gradients around Adam."""
    return noisy(critical_gradients(adam(lr=lr, b1=b1, b2=b2, eps=eps), top_c, decay), noise, seed, noise_shape)
