"""The landscape registry: every surface by name, with the schema its controls, flags and URL share."""

from __future__ import annotations

from landscapes.base import Landscape
from landscapes.classic import Ackley, Beale, GoldsteinPrice, Himmelblau, Rastrigin, Rosenbrock, SixHumpCamel
from landscapes.formula import DEFAULT_FORMULA, FUNCTIONS, Custom
from landscapes.formula import MAX_LENGTH as MAX_FORMULA_LENGTH
from landscapes.quadratics import Quadratic, RandomBasins, TwoBasin
from specs import Field, Registry

LANDSCAPES = Registry("landscape")

SEED = Field("seed", "int", 0, "seed of the random construction", low=0, high=2**32 - 1)
TAU = Field("tau", "float", 0.05, "smoothing of the minimum over bowls (smaller: sharper ridges)", low=0.005, high=1.0,
            log=True)


def _dim(default: int, high: int) -> Field:
    return Field("dim", "int", default, "dimension", low=1, high=high)


def _eigen(name: str, default: float, what: str) -> Field:
    return Field(name, "float", default, what, low=0.0, high=1e6, low_open=True, log=True)


@LANDSCAPES.register("goldstein_price", (), "Goldstein-Price: global minimum 3 at (0, -1) and three local minima")
def goldstein_price() -> Landscape:
    return GoldsteinPrice()


@LANDSCAPES.register("ackley", (_dim(2, 100), Field("extent", "float", 5.0, "half-width of the plotted box", low=1.0,
                                                     high=32.768)),
                     "Ackley: a cone-shaped global minimum at the origin in a lattice of local minima")
def ackley(*, dim: int, extent: float) -> Landscape:
    return Ackley(dim, extent)


@LANDSCAPES.register("quadratic", (_dim(2, 1000), _eigen("lambda_min", 1.0, "smallest curvature"),
                                   _eigen("lambda_max", 10.0, "largest curvature (the sharpness)"), SEED),
                     "a quadratic bowl ½ xᵀAx with a seeded rotation and log-spaced curvatures")
def quadratic(*, dim: int, lambda_min: float, lambda_max: float, seed: int) -> Landscape:
    return Quadratic(dim, lambda_min, lambda_max, seed)


@LANDSCAPES.register("random_basins", (Field("basins", "int", 5, "number of bowls", low=1, high=50), _dim(2, 10),
                                       _eigen("lambda_min", 0.5, "smallest bowl curvature"),
                                       _eigen("lambda_max", 50.0, "largest bowl curvature"), TAU, SEED),
                     "seeded random quadratic basins of known depth and sharpness")
def random_basins(*, basins: int, dim: int, lambda_min: float, lambda_max: float, tau: float, seed: int) -> Landscape:
    return RandomBasins(basins, dim, lambda_min, lambda_max, tau, seed)


@LANDSCAPES.register("two_basin", (Field("sharpness", "float", 8.0, "curvature of the sharp basin over the flat one's",
                                         low=1.0, high=1e4, log=True),
                                   Field("depth", "float", 0.0, "how much lower the flat minimum is (negative: higher)",
                                         low=-1.5, high=1.5),
                                   TAU),
                     "a sharp basin at (-1, 0) and a flat one at (1, 0): the escape-rate workhorse")
def two_basin(*, sharpness: float, depth: float, tau: float) -> Landscape:
    return TwoBasin(sharpness, depth, tau)


@LANDSCAPES.register("rosenbrock", (Field("a", "float", 1.0, "minimum at (a, a²)", low=-1.5, high=1.5),
                                    Field("b", "float", 100.0, "steepness of the valley walls", low=0.1, high=1e4,
                                          log=True)),
                     "Rosenbrock's banana valley")
def rosenbrock(*, a: float, b: float) -> Landscape:
    return Rosenbrock(a, b)


@LANDSCAPES.register("himmelblau", (), "Himmelblau: four minima of equal value")
def himmelblau() -> Landscape:
    return Himmelblau()


@LANDSCAPES.register("rastrigin", (_dim(2, 100),), "Rastrigin: a regular lattice of local minima")
def rastrigin(*, dim: int) -> Landscape:
    return Rastrigin(dim)


@LANDSCAPES.register("six_hump_camel", (), "six-hump camel: six minima, two global")
def six_hump_camel() -> Landscape:
    return SixHumpCamel()


@LANDSCAPES.register("beale", (), "Beale: a flat, bent valley to the minimum at (3, 0.5)")
def beale() -> Landscape:
    return Beale()


@LANDSCAPES.register("custom", (Field("extent", "float", 3.0, "half-width of the plotted box", low=0.1, high=1000.0,
                                       log=True),
                                 Field("formula", "text", DEFAULT_FORMULA, "f(x, y) with numbers, x, y, pi, e, "
                                       "+ - * / **, parentheses and " + " ".join(FUNCTIONS),
                                       max_length=MAX_FORMULA_LENGTH)),
                     "your own formula in x and y, e.g. (x**2 - 1)**2 + y**2 (written last in a spec)")
def custom(*, extent: float, formula: str) -> Landscape:
    return Custom(formula, extent)


def build_landscape(spec: str, **overrides: object) -> Landscape:
    """A landscape from a spec string such as ``two_basin:sharpness=8``; values are checked first."""
    return LANDSCAPES.build(spec, **overrides)
