"""The escape-rate experiment: many runs started inside one basin; how many end in another, and where.

A run escapes basin B when the basin of its final point is not B; a diverged run is counted as diverged, never
as escaped (../shared/SPEC.md §4). Only end points are kept, so memory is O(N d) whatever the number of steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from experiments.basins import assign_basins
from experiments.run import DEFAULT_MAX_WORK, RunResult, as_landscape, check_work, run
from landscapes import Landscape
from optimizers import build_optimizer
from specs import Field, SpecError

RUNS = Field("runs", "int", 1000, "number of runs", low=1, high=10_000_000)
SEED = Field("seed", "int", 0, "seed of the random starts", low=0, high=2**32 - 1)
SPREAD = Field("spread", "float", 0.5, "starts lie within this fraction of the distance from the minimum to its "
                                         "basin's nearest edge", low=0.0, high=1.0, low_open=True)
DIVERGED = -2  # final_basins value of a diverged run (-1: a final point in no listed basin)

# The basin's nearest edge is searched along rays, at radii on a geometric ladder and then between two rungs.
LADDER_RUNGS, LADDER_RATIO, BRACKET_POINTS, RAYS_2D = 24, 2**0.5, 16, 32


def resolve_basin(landscape: Landscape, basin: str | int) -> int:
    """Index into landscape.minima of "sharp" | "flat" | "global" (labels), "sharpest", or an index (as int or text)."""
    count = len(landscape.minima)
    labels = sorted({m.label for m in landscape.minima if m.label})
    allowed = ", ".join([*labels, "sharpest", f"an index in [0, {count - 1}]"]) if count else "none (no known minima)"
    text = basin.strip() if isinstance(basin, str) else basin
    if isinstance(text, str) and text.lstrip("-").isdigit():
        text = int(text)
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        if 0 <= text < count:
            return int(text)
    elif text == "sharpest" and count:
        return int(np.argmax([m.sharpness for m in landscape.minima]))
    elif isinstance(text, str) and text in labels:
        return landscape.minimum_index(text)
    raise SpecError(f"basin must be one of {allowed} for {landscape.spec} (got {basin})")


def basin_core_radius(landscape: Landscape, basin: int) -> float:
    """Distance from the minimum to the nearest point found in another basin (or in none), searched along rays.

    Rays: RAYS_2D evenly spaced angles in 2D; +- the axes and 32 seeded directions otherwise. Capped at the domain's
    half-diagonal (a basin that fills the domain).
    """
    centre = landscape.minima[basin].location
    dim = landscape.dim
    if dim == 2:
        angles = np.arange(RAYS_2D) * (2 * np.pi / RAYS_2D)
        rays = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        extra = np.random.default_rng(0).standard_normal((32, dim))
        rays = np.concatenate([np.eye(dim), -np.eye(dim), extra / np.linalg.norm(extra, axis=1, keepdims=True)])
    largest = float(np.linalg.norm(landscape.domain.half_width))
    radii = largest * LADDER_RATIO ** -np.arange(LADDER_RUNGS)[::-1]  # (L,) ascending, the last is `largest`
    inside = _in_basin(landscape, basin, centre + radii[None, :, None] * rays[:, None, :])  # (rays, L)
    first_out = np.where(inside.all(axis=1), LADDER_RUNGS, np.argmin(inside, axis=1))  # first rung outside
    if np.all(first_out == LADDER_RUNGS):
        return largest
    if np.any(first_out == 0):
        return float(radii[0] / LADDER_RATIO)
    # Refine, between its last rung inside and its first outside, each ray that could hold the nearest edge.
    low_all = np.where(first_out < LADDER_RUNGS, radii[np.maximum(first_out - 1, 0)], np.inf)
    high_all = np.where(first_out < LADDER_RUNGS, radii[np.minimum(first_out, LADDER_RUNGS - 1)], np.inf)
    leaving = low_all <= high_all.min()
    low, high = low_all[leaving], high_all[leaving]
    between = low[:, None] + (high - low)[:, None] * np.linspace(0, 1, BRACKET_POINTS + 1)[None, 1:]
    inside = _in_basin(landscape, basin, centre + between[..., None] * rays[leaving][:, None, :])
    first = np.argmin(inside, axis=1)  # first point outside (0 when all are inside: then the edge is `high`)
    last_in = np.where(inside.all(axis=1), high, np.where(first == 0, low, between[np.arange(len(low)), first - 1]))
    return float(last_in.min())


def _in_basin(landscape: Landscape, basin: int, points: np.ndarray) -> np.ndarray:
    """points (..., d) -> (...) bool: the point's basin is `basin`."""
    return (assign_basins(landscape, points.reshape(-1, landscape.dim)) == basin).reshape(points.shape[:-1])


def starts_in_basin(landscape: Landscape, basin: int, runs: int, seed: int, spread: float = 0.5) -> np.ndarray:
    """(runs, d) starts drawn uniformly from the ball of radius spread x basin_core_radius around the minimum, each
    verified to lie in the basin (a draw that does not is replaced by the next one). Seeded: same seed, same starts."""
    runs, seed, spread = RUNS.check(runs), SEED.check(seed), SPREAD.check(spread)
    centre = landscape.minima[basin].location
    radius = spread * basin_core_radius(landscape, basin)
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    count = 0
    for _ in range(20):
        draws = centre + radius * _uniform_ball(rng, max(runs - count, 16) * 2, landscape.dim)
        draws = draws[_in_basin(landscape, basin, draws)][: runs - count]
        kept.append(draws)
        count += len(draws)
        if count == runs:
            return np.concatenate(kept)
    raise SpecError(f"could not draw {runs} starts inside basin {basin} of {landscape.spec}; lower spread")


def _uniform_ball(rng: np.random.Generator, count: int, dim: int) -> np.ndarray:
    """(count, dim) points uniform in the unit ball."""
    directions = rng.standard_normal((count, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return directions * rng.uniform(0.0, 1.0, count)[:, None] ** (1.0 / dim)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Newcombe 1998): centre (k + z²/2)/(n + z²), half-width
    z sqrt(k (n-k)/n + z²/4)/(n + z²); exactly 0 (1) at the low (high) end when k = 0 (k = n)."""
    if not 0 <= successes <= trials or trials < 1:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1 (got {successes}, {trials})")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1) (got {confidence})")
    z = float(ndtri(0.5 + confidence / 2))
    k, n = float(successes), float(trials)
    centre = (k + z * z / 2) / (n + z * z)
    half = z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    low = 0.0 if successes == 0 else centre - half
    high = 1.0 if successes == trials else centre + half
    return float(low), float(high)


@dataclass(frozen=True)
class EscapeResult:
    """How N runs started in one basin ended. final_basins holds -2 for a diverged run, -1 for no listed basin."""

    landscape: str  # canonical spec
    optimizer: str  # spec
    basin: int
    runs: int
    escaped: int
    diverged: int
    escape_rate: float
    ci_low: float
    ci_high: float
    destinations: dict[int, int]  # basin index -> count of escapers that ended there (-1: unassigned)
    flatter_fraction: float  # fraction of runs that ended in a basin flatter than the start basin
    starts: np.ndarray  # (N, d)
    final: np.ndarray  # (N, d)
    final_basins: np.ndarray  # (N,)
    grad_evals: int  # per run (the budget: steps x gradient evaluations per step)
    final_losses: np.ndarray  # (N,)


def escape_experiment(landscape: Landscape | str, optimizer: str, basin: str | int = "sharp", runs: int = 1000,
                      steps: int = 500, seed: int = 0, max_work: int = DEFAULT_MAX_WORK, spread: float = 0.5,
                      starts: np.ndarray | None = None) -> EscapeResult:
    """Run `optimizer` from `runs` seeded starts inside `basin` for `steps` steps and count the escapes.

    `starts` (N, d), if given, replaces the drawn ones (a sweep draws them once for all optimizers); they must
    lie in the basin.
    """
    surface = as_landscape(landscape)
    index = resolve_basin(surface, basin)
    method = build_optimizer(optimizer)
    if starts is None:
        check_work(RUNS.check(runs), steps, method.grad_evals_per_step, max_work, surface.step_cost)
        starts = starts_in_basin(surface, index, runs, seed, spread)
    result = run(surface, optimizer, starts, steps, record="final", max_work=max_work)
    return summarise_escape(surface, result, index, steps * method.grad_evals_per_step)


def summarise_escape(landscape: Landscape, result: RunResult, basin: int, grad_evals: int) -> EscapeResult:
    """The escape counts, interval, destinations and flatter fraction of finished runs started in `basin`."""
    diverged = result.diverged
    final_basins = np.where(diverged, DIVERGED, assign_basins(landscape, result.final))
    escapers = ~diverged & (final_basins != basin)
    n, escaped = result.n_runs, int(escapers.sum())
    low, high = wilson_interval(escaped, n)
    where, counts = np.unique(final_basins[escapers], return_counts=True)
    sharpness = np.array([m.sharpness for m in landscape.minima])
    landed = final_basins >= 0
    flatter = np.zeros(n, dtype=bool)
    flatter[landed] = sharpness[final_basins[landed]] < sharpness[basin]
    return EscapeResult(landscape.spec, result.optimizer, basin, n, escaped, int(diverged.sum()), escaped / n, low,
                        high, {int(k): int(c) for k, c in zip(where, counts)}, float(flatter.mean()),
                        result.starts.copy(), result.final.copy(), final_basins, grad_evals, result.final_losses.copy())
