"""The optimizer registry: every optimizer by name, with the schema its controls, flags and URL share."""

from __future__ import annotations

import dataclasses

from optimizers.adam import adam as _adam
from optimizers.base import Optimizer
from optimizers.critical import AGGREGATES, BIAS_CORRECTIONS, FIRST_STEPS, PRIORITIES, REPLACEMENTS, SECOND_MOMENTS
from optimizers.critical import adam_cg as _adam_cg
from optimizers.critical import adam_cm as _adam_cm
from optimizers.noise import gradient_noise
from optimizers.sam import sam
from optimizers.sgd import momentum as _momentum
from optimizers.sgd import sgd as _sgd
from specs import Field, Registry

OPTIMIZERS = Registry("optimizer", stamp=lambda built, name, params, spec: dataclasses.replace(
    built, name=name, params=dict(params), spec=spec))

LR = Field("lr", "float", 1e-3, "learning rate: the step size", low=0.0, high=1e4, low_open=True, log=True)
B1 = Field("b1", "float", 0.9, "decay of the first moment (momentum)", low=0.0, high=1.0, high_open=True,
           title="β₁ (momentum decay)")
B2 = Field("b2", "float", 0.999, "decay of the second moment (squared gradients)", low=0.0, high=1.0, high_open=True,
           title="β₂ (second-moment decay)")
EPS = Field("eps", "float", 1e-8, "added to the denominator so it is never zero", low=0.0, high=1.0, low_open=True,
            log=True, title="ε")
MOMENTUM = Field("momentum", "float", 0.9, "heavy-ball coefficient", low=0.0, high=1.0, high_open=True,
                 title="μ (momentum)")
NESTEROV = Field("nesterov", "bool", False, "look-ahead (Nesterov) momentum")
TOP_C = Field("top_c", "int", 5, "C: how many critical momenta the buffer keeps", low=1, high=100,
              title="C (buffer size)")
DECAY = Field("decay", "float", 0.7, "lambda: buffer priorities are multiplied by this after every step", low=0.0,
              high=1.0, title="λ (priority decay)")
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
RHO = Field("rho", "float", 0.05, "SAM radius: how far uphill the gradient is taken", low=0.0, high=10.0,
            title="ρ (SAM radius)")
NOISE = Field("noise", "float", 0.0, "sigma of Gaussian noise added to every gradient", low=0.0, high=1e3,
              title="σ (gradient noise)")
SEED = Field("seed", "int", 0, "seed for gradient noise and random buffer replacement", low=0, high=2**32 - 1)

ADAM_FIELDS = (LR, B1, B2, EPS)
CM_FIELDS = (TOP_C, DECAY, PRIORITY, AGGREGATE, SECOND_MOMENT, FIRST_STEP, BIAS_CORRECTION, REPLACEMENT)
NOISE_FIELDS = (NOISE, SEED)


def _noisy(optimizer: Optimizer, noise: float, seed: int) -> Optimizer:
    return gradient_noise(optimizer, noise, seed) if noise > 0 else optimizer


@OPTIMIZERS.register("sgd", (LR, *NOISE_FIELDS), "gradient descent: x <- x - lr g")
def sgd(*, lr: float, noise: float, seed: int) -> Optimizer:
    return _noisy(_sgd(lr), noise, seed)


@OPTIMIZERS.register("momentum", (LR, MOMENTUM, NESTEROV, *NOISE_FIELDS), "heavy-ball momentum (torch.optim.SGD)")
def momentum(*, lr: float, momentum: float, nesterov: bool, noise: float,
             seed: int) -> Optimizer:
    return _noisy(_momentum(lr, momentum, nesterov), noise, seed)


@OPTIMIZERS.register("adam", (*ADAM_FIELDS, *NOISE_FIELDS), "Adam (torch.optim.Adam)")
def adam(*, lr: float, b1: float, b2: float, eps: float, noise: float,
         seed: int) -> Optimizer:
    return _noisy(_adam(lr, b1, b2, eps), noise, seed)


@OPTIMIZERS.register("adam_sam", (*ADAM_FIELDS, RHO, *NOISE_FIELDS), "SAM around Adam")
def adam_sam(*, lr: float, b1: float, b2: float, eps: float, rho: float,
             noise: float, seed: int) -> Optimizer:
    return _noisy(sam(_adam(lr, b1, b2, eps), rho), noise, seed)


@OPTIMIZERS.register("adam_cm", (*ADAM_FIELDS, *CM_FIELDS, *NOISE_FIELDS), "Adam with critical momenta")
def adam_cm(*, lr: float, b1: float, b2: float, eps: float, noise: float, seed: int, **cm: object) -> Optimizer:
    # `cm`: the CM_FIELDS values, by name
    return _noisy(_adam_cm(lr, b1, b2, eps, seed=seed, **cm), noise, seed)


@OPTIMIZERS.register("adam_sam_cm", (*ADAM_FIELDS, RHO, *CM_FIELDS, *NOISE_FIELDS),
                     "SAM around Adam with critical momenta")
def adam_sam_cm(*, lr: float, b1: float, b2: float, eps: float, rho: float, noise: float, seed: int,
                **cm: object) -> Optimizer:
    return _noisy(sam(_adam_cm(lr, b1, b2, eps, seed=seed, **cm), rho), noise, seed)


@OPTIMIZERS.register("adam_cg", (*ADAM_FIELDS, TOP_C, DECAY, *NOISE_FIELDS), "Adam with critical gradients (Adam_C)")
def adam_cg(*, lr: float, b1: float, b2: float, eps: float, top_c: int,
            decay: float, noise: float, seed: int) -> Optimizer:
    return _noisy(_adam_cg(lr, b1, b2, eps, top_c, decay), noise, seed)


def build_optimizer(spec: str, **overrides: object) -> Optimizer:
    """An optimizer from a spec string such as ``adam_cm:lr=0.01,top_c=5``; values are checked first."""
    return OPTIMIZERS.build(spec, **overrides)
