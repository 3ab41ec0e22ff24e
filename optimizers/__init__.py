"""How one step is taken: (init, step) pairs over a batch of runs, and wrappers that change the gradient.

Build one by name with `build_optimizer("adam_cm:lr=0.01")`, or call the checked builders directly.
This package never imports `landscapes`: a step receives a gradient function, not a surface.
"""

from optimizers.base import GradFn, Optimizer
from optimizers.critical import critical_gradients
from optimizers.noise import gradient_noise
from optimizers.registry import (
    OPTIMIZERS,
    adam,
    adam_cg,
    adam_cm,
    adam_sam,
    adam_sam_cm,
    build_optimizer,
    momentum,
    sgd,
)
from optimizers.sam import sam

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
