"""The classic test functions, with closed-form gradients (checked against autograd by the tests)."""

from __future__ import annotations

import itertools

import autograd.numpy as anp
import numpy as np

from landscapes.base import Landscape, box
from landscapes.registry import LANDSCAPES, LandscapeRecord, dim_field
from specs import Field


def sin_cos_2pi(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin 2πX and cos 2πX from one tangent: with t = tan(π r), r = X - rint(X), sin = 2t/(1+t²), cos = 2/(1+t²) - 1.

    NumPy's vectorised tan costs a tenth of its sin plus cos, and the exact reduction to r in [-1/2, 1/2] keeps both
    within 1e-15 of the true values at any |X| (np.sin(2πX) loses digits as |X| grows).
    """
    t = X - np.rint(X)
    t *= np.pi
    np.tan(t, out=t)
    twice_cos2 = np.square(t)  # becomes 2 cos²(πr) = 2/(1+t²)
    twice_cos2 += 1.0
    np.divide(2.0, twice_cos2, out=twice_cos2)
    t *= twice_cos2
    twice_cos2 -= 1.0
    return t, twice_cos2


def scale_rows(scale: np.ndarray, A: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """scale[:, None] * A for scale (N,) and A (N, d); column by column for many runs of d <= 3, where NumPy's
    broadcast over so short an inner axis is about three times slower."""
    if A.shape[1] > 3 or A.shape[0] < 500:
        return np.multiply(scale[:, None], A, out=out)
    out = np.empty_like(A) if out is None else out
    for j in range(A.shape[1]):
        np.multiply(scale, A[:, j], out=out[:, j])
    return out


# Up to this dimension a lattice landscape lists every lattice minimum; above it (11^4 = 14,641 and growing
# geometrically) only the origin and its 2d nearest neighbours.
FULL_LATTICE_MAX_DIM = 3


def lattice_guesses(ticks: np.ndarray, dim: int) -> np.ndarray:
    """Integer lattice points near which Ackley's and Rastrigin's local minima sit: every point of ticks^dim up to
    FULL_LATTICE_MAX_DIM dimensions, else the origin and ±1 along each axis."""
    if dim <= FULL_LATTICE_MAX_DIM:
        return np.array(list(itertools.product(ticks, repeat=dim)), dtype=float)
    return np.concatenate([np.zeros((1, dim)), np.eye(dim), -np.eye(dim)])


def symmetric_2x2(f_xx, f_xy, f_yy) -> np.ndarray:
    """(N, 2, 2) Hessians from their three distinct entries, each (N,) (or scalars broadcast to N)."""
    f_xx, f_xy, f_yy = np.broadcast_arrays(f_xx, f_xy, f_yy)
    return np.stack([np.stack([f_xx, f_xy], axis=1), np.stack([f_xy, f_yy], axis=1)], axis=1)


class GoldsteinPrice(Landscape):
    """f = [1 + (x+y+1)² (19 - 14x + 3x² - 14y + 6xy + 3y²)] [30 + (2x-3y)² (18 - 32x + 12x² + 48y - 36xy + 27y²)].

    Global minimum 3 at (0, -1); local minima near (-0.6, -0.4), (1.8, 0.2), (1.2, 0.8).
    """

    name = "goldstein_price"
    color_scale = "log"

    def __init__(self):
        super().__init__(2, box(-2.0, 2.0, 2), {})

    def value(self, X):
        x, y = X[:, 0], X[:, 1]
        a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
        b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
        return a * b

    @staticmethod
    def _factors(X, second: bool = False):
        """f = a(w) b(u) with w = x + y, u = 2x - 3y: a = 1 + (w+1)² (19 + w(3w - 14)), b = 30 + u² (18 + u(3u - 16)).

        Returns a, a', b, b' (each (N,)), and a'', b'' too when `second`; half the operations of the expanded form.
        """
        x, y = X[:, 0], X[:, 1]
        w = x + y
        s = w + 1.0
        p = 19.0 + w * (3.0 * w - 14.0)
        p_w = 6.0 * w - 14.0
        a = 1.0 + s * s * p
        a_w = s * (2.0 * p + s * p_w)
        u = 2.0 * x - 3.0 * y
        q = 18.0 + u * (3.0 * u - 16.0)
        q_u = 6.0 * u - 16.0
        b = 30.0 + u * u * q
        b_u = u * (2.0 * q + u * q_u)
        if not second:
            return a, a_w, b, b_u
        a_ww = 2.0 * p + s * (4.0 * p_w + 6.0 * s)
        b_uu = 2.0 * q + u * (4.0 * q_u + 6.0 * u)
        return a, a_w, b, b_u, a_ww, b_uu

    def grad(self, X):
        """df/dx = a' b + 2 a b', df/dy = a' b - 3 a b'."""
        X = self.points(X)
        with np.errstate(all="ignore"):
            a, a_w, b, b_u = self._factors(X)
            common, cross = a_w * b, a * b_u
            g = np.empty_like(X)
            np.add(common, 2.0 * cross, out=g[:, 0])
            np.subtract(common, 3.0 * cross, out=g[:, 1])
            return g

    def hessian(self, X):
        """Jᵀ [[f_ww, f_wu], [f_wu, f_uu]] J, with f_ww = a'' b, f_wu = a' b', f_uu = a b'' and J = [[1, 1], [2, -3]]
        the Jacobian of (w, u); closed form because finding the minima takes dozens of Hessians."""
        X = self.points(X)
        with np.errstate(all="ignore"):
            a, a_w, b, b_u, a_ww, b_uu = self._factors(X, second=True)
            f_ww, f_wu, f_uu = a_ww * b, a_w * b_u, a * b_uu
            H = np.empty((X.shape[0], 2, 2))
            H[:, 0, 0] = f_ww + 4.0 * f_wu + 4.0 * f_uu
            H[:, 0, 1] = H[:, 1, 0] = f_ww - f_wu - 6.0 * f_uu
            H[:, 1, 1] = f_ww - 6.0 * f_wu + 9.0 * f_uu
            return H

    def minimum_guesses(self):
        return np.array([[0.0, -1.0], [-0.6, -0.4], [1.8, 0.2], [1.2, 0.8]])


@LANDSCAPES.register("goldstein_price", (), "Goldstein-Price: global minimum 3 at (0, -1) and three local minima",
                     LandscapeRecord(label="Goldstein-Price", docs="docs/landscapes.md#goldstein-price-goldstein_price",
                                     rank=10, basin_work_anywhere=3300.0, basin_work_near_minimum=2000.0,
                                     demo_starts=((-1.4, -0.8), (-1.0, -0.6), (-1.6, -1.0))))
def goldstein_price() -> Landscape:
    return GoldsteinPrice()


class Ackley(Landscape):
    """f = -20 exp(-0.2 sqrt(mean x²)) - exp(mean cos 2πx) + e + 20.

    The global minimum 0 at the origin is the tip of a cone: the gradient there is taken as its limit 0 along
    the symmetric average, and the Hessian's diagonal is +inf. Local minima sit near every integer lattice point
    (listed in full up to 3 dimensions, see `lattice_guesses`).
    """

    name = "ackley"

    def __init__(self, dim: int = 2, extent: float = 5.0):
        super().__init__(dim, box(-extent, extent, dim), {"dim": dim, "extent": extent})
        self.extent = extent

    def value(self, X):
        d = X.shape[1]
        s = anp.sqrt(anp.sum(X**2, axis=1) / d)
        c = anp.sum(anp.cos(2 * np.pi * X), axis=1) / d
        return -20 * anp.exp(-0.2 * s) - anp.exp(c) + np.e + 20

    def _parts(self, X):
        """s = sqrt(mean x²) (N,), cone (N,) and wave (N,) with grad = cone * x + wave * sin 2πx, sin and cos of 2πx."""
        d = X.shape[1]
        ones = np.ones(d)
        s = np.sqrt(np.square(X) @ ones / d)
        cone = np.exp(-0.2 * s)
        cone *= 4.0 / d
        cone /= s
        cone[s == 0] = 0.0  # the tip's limit
        sin, cos = sin_cos_2pi(X)
        wave = np.exp(cos @ ones / d)
        wave *= 2 * np.pi / d
        return s, cone, wave, sin, cos

    def grad(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            _, cone, wave, sin, _ = self._parts(X)
            g = scale_rows(cone, X)
            g += scale_rows(wave, sin, out=sin)
            return g

    def hessian(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            s, cone, wave, sin, cos = self._parts(X)
            d = X.shape[1]
            safe_s = np.where(s > 0, s, 1.0)
            eye = np.eye(d)
            outer = X[:, :, None] * X[:, None, :]
            radial = (1.0 / (d * safe_s**2) + 0.2 / (d * safe_s))[:, None, None]
            h_cone = cone[:, None, None] * (eye - outer * radial)
            h_wave = wave[:, None, None] * (
                -(2 * np.pi / d) * sin[:, :, None] * sin[:, None, :] + eye * (2 * np.pi * cos)[:, :, None]
            )
            H = h_cone + h_wave
            tip = s == 0
            H[tip] = np.where(eye > 0, np.inf, 0.0)
            return H

    def minimum_guesses(self):
        return lattice_guesses(np.arange(-np.floor(self.extent), np.floor(self.extent) + 1), self.dim)


@LANDSCAPES.register("ackley", (dim_field(2, 100), Field("extent", "float", 5.0, "half-width of the plotted box",
                                                          low=1.0, high=32.768)),
                     "Ackley: a cone-shaped global minimum at the origin in a lattice of local minima",
                     LandscapeRecord(label="Ackley", docs="docs/landscapes.md#ackley-ackley",
                                     rank=20, basin_work_anywhere=4100.0, basin_work_near_minimum=8100.0,
                                     demo_starts=((3.2, 2.6), (-2.4, 3.6), (1.4, -3.3))))
def ackley(*, dim: int, extent: float) -> Landscape:
    return Ackley(dim, extent)


class Rosenbrock(Landscape):
    """f = (a - x)² + b (y - x²)²: a curved, narrow valley; minimum 0 at (a, a²)."""

    name = "rosenbrock"
    color_scale = "log"

    def __init__(self, a: float = 1.0, b: float = 100.0):
        super().__init__(2, box([-2.0, -1.0], [2.0, 3.0], 2), {"a": a, "b": b})
        self.a, self.b = a, b

    def value(self, X):
        x, y = X[:, 0], X[:, 1]
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, X):
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            r = y - x**2
            return np.stack([-2 * (self.a - x) - 4 * self.b * x * r, 2 * self.b * r], axis=1)

    def hessian(self, X):
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            return symmetric_2x2(2 - 4 * self.b * y + 12 * self.b * x**2, -4 * self.b * x, 2.0 * self.b)

    def minimum_guesses(self):
        return np.array([[self.a, self.a**2]])


@LANDSCAPES.register("rosenbrock", (Field("a", "float", 1.0, "minimum at (a, a²)", low=-1.5, high=1.5),
                                    Field("b", "float", 100.0, "steepness of the valley walls", low=0.1, high=1e4,
                                          log=True)),
                     "Rosenbrock's banana valley",
                     LandscapeRecord(label="Rosenbrock", docs="docs/landscapes.md#rosenbrock-rosenbrock",
                                     rank=60, basin_work_anywhere=7200.0, basin_work_near_minimum=6100.0,
                                     demo_starts=((-1.5, 2.5), (-1.0, -0.5), (1.8, 0.5))))
def rosenbrock(*, a: float, b: float) -> Landscape:
    return Rosenbrock(a, b)


class Himmelblau(Landscape):
    """f = (x² + y - 11)² + (x + y² - 7)²: four minima of value 0."""

    name = "himmelblau"
    color_scale = "log"

    def __init__(self):
        super().__init__(2, box(-5.0, 5.0, 2), {})

    def value(self, X):
        x, y = X[:, 0], X[:, 1]
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    def grad(self, X):
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            u, w = x**2 + y - 11, x + y**2 - 7
            return np.stack([4 * x * u + 2 * w, 2 * u + 4 * y * w], axis=1)

    def hessian(self, X):
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            u, w = x**2 + y - 11, x + y**2 - 7
            return symmetric_2x2(4 * u + 8 * x**2 + 2, 4 * x + 4 * y, 2 + 4 * w + 8 * y**2)

    def minimum_guesses(self):
        return np.array([[3.0, 2.0], [-2.805, 3.131], [-3.779, -3.283], [3.584, -1.848]])


@LANDSCAPES.register("himmelblau", (), "Himmelblau: four minima of equal value",
                     LandscapeRecord(label="Himmelblau", docs="docs/landscapes.md#himmelblau-himmelblau",
                                     rank=70, basin_work_anywhere=3200.0, basin_work_near_minimum=1800.0,
                                     demo_starts=((0.0, 0.0), (-1.0, 4.5), (4.5, -4.0))))
def himmelblau() -> Landscape:
    return Himmelblau()


class Rastrigin(Landscape):
    """f = 10 d + sum(x² - 10 cos 2πx): a regular lattice of local minima around the global 0 at the origin
    (listed in full up to 3 dimensions, see `lattice_guesses`)."""

    name = "rastrigin"

    def __init__(self, dim: int = 2):
        super().__init__(dim, box(-5.12, 5.12, dim), {"dim": dim})

    def value(self, X):
        return 10 * X.shape[1] + anp.sum(X**2 - 10 * anp.cos(2 * np.pi * X), axis=1)

    def grad(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            return 2 * X + 20 * np.pi * np.sin(2 * np.pi * X)

    def hessian(self, X):
        X = self.points(X)
        with np.errstate(all="ignore"):
            return np.eye(self.dim) * (2 + 40 * np.pi**2 * np.cos(2 * np.pi * X))[:, :, None]

    def minimum_guesses(self):
        return lattice_guesses(np.arange(-5.0, 6.0), self.dim)


@LANDSCAPES.register("rastrigin", (dim_field(2, 100),), "Rastrigin: a regular lattice of local minima",
                     LandscapeRecord(label="Rastrigin", docs="docs/landscapes.md#rastrigin-rastrigin",
                                     rank=80, basin_work_anywhere=2200.0, basin_work_near_minimum=1700.0,
                                     demo_starts=((3.1, 2.2), (-2.4, 3.6), (1.4, -3.3))))
def rastrigin(*, dim: int) -> Landscape:
    return Rastrigin(dim)


class SixHumpCamel(Landscape):
    """f = (4 - 2.1x² + x⁴/3) x² + xy + (4y² - 4) y²: six minima, two of them global (-1.0316)."""

    name = "six_hump_camel"

    def __init__(self):
        super().__init__(2, box([-3.0, -2.0], [3.0, 2.0], 2), {})

    def value(self, X):
        x, y = X[:, 0], X[:, 1]
        return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (4 * y**2 - 4) * y**2

    def grad(self, X):
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            return np.stack([8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3], axis=1)

    def hessian(self, X):
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            return symmetric_2x2(8 - 25.2 * x**2 + 10 * x**4, 1.0, -8 + 48 * y**2)

    def minimum_guesses(self):
        half = np.array([[0.0898, -0.7126], [1.7036, -0.7961], [1.6071, 0.5687]])
        return np.concatenate([half, -half])


@LANDSCAPES.register("six_hump_camel", (), "six-hump camel: six minima, two global",
                     LandscapeRecord(label="Six-hump camel", docs="docs/landscapes.md#six-hump-camel-six_hump_camel",
                                     rank=90, basin_work_anywhere=500.0, basin_work_near_minimum=350.0,
                                     demo_starts=((-2.5, 1.5), (2.5, -1.5), (0.5, 1.2))))
def six_hump_camel() -> Landscape:
    return SixHumpCamel()


class Beale(Landscape):
    """f = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²: minimum 0 at (3, 0.5) in a flat, bent valley."""

    name = "beale"
    color_scale = "log"

    def __init__(self):
        super().__init__(2, box(-4.5, 4.5, 2), {})

    def value(self, X):
        x, y = X[:, 0], X[:, 1]
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    def grad(self, X):
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            u1, u2, u3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
            g_x = 2 * u1 * (y - 1) + 2 * u2 * (y**2 - 1) + 2 * u3 * (y**3 - 1)
            g_y = 2 * u1 * x + 4 * u2 * x * y + 6 * u3 * x * y**2
            return np.stack([g_x, g_y], axis=1)

    def hessian(self, X):
        """2 Σ (∇u_i ∇u_iᵀ + u_i ∇²u_i) for f = Σ u_i²."""
        X = self.points(X)
        x, y = X[:, 0], X[:, 1]
        with np.errstate(all="ignore"):
            u1, u2, u3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
            d1x, d2x, d3x = y - 1, y**2 - 1, y**3 - 1  # du_i/dx
            d1y, d2y, d3y = x, 2 * x * y, 3 * x * y**2  # du_i/dy
            f_xx = 2 * (d1x**2 + d2x**2 + d3x**2)
            f_xy = 2 * (d1x * d1y + d2x * d2y + d3x * d3y + u1 + 2 * y * u2 + 3 * y**2 * u3)
            f_yy = 2 * (d1y**2 + d2y**2 + d3y**2 + 2 * x * u2 + 6 * x * y * u3)
            return symmetric_2x2(f_xx, f_xy, f_yy)

    def minimum_guesses(self):
        return np.array([[3.0, 0.5]])


@LANDSCAPES.register("beale", (), "Beale: a flat, bent valley to the minimum at (3, 0.5)",
                     LandscapeRecord(label="Beale", docs="docs/landscapes.md#beale-beale",
                                     rank=100, basin_work_anywhere=4500.0, basin_work_near_minimum=910.0,
                                     demo_starts=((-3.0, 3.0), (1.0, -3.5), (-1.0, 1.0))))
def beale() -> Landscape:
    return Beale()
