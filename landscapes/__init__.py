"""What is being descended: one object per surface with batched f, grad, hessian, a domain and its known minima.

Build one by name with `build_landscape("two_basin:sharpness=8")`. Each module registers its surfaces beside their
classes, and importing the package imports every module of it: a surface added as a new file is in the registry,
the CLI and the app without another line (docs/extending.md). This package imports nothing of ours but `specs`.
"""

import importlib
import pkgutil

from landscapes.base import AUTOGRAD_LOCK, Domain, Landscape, Minimum
from landscapes.classic import Ackley, Beale, GoldsteinPrice, Himmelblau, Rastrigin, Rosenbrock, SixHumpCamel
from landscapes.formula import Custom, formula_function
from landscapes.quadratics import Quadratic, QuadraticBasins, RandomBasins, TwoBasin
from landscapes.registry import LANDSCAPES, build_landscape

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "AUTOGRAD_LOCK",
    "LANDSCAPES",
    "Ackley",
    "Beale",
    "Custom",
    "Domain",
    "GoldsteinPrice",
    "Himmelblau",
    "Landscape",
    "Minimum",
    "Quadratic",
    "QuadraticBasins",
    "RandomBasins",
    "Rastrigin",
    "Rosenbrock",
    "SixHumpCamel",
    "TwoBasin",
    "build_landscape",
    "formula_function",
]
