"""How one step is taken: (init, step) pairs over a batch of runs, and wrappers that change the gradient.

Build one by name with `build_optimizer("adam_cm:lr=0.01")`, or call the checked builders directly. Each module
registers its optimizers beside their code, and importing the package imports every module of it: an optimizer
added as a new file is in the registry, the CLI and the app without another line (docs/extending.md).
This package never imports `landscapes`: a step receives a gradient function, not a surface.
"""

import importlib
import pkgutil

from optimizers.adam import adam
from optimizers.base import GradFn, Optimizer
from optimizers.critical import adam_cg, adam_cm, critical_gradients
from optimizers.noise import gradient_noise
from optimizers.registry import OPTIMIZERS, build_optimizer
from optimizers.sam import adam_sam, adam_sam_cm, sam
from optimizers.sgd import momentum, sgd

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "OPTIMIZERS",
    "GradFn",
    "Optimizer",
    "adam",
    "adam_cg",
    "adam_cm",
    "adam_sam",
    "adam_sam_cm",
    "build_optimizer",
    "critical_gradients",
    "gradient_noise",
    "momentum",
    "sam",
    "sgd",
]
