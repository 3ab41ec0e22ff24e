"""The theory of Adam+CM's mechanisms (issue 14): the kick law, linear stability at a minimum, the oscillation radius.

Each prediction is a pure function of the hyperparameters, with its formula in the docstring; docs/theory.md derives
them. Beside each sits the measurement with the engine that the tests hold it to.

- Kick law: under a constant gradient g every vector Adam+CM builds is a multiple of g, so step t moves each
  coordinate by exactly -K_t lr sign(g_i) (eps = 0), K_t a function of the hyperparameters alone
  (`constant_gradient_steps`). With the authors' held first step, K_1 = 0 and K_2 = sqrt(1+b2)/(1-b1²).
- Escape by the kick: a start x0 in a basin is, after two held steps, at x0 - K_2 lr sign(grad f(x0))
  (`kick_escape_lr`, `kicked_out_share`; `measured_out_share` runs the engine).
- Linear stability: near a minimum of f = h x²/2 with the preconditioner frozen (the step is eta * direction,
  eta = lr / (sqrt(v̂) + eps) held fixed), the update is a linear recurrence in S = eta h, the preconditioned
  sharpness; stable iff every root of its characteristic polynomial lies inside the unit circle
  (`characteristic_polynomial`, `stability_edge`; `frozen_preconditioner_growth` measures it with the engine).
- Oscillation radius: Adam+CM's preconditioner settles where S sits at the edge, and the run oscillates there at
  the angle theta of the critical roots with rms step lr, so the rms distance from the minimum is
  sqrt(d) lr / (2 sin(theta/2)) (sqrt(d) lr / S* when v averages g²) (`predicted_radius_per_lr`;
  `oscillation_radii` measures it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from experiments import work
from experiments.basins import assign_basins, final_basins
from experiments.escape import basin_core_radius, core_radius, resolve_basin, starts_in_basin
from experiments.run import as_landscape, as_optimizer, run
from landscapes import Landscape
from optimizers import OPTIMIZERS, Optimizer
from optimizers.sam import ascent_offset
from optimizers.schedule import SCHEDULE_NAMES, lr_factor
from specs import SpecError

ADAM_NAMES = ("adam", "adam_sam")
CM_NAMES = ("adam_cm", "adam_sam_cm")


# ---- the kick law: steps under a constant gradient -------------------------------------------------------------

def held_second_step(b1: float = 0.9, b2: float = 0.999) -> float:
    """K_2 of the authors' Adam+CM: sqrt(1+b2) / (1-b1²) (7.4414 at the defaults), whatever C and the aggregate.

    Call 1 stores g and leaves m = v = 0 while t becomes 1; call 2 has m = (1-b1) g and a = m + g = (2-b1) g
    (or half of it with aggregate="mean"), v = (1-b2) a², so the step is lr/(1-b1²) a / (|a| sqrt((1-b2)/(1-b2²))).
    """
    return math.sqrt(1.0 + b2) / (1.0 - b1**2)


def constant_gradient_buffer(params: dict) -> str:
    """Which of the offers made so far a full buffer holds when every offer has the same gradient norm.

    "recent": the C latest (fifo; grad_norm with 0 < decay < 1, where the oldest entry has the smallest priority);
    "first": the first C (grad_norm with decay = 1: equal priorities never replace); "slot0": the first C-1 and the
    latest (replacement=legacy_slot0; grad_norm with decay = 0, where every priority is 0 and entry 0 is replaced).
    """
    priority, decay = params["priority"], params["decay"]
    if params["replacement"] == "legacy_slot0" or (priority == "grad_norm" and decay == 0):
        return "slot0"
    if priority == "fifo" or (priority == "grad_norm" and decay < 1):
        return "recent"
    if priority == "grad_norm":
        return "first"
    raise SpecError(f"the kick law covers priority grad_norm and fifo, whose choices do not depend on the momentum "
                    f"(got {priority})")


def constant_gradient_steps(optimizer: Optimizer | str, steps: int) -> np.ndarray:
    """(steps,) K_1..K_k: under a constant gradient g, step t of `optimizer` moves coordinate i by -K_t lr sign(g_i),
    exactly when eps = 0 (Adam, Adam+SAM: K_t = 1; SAM sees the same g everywhere). Under an lr schedule step t is
    taken at lr f_(t-1) (optimizers.schedule.lr_factor, counted from 0) and nothing else changes: K_t f_(t-1).

    Adam+CM, with n_j momentum updates by call j (j-1 with the held first step, j without) and mu_j = 1-b1^n_j:
    call j offers o_j = mu_j (o_1 = 1, the raw gradient, when held); before call t the buffer holds n = min(t-1, C)
    offers (`constant_gradient_buffer`), summing to B_t, a geometric sum. Then, in units of g,
        a_t = mu_t + B_t/n  (sum; mu_t if n = 0)  or  (mu_t + B_t)/(n+1)  (mean);
        d_t = a_t / (1-b1^t)  (bias_correction=aggregate)  or the same aggregate of mu_t / (1-b1^t)  (momentum);
        nu_t = (1-b2) sum_{j<=t} b2^(t-j) s_j²,  s = a, 1 or d  (second_moment = aggregate, gradient, direction);
        K_t = d_t sqrt((1-b2^t) / nu_t);  a held call has a = d = 0 and K_1 = 0.
    """
    method = as_optimizer(optimizer)
    params = method.params
    if method.name not in ADAM_NAMES + CM_NAMES or params.get("noise", 0.0) > 0:
        raise SpecError(f"the kick law covers adam, adam_sam, adam_cm and adam_sam_cm without noise (got "
                        f"{method.spec})")
    factors = lr_factor(np.arange(steps), **{name: params[name] for name in SCHEDULE_NAMES})
    if method.name in ADAM_NAMES:
        return np.ones(steps) * factors
    b1, b2, capacity = params["b1"], params["b2"], params["top_c"]
    hold = params["first_step"] == "hold"
    t = np.arange(1, steps + 1)
    mu = 1.0 - b1 ** (t - 1 if hold else t)
    held_count = np.minimum(t - 1, capacity)
    sums = _held_offer_sums(t, capacity, constant_gradient_buffer(params), b1, hold)
    aggregate = _aggregate(mu, sums, held_count, params["aggregate"])
    if params["bias_correction"] == "aggregate":
        direction = aggregate / (1.0 - b1**t)
    else:
        direction = _aggregate(mu / (1.0 - b1**t), sums, held_count, params["aggregate"])
    source = {"aggregate": aggregate, "gradient": np.ones(steps), "direction": direction}[params["second_moment"]]
    from scipy.signal import lfilter  # 0.5 s to import: only where the steps are asked for

    nu = lfilter([1.0 - b2], [1.0, -b2], source**2)  # the sum above, as its recursion
    moved = slice(1 if hold else 0, None)  # a held call has mu = a = d = 0 and does not move (nu may be 0)
    kicks = np.zeros(steps)
    kicks[moved] = direction[moved] * np.sqrt((1.0 - b2 ** t[moved]) / nu[moved])
    return kicks * factors


def _aggregate(momentum: np.ndarray, sums: np.ndarray, count: np.ndarray, aggregate: str) -> np.ndarray:
    """A(u) in units of g: u + B/n (sum; u when n = 0) or (u + B)/(n+1) (mean)."""
    if aggregate == "sum":
        return momentum + np.divide(sums, count, out=np.zeros_like(sums), where=count > 0)
    return (momentum + sums) / (count + 1)


def _held_offer_sums(t: np.ndarray, capacity: int, buffer: str, b1: float, hold: bool) -> np.ndarray:
    """B_t: the sum of the offers the buffer holds before call t (see `constant_gradient_steps`)."""
    last = t - 1
    if buffer == "recent":
        return _offer_sum(np.maximum(t - capacity, 1), last, b1, hold)
    if buffer == "first":
        return _offer_sum(np.ones_like(t), np.minimum(last, capacity), b1, hold)
    filling = last <= capacity  # "slot0": entries 2..C kept, entry 1 overwritten by each later offer
    kept = _offer_sum(np.full_like(t, 2), np.full_like(t, capacity), b1, hold) + _offer_sum(last, last, b1, hold)
    return np.where(filling, _offer_sum(np.ones_like(t), last, b1, hold), kept)


def _offer_sum(first: np.ndarray, last: np.ndarray, b1: float, hold: bool) -> np.ndarray:
    """sum_{j=first..last} o_j in closed form: the count less a geometric sum of b1^n_j (o_1 = 1 exactly when held)."""
    count = np.maximum(last - first + 1, 0)
    start = np.maximum(first, 2) if hold else first  # a held o_1 has no b1 term
    terms = np.maximum(last - start + 1, 0)
    exponent = start - 1 if hold else start
    geometric = np.where(terms > 0, b1 ** exponent * _geometric_sum(b1, terms), 0.0)
    return count - geometric


def _geometric_sum(b1: float, terms: np.ndarray) -> np.ndarray:
    """sum_{k<terms} b1^k = (1 - b1^terms) / (1 - b1)."""
    return (1.0 - b1 ** terms) / (1.0 - b1)


# ---- escape by the kick --------------------------------------------------------------------------------------------

def two_basin_edge_distance(landscape: Landscape | str) -> float:
    """Distance from two_basin's sharp minimum to its basin's nearest edge, where the bowls are level (tau -> 0):
    s r²/2 = (2-r)²/2 - depth on the line to the flat minimum, r = (4 - 2 depth) / (2 + sqrt(4 + (s-1)(4 - 2 depth)));
    2/(1+sqrt(s)) at depth 0."""
    surface = as_landscape(landscape)
    if surface.name != "two_basin":
        raise SpecError(f"the edge distance is known in closed form for two_basin only (got {surface.spec})")
    s, depth = surface.params["sharpness"], surface.params["depth"]
    return (4.0 - 2.0 * depth) / (2.0 + math.sqrt(4.0 + (s - 1.0) * (4.0 - 2.0 * depth)))


def kick_applies(optimizer: Optimizer | str) -> bool:
    """Whether the kick law covers `optimizer`: Adam+CM or Adam+SAM+CM holding its first step, without noise."""
    method = as_optimizer(optimizer)
    return method.name in CM_NAMES and method.params["first_step"] == "hold" and method.params["noise"] == 0


def _held_kick(method: Optimizer) -> float:
    """K_2 of an Adam+CM that holds its first step; refuses anything else in one sentence."""
    if not kick_applies(method):
        raise SpecError(f"the two-step kick needs adam_cm or adam_sam_cm with first_step=hold and no noise (got "
                        f"{method.spec})")
    return float(constant_gradient_steps(method, 2)[1])


def kick_escape_lr(landscape: Landscape | str, optimizer: Optimizer | str, basin: str | int = "sharp",
                   edge: float | None = None) -> float:
    """The lr above which the second step, a kick of K_2 lr per coordinate (sqrt(d) K_2 lr long), from next to the
    minimum reaches the basin's nearest edge: edge / (sqrt(d) K_2). `edge` defaults to the project's
    `basin_core_radius`; below this lr no start within that radius leaves in two steps."""
    surface = as_landscape(landscape)
    kick = _held_kick(as_optimizer(optimizer))
    if edge is None:
        edge = basin_core_radius(surface, resolve_basin(surface, basin))
    return edge / (math.sqrt(surface.dim) * kick)


def kick_boundaries(table, x_axis: str, y_axis: str, basin: str | int = "sharp"
                    ) -> dict[str, list[tuple[float, float]]]:
    """The kick law's escape lr at each swept sharpness of a two_basin escape sweep over lr and sharpness (a
    SweepTable), per optimizer label the law covers, as (x, y) points in the table's axis order; {} when the axes are
    not lr and sharpness. The escape lr does not depend on the row's own lr."""
    if {x_axis, y_axis} != {"lr", "sharpness"}:
        return {}
    found: dict[str, dict[float, float]] = {}
    for row in table.rows:
        if as_landscape(row["landscape"]).name != "two_basin" or not kick_applies(row["optimizer_spec"]):
            continue
        points = found.setdefault(row["optimizer"], {})
        if row["sharpness"] not in points:
            points[row["sharpness"]] = kick_escape_lr(row["landscape"], row["optimizer_spec"], basin)
    return {label: [(lr, s) if x_axis == "lr" else (s, lr) for s, lr in sorted(points.items())]
            for label, points in found.items()}


def uniform_ball_points(dim: int, log2_points: int = 14) -> np.ndarray:
    """(2^log2_points, dim) low-discrepancy points uniform in the unit ball (a scrambled Sobol sequence, seed 0):
    a direction from dim normal quantiles, a radius u^(1/dim)."""
    from scipy.stats import qmc  # scipy.stats takes 0.3 s to import: only when points are drawn, not to count work

    u = qmc.Sobol(dim + 1, scramble=True, seed=0).random_base2(log2_points)
    directions = ndtri(u[:, :dim])
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return directions * u[:, dim:] ** (1.0 / dim)


def kicked_out_share(landscape: Landscape | str, optimizer: Optimizer | str, basin: str | int = "sharp",
                     spread: float = 0.5, log2_points: int = 14) -> float:
    """Predicted share of runs outside `basin` after two steps, for starts uniform in the ball the escape experiment
    draws from (radius spread x basin_core_radius): the share of x0 - K_2 lr sign(G(x0)) that the landscape's own
    basins put elsewhere, G being the gradient the optimizer sees (SAM's at its ascent point); no optimizer runs."""
    surface = as_landscape(landscape)
    method = as_optimizer(optimizer)
    kick = _held_kick(method)
    index = resolve_basin(surface, basin)
    radius = spread * core_radius(surface, index)
    starts = surface.minima[index].location + radius * uniform_ball_points(surface.dim, log2_points)
    seen = surface.grad(starts)
    if "rho" in method.params:
        seen = surface.grad(starts + ascent_offset(seen, method.params["rho"]))
    kicked = starts - kick * method.params["lr"] * np.sign(seen)
    return float(np.mean(assign_basins(surface, kicked) != index))


def measured_out_share(landscape: Landscape | str, optimizer: Optimizer | str, basin: str | int = "sharp",
                       runs: int = 1000, seed: int = 0, spread: float = 0.5, steps: int = 2) -> float:
    """Share of `runs` engine runs outside `basin` after `steps` steps, from the escape experiment's starts."""
    surface = as_landscape(landscape)
    method = as_optimizer(optimizer)
    index = resolve_basin(surface, basin)
    result = run(surface, method, starts_in_basin(surface, index, runs, seed, spread), steps, record="final")
    return float(np.mean(final_basins(surface, result) != index))


# ---- linear stability at a minimum ---------------------------------------------------------------------------------

def linear_buffer_model(params: dict) -> str:
    """Which buffer entries move with the run near a minimum: "recent", the C latest momenta (fifo exactly;
    grad_norm with 0 < decay < 1, where a new offer outbids the entries decayed since), or "slot0", m_{t-1} in
    entry 0 beside frozen entries (legacy_slot0; grad_norm with decay = 0, where every priority is 0).

    Frozen entries add a constant to the aggregate, which moves the fixed point but not its stability. The other
    settings keep entries that no fixed recurrence describes (decay = 1: the fixed point's own gradient comes to
    outbid the frozen entries), and are refused.
    """
    priority, decay = params["priority"], params["decay"]
    if params["replacement"] == "legacy_slot0" or (priority == "grad_norm" and decay == 0):
        return "slot0"
    if priority == "fifo" or (priority == "grad_norm" and decay < 1):
        return "recent"
    raise SpecError(f"the linear analysis covers priority grad_norm with decay below 1 and fifo, where a fixed "
                    f"recurrence matches simulation (got priority={priority}, decay={decay:g})")


def aggregate_weights(top_c: int, aggregate: str = "sum", buffer: str = "recent") -> np.ndarray:
    """(C+1,) w with a_t = sum_k w_k m_{t-k} in the linearisation: w_0 = 1 and 1/C on each live delayed momentum
    ("sum"), or 1/(C+1) on each ("mean"); live are delays 1..C ("recent") or delay 1 only ("slot0")."""
    weights = np.zeros(top_c + 1)
    live = top_c if buffer == "recent" else 1
    if aggregate == "sum":
        weights[0] = 1.0
        weights[1:live + 1] = 1.0 / top_c
    else:
        weights[: live + 1] = 1.0 / (top_c + 1)
    return weights


def linearised(optimizer: Optimizer | str) -> Optimizer:
    """The optimizer, if the linear analysis covers it: adam or adam_cm without noise (SAM's ascent offset keeps its
    length rho however small the gradient, so SAM is not linear near a minimum)."""
    method = as_optimizer(optimizer)
    if method.name not in ("adam", "adam_cm") or method.params["noise"] > 0:
        raise SpecError(f"the linear analysis covers adam and adam_cm without noise (got {method.spec})")
    if method.name == "adam_cm":
        linear_buffer_model(method.params)
    return method


def optimizer_weights(optimizer: Optimizer | str) -> tuple[np.ndarray, float]:
    """The linearisation's aggregate weights and b1 for an optimizer (Adam: w = (1,))."""
    method = linearised(optimizer)
    params = method.params
    if method.name == "adam":
        return np.ones(1), params["b1"]
    return aggregate_weights(params["top_c"], params["aggregate"], linear_buffer_model(params)), params["b1"]


def characteristic_polynomial(sharpness: float, weights: np.ndarray, b1: float) -> np.ndarray:
    """Coefficients, highest power first, of the recurrence u_t = u_{t-1} - S a_t, a_t = sum_k w_k m_{t-k},
    m_t = b1 m_{t-1} + (1-b1) u_{t-1} (u = h x, S = eta h the preconditioned sharpness):
        P(z) = (z-1)(z-b1) z^C + S (1-b1) sum_{k=0..C} w_k z^(C+1-k),
    divided by z when C >= 1 (a root at 0 that no state carries). Adam (C = 0): z² - (1 + b1 - S(1-b1)) z + b1."""
    capacity = len(weights) - 1
    motion = np.polymul(np.polymul([1.0, -1.0], [1.0, -b1]), np.r_[1.0, np.zeros(capacity)])
    feedback = np.r_[sharpness * (1.0 - b1) * np.asarray(weights, float), 0.0]
    poly = np.polyadd(motion, feedback)
    return poly[:-1] if capacity >= 1 else poly


def update_matrix(sharpness: float, weights: np.ndarray, b1: float) -> np.ndarray:
    """The same recurrence as a matrix on the state (u_t, m_t, m_{t-1}, ..., m_{t-C+1}) (Adam: (u_t, m_t)); its
    eigenvalues are the roots of `characteristic_polynomial`."""
    w = np.asarray(weights, float)
    size = max(len(w), 2)
    matrix = np.zeros((size, size))
    matrix[1, :2] = 1.0 - b1, b1  # m_{t+1} = (1-b1) u_t + b1 m_t
    matrix[0, :2] = 1.0 - sharpness * w[0] * (1.0 - b1), -sharpness * w[0] * b1  # u_t - S w_0 m_{t+1}
    matrix[0, 1:len(w)] -= sharpness * w[1:]  # - S w_k m_{t+1-k}
    for row in range(2, size):
        matrix[row, row - 1] = 1.0  # the stored momenta shift by one
    return matrix


def spectral_radius(sharpness: float | np.ndarray, weights: np.ndarray, b1: float) -> float | np.ndarray:
    """The largest root modulus (for one S or an array of them): the linearised run shrinks like
    spectral_radius^t, stable iff < 1. The roots are the eigenvalues of the polynomial's companion matrix, as
    numpy.roots finds them, for every S at once."""
    values = np.atleast_1d(np.asarray(sharpness, float))
    polys = np.stack([characteristic_polynomial(s, weights, b1) for s in values])
    degree = polys.shape[1] - 1
    companions = np.zeros((len(values), degree, degree))
    companions[:, 0, :] = -polys[:, 1:] / polys[:, :1]
    companions[:, np.arange(1, degree), np.arange(degree - 1)] = 1.0
    radii = np.abs(np.linalg.eigvals(companions)).max(axis=1)
    return radii if np.ndim(sharpness) else float(radii[0])


def adam_stability_bound(b1: float = 0.9) -> float:
    """Adam's edge (Cohen et al. 2022): P(-1) = 0 at S = 2(1+b1)/(1-b1), 38 at b1 = 0.9."""
    return 2.0 * (1.0 + b1) / (1.0 - b1)


@dataclass(frozen=True)
class StabilityEdge:
    """The smallest preconditioned sharpness S at which a root leaves the unit circle, and that root's angle."""

    sharpness: float
    angle: float  # |arg z| of the critical root: pi for a period-2 oscillation, 2 pi / period in general


def stability_crossings(weights: np.ndarray, b1: float, angles: int = 20001) -> list[tuple[float, float, bool]]:
    """Every S > 0 at which a root crosses the unit circle, ascending: (S, the root's angle theta, unstable just above).

    P = M + S F is affine in S (M = P at S = 0), so a root sits at z = e^{i theta} exactly when S = -M(z)/F(z) is
    real and positive: the zeros of its imaginary part over theta in (0, pi] (found on a grid of `angles`, then
    by Brent's method; theta = pi, z = -1, is real by itself). Whether the run is unstable just above each one is
    read from the spectral radius at S (1 ± 1e-7)."""
    from scipy.optimize import brentq  # imported where used: the kick law's callers need none of it

    motion = characteristic_polynomial(0.0, weights, b1)
    feedback = characteristic_polynomial(1.0, weights, b1) - motion

    def ratio(theta: np.ndarray) -> np.ndarray:
        z = np.exp(1j * theta)
        return -np.polyval(motion, z) / np.polyval(feedback, z)

    thetas = np.linspace(0.0, np.pi, angles)[1:]  # theta = 0 is z = 1, where S = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        imaginary = ratio(thetas).imag
    found = [np.pi]
    for i in np.flatnonzero(np.sign(imaginary[1:]) * np.sign(imaginary[:-1]) < 0):
        found.append(brentq(lambda theta: float(ratio(np.array(theta)).imag), thetas[i], thetas[i + 1], xtol=1e-15))
    crossings = []
    for theta in found:
        value = ratio(np.array(theta))
        sharpness = float(value.real)
        if np.isfinite(sharpness) and sharpness > 0 and abs(value.imag) <= 1e-9 * abs(sharpness):  # not a pole
            above = spectral_radius(sharpness * (1 + 1e-7), weights, b1) > 1.0
            crossings.append((sharpness, float(theta), bool(above)))
    return sorted(crossings)


def stability_edge(weights: np.ndarray, b1: float) -> StabilityEdge:
    """The first crossing into instability, which an adaptive preconditioner (S growing as v decays) meets first."""
    for sharpness, angle, unstable_above in stability_crossings(weights, b1):
        if unstable_above:
            return StabilityEdge(sharpness, angle)
    raise ValueError("no root crosses the unit circle at any S > 0")


def first_window_growth(weights: np.ndarray, b1: float, b2: float, points: int = 400) -> float:
    """e-folds an oscillation gains while a converged run's S sweeps the first unstable window:
    G = integral of ln(spectral_radius) over ln S across the window, divided by ln(1/b2)/2, the rate at which
    ln S grows while v decays by b2 per step and nothing feeds it. A weak window (small G) is swept through before
    the oscillation grows, and the run settles at a later edge. inf when the first window never closes."""
    crossings = stability_crossings(weights, b1)
    starts = [i for i, (_, _, unstable_above) in enumerate(crossings) if unstable_above]
    if not starts or starts[0] + 1 == len(crossings):
        return math.inf
    low, high = crossings[starts[0]][0], crossings[starts[0] + 1][0]
    sharpness = np.geomspace(low, high, points)
    return float(np.trapezoid(np.log(spectral_radius(sharpness, weights, b1)), np.log(sharpness))
                 / (0.5 * math.log(1.0 / b2)))


def frozen_preconditioner_growth(optimizer: Optimizer | str, sharpnesses: np.ndarray, steps: int = 2000,
                                 block: int = 64) -> np.ndarray:
    """Measured growth per step of the engine's runs on f = S x²/2 (1-D, one run per S) with the preconditioner
    frozen: lr = 1 and eps = 1 against gradients that stay below 1e-20, so sqrt(v̂) is negligible and the step is
    the direction itself (eta = 1).

    The run starts at 1e-150; the growth is read from the largest step length |x_t - x_(t-1)| in blocks of `block`
    steps (steps, not distances, so that frozen buffer entries, which move the fixed point, do not count): the
    ratio of the last block still below 1e-20 to the second block, to the power 1/(steps between them). nan where
    fewer than three blocks stay below 1e-20.
    """
    method = as_optimizer(OPTIMIZERS.replace(linearised(optimizer).spec, lr=1.0, eps=1.0))
    h = np.asarray(sharpnesses, float)[:, None]
    x = np.full_like(h, 1e-150)
    state = method.init(x)
    lengths = np.empty((steps, len(h)))
    for t in range(steps):
        x_new, state, _ = method.update(state, x, lambda y: h * y)
        lengths[t] = np.abs(x_new - x)[:, 0]
        x = x_new
    blocks = lengths[: steps // block * block].reshape(-1, block, len(h)).max(axis=1)  # (B, N)
    # Blocks before the first that leaves the linear range, or stops resolving steps (a run settled on its fixed
    # point to the last bit).
    linear = ((blocks < 1e-20) & (blocks > 0)).cumprod(axis=0).sum(axis=0)
    growth = np.full(len(h), np.nan)
    for column in np.flatnonzero(linear >= 3):
        last = linear[column] - 1
        growth[column] = (blocks[last, column] / blocks[1, column]) ** (1.0 / ((last - 1) * block))
    return growth


# ---- the oscillation radius ----------------------------------------------------------------------------------------

def predicted_radius_per_lr(optimizer: Optimizer | str, dim: int = 2) -> float:
    """rms distance from the minimum / lr of Adam+CM held at its edge of stability, S = S*, angle theta:
    sqrt(d) / (2 sin(theta/2)) when v averages the direction's square (second_moment aggregate or direction),
    sqrt(d) / S* when it averages the gradient's.

    v decays until S = lr h / sqrt(v̂) reaches the edge, where the critical roots e^{±i theta} sit on the unit
    circle; a growing oscillation raises v and pushes S back, so each coordinate oscillates as A cos(theta t) with
    rms x = A/sqrt(2). If v̂ is the long mean of the direction's square, the rms step is lr, and it is
    sqrt(2) A sin(theta/2): rms x = lr / (2 sin(theta/2)). If v̂ is the mean of g² = h² x², S* = lr / rms x.
    It holds where the first unstable window is strong (`first_window_growth` in the hundreds: C <= 13 at
    b = (0.9, 0.999)); Adam crosses its edge (38, theta = pi) in bursts instead.
    """
    method = linearised(optimizer)
    if method.name != "adam_cm":
        raise SpecError(f"the radius law is Adam+CM's: Adam crosses its edge in bursts, not a held oscillation (got "
                        f"{method.spec})")
    weights, b1 = optimizer_weights(method)
    edge = stability_edge(weights, b1)
    if method.params["second_moment"] == "gradient":
        return math.sqrt(dim) / edge.sharpness
    return math.sqrt(dim) / (2.0 * math.sin(edge.angle / 2.0))


def oscillation_radii(optimizer: Optimizer | str, sharpness: np.ndarray, lrs: np.ndarray, dim: int = 2,
                      steps: int = 4000, window: int = 1000, runs: int = 4, start_radius: float = 5.0) -> np.ndarray:
    """(S, L) rms distance from the minimum over the last `window` of `steps` steps of `optimizer` on the bowl
    f = h |x|²/2 in `dim` dimensions (two_basin's sharp basin near its minimum) for every (h, lr), `runs` runs each
    from low-discrepancy starts in the ball of radius start_radius x lr; one batch through the engine.

    All pairs share one optimizer because the engine's step is lr times a function of the gradients: y = x/lr
    follows the same optimizer at lr = 1 on the gradient h lr y (the same numbers as h x), eps included.
    """
    return oscillation_at_minimum(optimizer, sharpness, lrs, dim, steps, window, runs, start_radius)[0]


def oscillation_at_minimum(optimizer: Optimizer | str, sharpness: np.ndarray, lrs: np.ndarray, dim: int = 2,
                           steps: int = 4000, window: int = 1000, runs: int = 4, start_radius: float = 5.0
                           ) -> tuple[np.ndarray, np.ndarray]:
    """`oscillation_radii` (S, L), and beside it the median over the runs of each run's largest distance from the
    minimum over the window (S, L): how far the oscillation reaches, which is what crosses a basin's edge. Any
    Adam+CM without noise or schedule (the rules the linear model refuses included) and Adam."""
    method = as_optimizer(optimizer)
    if method.name not in ("adam", "adam_cm") or method.params["noise"] > 0 or not _unscheduled(method):
        raise SpecError(f"the oscillation at a minimum is measured for adam and adam_cm without noise or an lr "
                        f"schedule (got {method.spec})")
    method = as_optimizer(OPTIMIZERS.replace(method.spec, lr=1.0))
    h_grid, lr_grid = np.meshgrid(np.asarray(sharpness, float), np.asarray(lrs, float), indexing="ij")
    scale = np.repeat((h_grid * lr_grid).ravel(), runs)[:, None]  # (N, 1): h lr per run
    y = start_radius * uniform_ball_points(dim, math.ceil(math.log2(len(scale))))[: len(scale)]
    state = method.init(y)
    squares, farthest = np.zeros(len(scale)), np.zeros(len(scale))
    for t in range(steps):
        y, state, _ = method.update(state, y, lambda z: scale * z)
        if t >= steps - window:
            distance = np.square(y) @ np.ones(dim)
            squares += distance
            np.maximum(farthest, distance, out=farthest)
    rms = np.sqrt(squares / window).reshape(h_grid.size, runs).mean(axis=1)
    peaks = np.median(np.sqrt(farthest).reshape(h_grid.size, runs), axis=1)
    return rms.reshape(h_grid.shape) * lr_grid, peaks.reshape(h_grid.shape) * lr_grid


def _unscheduled(method: Optimizer) -> bool:
    return all(method.params[name] == OPTIMIZERS.entry(method.name).field(name).default for name in SCHEDULE_NAMES)


def radius_per_lr(lrs: np.ndarray, radii: np.ndarray) -> float:
    """c of the least-squares fit radius = c lr through the origin, over every row of radii (S, L)."""
    lr_grid = np.broadcast_to(np.asarray(lrs, float), np.shape(radii))
    return float((radii * lr_grid).sum() / (lr_grid**2).sum())


# ---- the radius law and its escape boundary -------------------------------------------------------------------------

# The grid a radius is measured on: the radius is c lr whatever h, so two curvatures and two lrs far apart show it.
RADIUS_SHARPNESS, RADIUS_LRS = (4.0, 64.0), (0.01, 0.05)
RADIUS_STEPS, RADIUS_WINDOW, RADIUS_RUNS = 8000, 2000, 8
# The first unstable window must hold the run for the derivation to apply: G e-folds (first_window_growth) above this
# (C <= 13 at b = (0.9, 0.999): G 46 and up, the derived c within 1.5% of the measured; C = 16: G 17.5, 31% off).
HELD_GROWTH = 30.0
DERIVED_TOLERANCE = 0.05  # a derived c further than this from the simulation's is not the law there: measured it is


@dataclass(frozen=True)
class RadiusLaw:
    """Adam+CM's oscillation at a minimum in `dim` dimensions, in units of lr: `per_lr`, the rms distance (c), derived
    where the linear model holds (`how` = "derived") and measured where it does not ("measured"), with its `error`
    (derived: relative to the measurement; measured: the measurement's largest relative deviation over the grid of
    curvatures and lrs); `measured`, the simulation's c; and `peak_per_lr`, how far the oscillation reaches over
    RADIUS_WINDOW steps (the median run's largest distance), which a basin's edge is held against."""

    per_lr: float
    how: str
    error: float
    measured: float
    peak_per_lr: float
    why: str  # in words: why derived or measured


def radius_law_work(optimizer: Optimizer | str, dim: int = 2) -> work.Work:
    """What `radius_law` measures, counted: len(RADIUS_SHARPNESS) x len(RADIUS_LRS) x RADIUS_RUNS runs of
    RADIUS_STEPS steps on an isotropic quadratic in `dim` dimensions, no point kept."""
    method = as_optimizer(optimizer)
    runs = len(RADIUS_SHARPNESS) * len(RADIUS_LRS) * RADIUS_RUNS
    measured = work.run_work(as_landscape(f"quadratic:dim={dim}"), method, runs, RADIUS_STEPS, 0)
    return work.Work(tuple((f"the radius law's measurement ({name})", units) for name, units in measured.parts),
                     measured.held_bytes, measured.peak_bytes)


@work.declares_cost(radius_law_work)
def radius_law(optimizer: Optimizer | str, dim: int = 2) -> RadiusLaw:
    """The radius law for `optimizer` (adam_cm: its C, b1, b2, priority rule, aggregate and second moment; any lr,
    since the radius is c lr) in `dim` dimensions: c = sqrt(d) / (2 sin(theta*/2)) (sqrt(d) / S* when v averages
    g²) where the recent-window model covers the priority rule and the first unstable window holds the run
    (first_window_growth >= HELD_GROWTH) and the derived c is within DERIVED_TOLERANCE of the simulation's, else
    the simulation's. Either way it is measured too: c over
    RADIUS_SHARPNESS x RADIUS_LRS, RADIUS_RUNS runs each, the last RADIUS_WINDOW of RADIUS_STEPS steps."""
    method = as_optimizer(optimizer)
    if method.name != "adam_cm":
        raise SpecError(f"the radius law is Adam+CM's: Adam crosses its edge in bursts (got {method.spec})")
    radii, peaks = oscillation_at_minimum(method, RADIUS_SHARPNESS, RADIUS_LRS, dim, RADIUS_STEPS, RADIUS_WINDOW,
                                          RADIUS_RUNS)
    measured = radius_per_lr(RADIUS_LRS, radii)
    spread = float(np.max(np.abs(radii / np.asarray(RADIUS_LRS) / measured - 1.0)))
    peak = radius_per_lr(RADIUS_LRS, peaks)
    try:
        weights, b1 = optimizer_weights(method)
        growth = first_window_growth(weights, b1, method.params["b2"])
    except SpecError as refused:
        return RadiusLaw(measured, "measured", spread, measured, peak, f"no linear model: {refused}")
    if growth < HELD_GROWTH:
        return RadiusLaw(measured, "measured", spread, measured, peak,
                         f"the first unstable window is swept through ({growth:.3g} e-folds, below {HELD_GROWTH:g})")
    derived = predicted_radius_per_lr(method, dim)
    error = abs(derived / measured - 1.0)
    if error > DERIVED_TOLERANCE:
        return RadiusLaw(measured, "measured", spread, measured, peak,
                         f"the derived c ({derived:.3g}) is {error:.1%} off the simulation's")
    return RadiusLaw(derived, "derived", error, measured, peak,
                     f"the recent-window model holds ({growth:.3g} e-folds in the first unstable window)")


def radius_applies(optimizer: Optimizer | str) -> bool:
    """Whether the radius law covers `optimizer`: Adam+CM without noise or an lr schedule."""
    method = as_optimizer(optimizer)
    return method.name == "adam_cm" and method.params["noise"] == 0 and _unscheduled(method)


def radius_escape_lr(landscape: Landscape | str, optimizer: Optimizer | str, basin: str | int = "sharp",
                     reach: float | None = None) -> float:
    """The lr above which Adam+CM's oscillation at the minimum reaches the basin's nearest edge: edge / reach, the
    reach being the radius law's peak_per_lr (measured; `reach` passes one found before). Unlike the kick's, this
    boundary holds without the kick (first_step=step or second_moment=direction keep the radius) and over any
    horizon the oscillation is sustained."""
    surface = as_landscape(landscape)
    reach = reach if reach is not None else radius_law(optimizer, surface.dim).peak_per_lr
    return basin_core_radius(surface, resolve_basin(surface, basin)) / reach


def radius_boundaries(table, x_axis: str, y_axis: str, basin: str | int = "sharp"
                      ) -> dict[str, list[tuple[float, float]]]:
    """The radius law's escape lr at each swept sharpness of a two_basin escape sweep over lr and sharpness, per
    Adam+CM label (its law measured once per optimizer), as (x, y) points in the table's axis order (as
    `kick_boundaries`); {} when the axes are not lr and sharpness."""
    if {x_axis, y_axis} != {"lr", "sharpness"}:
        return {}
    reaches: dict[str, float] = {}
    found: dict[str, dict[float, float]] = {}
    for row in table.rows:
        if as_landscape(row["landscape"]).name != "two_basin" or not radius_applies(row["optimizer_spec"]):
            continue
        if row["optimizer"] not in reaches:
            reaches[row["optimizer"]] = radius_law(row["optimizer_spec"]).peak_per_lr
        points = found.setdefault(row["optimizer"], {})
        if row["sharpness"] not in points:
            points[row["sharpness"]] = radius_escape_lr(row["landscape"], row["optimizer_spec"], basin,
                                                        reaches[row["optimizer"]])
    return {label: [(lr, s) if x_axis == "lr" else (s, lr) for s, lr in sorted(points.items())]
            for label, points in found.items()}
