"""The optimizer registry: every optimizer by name, with the schema its controls, flags and URL share and its record.

Each optimizer's module registers it, beside its code, with an `OptimizerRecord`; importing the package imports
every module of it, so a new optimizer is one new file (docs/extending.md). The fields every optimizer has (lr and
gradient noise) live here; a family's own (Adam's betas, the buffer's C) live with the family.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from optimizers.base import Optimizer
from optimizers.schedule import SCHEDULE_FIELDS, SCHEDULE_NAMES, with_schedule
from specs import Field, Record, Registry


@dataclass(frozen=True)
class OptimizerRecord(Record):
    """An optimizer's record: its label, docs and rank (specs.Record), the palette family its colour and dash come
    from (export.palette), and what the Learn page shows: one plain `summary` and its update as LaTeX `equations`."""

    palette_family: str
    summary: str
    equations: tuple[str, ...]


def _stamp(built: Optimizer, name: str, params: dict, spec: str) -> Optimizer:
    return dataclasses.replace(built, name=name, params=dict(params), spec=spec)


class OptimizerRegistry(Registry):
    """The registry of optimizers: every entry also takes the schedule's knobs (optimizers.schedule), declared once
    here and applied around what its builder returns, so a new optimizer is scheduled without a line of its own."""

    def register(self, name, fields, help, record):
        return super().register(name, (*fields, *SCHEDULE_FIELDS), help, record)

    def build(self, spec, **overrides):
        name, values = self.resolve(spec, **overrides)
        own = {key: value for key, value in values.items() if key not in SCHEDULE_NAMES}
        built = with_schedule(self.entry(name).build(**own), **{key: values[key] for key in SCHEDULE_NAMES})
        return self._stamp(built, name, values, self.format(name, values))


OPTIMIZERS = OptimizerRegistry("optimizer", OptimizerRecord, stamp=_stamp)

LR = Field("lr", "float", 1e-3, "learning rate: the step size", low=0.0, high=1e4, low_open=True, log=True)
NOISE = Field("noise", "float", 0.0, "sigma of Gaussian noise added to every gradient", low=0.0, high=1e3,
              title="σ (gradient noise)", symbol="σ")
NOISE_SHAPE = Field("noise_shape", "choice", "isotropic", "the noise's covariance: isotropic (sigma² I) or hessian "
                    "(sigma² |H|, the Hessian at the point, as minibatch noise is near a minimum)",
                    choices=("isotropic", "hessian"), title="noise shape")
SEED = Field("seed", "int", 0, "seed for gradient noise and random buffer replacement", low=0, high=2**32 - 1)
NOISE_FIELDS = (NOISE, NOISE_SHAPE, SEED)  # every optimizer's last three (optimizers.noise.noisy applies them)


def build_optimizer(spec: str, **overrides: object) -> Optimizer:
    """An optimizer from a spec string such as ``adam_cm:lr=0.01,top_c=5``; values are checked first."""
    return OPTIMIZERS.build(spec, **overrides)
