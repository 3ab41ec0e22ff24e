"""The escape-rate experiment: many runs started inside one basin; how many end in another, and where.

A run escapes basin B when the basin of its final point is not B; a run that stops early (diverged, or an undefined
gradient) is counted as such, never as escaped. Only end points are kept, and runs advance in chunks of at most
CHUNK_RUNS, so memory is O(N d) whatever the number of steps and does not grow with a chunk's trajectories; a large
request takes its chunks on every core at once (`run_to_ends`), or as tasks of a dask cluster (`submit_chunks`), with
the same results bit for bit.
"""

from __future__ import annotations

import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from experiments import cluster, work
from experiments.basins import assign_basins, final_basins
from experiments.intervals import wilson_interval
from experiments.run import (
    DIVERGED,
    UNDEFINED,
    advance,
    as_landscape,
    as_optimizer,
    as_starts,
    as_steps,
    recorded_step_indices,
)
from experiments.survival import Survival, kaplan_meier
from experiments.watch import NOT_YET, Exits, StepLengths, Tail, check_steps
from landscapes import Landscape
from optimizers import Optimizer
from specs import Field, SpecError

RUNS = Field("runs", "int", 1000, "number of runs", low=1, high=10_000_000)
SEED = Field("seed", "int", 0, "seed of the random starts", low=0, high=2**32 - 1)
SPREAD = Field("spread", "float", 0.5, "starts lie within this fraction of the distance from the minimum to its "
                                         "basin's nearest edge", low=0.0, high=1.0, low_open=True)
CONVERGED_FRACTION = 0.0025  # of the domain's width: 0.01 on Goldstein-Price's box
# Runs advanced together. Measured (benchmarks/work_weights.py prints it): run-steps per second peak at 10,000-20,000
# runs; fewer do not amortise a step's fixed cost, more spill the step's temporaries out of the CPU's caches.
CHUNK_RUNS = 20_000
# Chunks run on several cores (threads) once a request has this many run-steps (gradient evaluations x runs).
# Measured (benchmarks/work_weights.py; Adam+CM, two_basin, 200 steps, 2 cores, idle): two threads take 40,000 runs
# 1.24 times as fast as one, 100,000 1.23 and 400,000 1.30 times; 20,000 runs (two chunks of 10,000) 0.86 times.
PARALLEL_MIN_RUN_STEPS = 8_000_000
PARALLEL_MIN_CHUNK = 5_000  # a request split across cores keeps at least this many runs in a chunk

# The basin's nearest edge is searched along rays, at radii on a geometric ladder and then between two rungs.
LADDER_RUNGS, LADDER_RATIO, BRACKET_POINTS, RAYS_2D, RANDOM_RAYS = 24, 2**0.5, 16, 32, 32
DRAW_ROUNDS = 20  # rounds of draws of starts (each twice the starts still missing) before giving up


def resolve_basin(landscape: Landscape, basin: str | int) -> int:
    """Index into landscape.minima of "sharp" | "flat" | "global" (labels), "sharpest", or an index (as int or text)."""
    count = len(landscape.minima)
    labels = sorted({m.label for m in landscape.minima if m.label})
    allowed = ", ".join([*labels, "sharpest", f"an index in [0, {count - 1}]"]) if count else "none (no known minima)"
    text = basin.strip() if isinstance(basin, str) else basin
    if isinstance(text, str) and 0 < len(text.lstrip("-")) <= 9 and text.lstrip("-").isascii() \
            and text.lstrip("-").isdigit():
        text = int(text)
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool):
        if 0 <= text < count:
            return int(text)
    elif text == "sharpest" and count:
        return int(np.argmax([m.sharpness for m in landscape.minima]))
    elif isinstance(text, str) and text in labels:
        return landscape.minimum_index(text)
    shown = basin if not isinstance(basin, str) or len(basin) <= 40 else basin[:37] + "..."
    raise SpecError(f"basin must be one of {allowed} for {landscape.spec} (got {shown})")


def edge_search_rays(dim: int) -> np.ndarray:
    """(K, d) unit directions along which a basin's edge is searched: RAYS_2D angles in 2D; +- the axes and
    RANDOM_RAYS seeded directions otherwise."""
    if dim == 2:
        angles = np.arange(RAYS_2D) * (2 * np.pi / RAYS_2D)
        return np.stack([np.cos(angles), np.sin(angles)], axis=1)
    extra = np.random.default_rng(0).standard_normal((RANDOM_RAYS, dim))
    return np.concatenate([np.eye(dim), -np.eye(dim), extra / np.linalg.norm(extra, axis=1, keepdims=True)])


def basin_core_radius(landscape: Landscape, basin: int) -> float:
    """Distance from the minimum to the nearest point found in another basin (or in none), searched along rays.

    Capped at the domain's half-diagonal (a basin that fills the domain).
    """
    centre = landscape.minima[basin].location
    rays = edge_search_rays(landscape.dim)
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
    radius = spread * core_radius(landscape, basin)
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    count = 0
    for _ in range(DRAW_ROUNDS):
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


@dataclass(frozen=True)
class EscapeResult:
    """How N runs started in one basin ended. final_basins holds basins.DIVERGED_BASIN or UNDEFINED_BASIN for a run
    that stopped early, NO_BASIN for an end point in no listed basin."""

    landscape: str  # canonical spec
    optimizer: str  # canonical spec
    basin: int
    runs: int
    escaped: int
    diverged: int
    undefined: int
    escape_rate: float
    ci_low: float
    ci_high: float
    destinations: dict[int, int]  # basin index -> count of escapers that ended there (NO_BASIN: unassigned)
    flatter_fraction: float  # fraction of runs that ended in a basin flatter than the start basin
    starts: np.ndarray  # (N, d)
    final: np.ndarray  # (N, d)
    final_basins: np.ndarray  # (N,)
    grad_evals: int  # per run (the budget: steps x gradient evaluations per step)
    final_losses: np.ndarray  # (N,)
    stop_steps: np.ndarray  # (N,) the step a diverged or undefined run stopped at (experiments.watch.NOT_YET: none)
    exit_steps: np.ndarray  # (N,) first checked step out of the start basin (NOT_YET: never)
    survival: Survival  # the share still in the start basin against the step, with its 95% band
    early_steps: np.ndarray  # (N,) mean step length over the escape window (experiments.watch.EARLY_WINDOW)
    mean_steps: np.ndarray  # (N,) mean step length over the run
    converged: np.ndarray  # (N,) bool: ended at its basin's minimum and stayed there (see `converged`)


def starts_work(landscape: Landscape, runs: int) -> work.Work:
    """Drawing `runs` starts inside a basin: the search for its edge (once per landscape object and basin:
    core_radius keeps it) and the draws, each assigned to its basin."""
    probes = len(edge_search_rays(landscape.dim)) * (LADDER_RUNGS + BRACKET_POINTS)
    return work.total([work.basin_work(landscape, probes, "finding the basin's edge"),
                       work.basin_work(landscape, 2 * max(runs, 16), "drawing starts inside the basin",
                                       near_minimum=True)])


def ends_work(landscape: Landscape, optimizer: Optimizer, runs: int, steps: int) -> work.Work:
    """The runs of run_to_ends, kept to their end points, and the basin of every end point (runs started near a
    minimum end near one, or on their way to another: the weight for points near a minimum is measured on such end
    points too)."""
    chunk = min(runs, CHUNK_RUNS)
    at_once = chunk_threads(runs, steps * optimizer.grad_evals_per_step, None)  # chunks in flight together
    return work.total([work.Work(work.run_work(landscape, optimizer, runs, steps, 0).parts,
                                 held_bytes=float(runs) * (3 * landscape.dim + 4) * work.FLOAT_BYTES,
                                 peak_bytes=at_once * work.run_work(landscape, optimizer, chunk, steps, 2).bytes),
                       work.basin_work(landscape, runs, "assigning the end points' basins", batch=chunk * at_once,
                                       near_minimum=True)])


def escape_work(landscape: Landscape, optimizer: Optimizer, runs: int, steps: int, draw_starts: bool) -> work.Work:
    """Everything an escape experiment costs: the minima, the starts (drawn, or checked to lie in the basin), the
    runs and the basin of every end point."""
    starts = starts_work(landscape, runs) if draw_starts else work.basin_work(
        landscape, runs, "checking the starts lie in the basin")
    return work.total([work.setup_work(landscape), starts, ends_work(landscape, optimizer, runs, steps)])


def escape_cost(landscape: Landscape | str, optimizer: Optimizer | str, basin: str | int = "sharp", runs: int = 1000,
                steps: int = 500, seed: int = 0, spread: float = 0.5, starts: object = None,
                workers: int | None = None, client: object = None) -> work.Work:
    """What `escape_experiment` with these arguments costs (escape_work: its starts drawn, or checked when given),
    wherever it runs."""
    surface, method, steps = as_landscape(landscape), as_optimizer(optimizer), as_steps(steps)
    if starts is None:
        SEED.check(seed)
        SPREAD.check(spread)
    else:
        runs = as_starts(starts, surface.dim).shape[0]
    return escape_work(surface, method, RUNS.check(runs), steps, starts is None)


@work.declares_cost(escape_cost)
def escape_experiment(landscape: Landscape | str, optimizer: Optimizer | str, basin: str | int = "sharp",
                      runs: int = 1000, steps: int = 500, seed: int = 0,
                      max_work: int | work.Limit | None = work.DEFAULT_MAX_WORK, spread: float = 0.5,
                      starts: object = None, workers: int | None = None, client: object = None) -> EscapeResult:
    """Run `optimizer` from `runs` seeded starts inside `basin` for `steps` steps and count the escapes.

    `starts` (N, d), if given, replaces the drawn ones (a sweep draws them once for all optimizers); every one must
    lie in the basin. The whole request is checked against `max_work` before anything runs. `workers`: threads for
    the runs' chunks (run_to_ends; None: chosen by the request's size). `client` (a dask.distributed Client, or an
    experiments.cluster.Cluster, started only once the request is checked) takes each chunk as a task instead,
    with the same result bit for bit.
    """
    surface = as_landscape(landscape)
    method = as_optimizer(optimizer)
    steps = as_steps(steps)
    if starts is None:
        runs, seed, spread = RUNS.check(runs), SEED.check(seed), SPREAD.check(spread)
    else:
        starts = as_starts(starts, surface.dim)
        runs = RUNS.check(len(starts))
    if max_work is not None:
        work.check(escape_experiment.cost(surface, method, basin, runs, steps, seed, spread, starts), max_work,
                   lower="runs or steps")
    index = resolve_basin(surface, basin)
    if starts is None:
        starts = starts_in_basin(surface, index, runs, seed, spread)
    else:
        outside = int(np.count_nonzero(assign_basins(surface, starts) != index))
        if outside:
            raise SpecError(f"starts must lie in basin {index} of {surface.spec} ({outside} of {runs} do not)")
    client = cluster.as_client(client)
    if client is None:
        return measure_escape(surface, method, index, starts, steps, workers)
    chunks = submit_chunks(client, surface, method, starts, steps, index, core_radius(surface, index))
    ends = joined_ends(cluster.collect(client, chunks, [1.0] * len(chunks), lambda fraction: None, len(chunks), chunks))
    return measure_escape(surface, method, index, starts, steps, ends=ends)


class EndPoints(NamedTuple):
    """Where N runs ended and how they went (each (N,) unless said): final points (N, d), final losses, basins
    (experiments.basins codes), stop reasons (experiments.run codes) and the step each stopped at (NOT_YET if it ran
    every step), the first checked step at which each run was out of its start basin (NOT_YET if never, or if no
    basin was watched), the mean step length over the escape window and over the run, and the farthest each moved
    over its last steps."""

    final: np.ndarray
    final_losses: np.ndarray
    basins: np.ndarray
    reasons: np.ndarray
    stop_steps: np.ndarray
    exit_steps: np.ndarray
    early_steps: np.ndarray
    mean_steps: np.ndarray
    tail_motion: np.ndarray


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def chunk_threads(runs: int, evals: int, workers: int | None) -> int:
    """How many threads take a request's chunks: `workers` if given, else every available core once the request has
    PARALLEL_MIN_RUN_STEPS run-steps (`evals` gradient evaluations per run) and enough runs for two chunks."""
    if workers is not None:
        return max(1, int(workers))
    if runs * evals < PARALLEL_MIN_RUN_STEPS or runs < 2 * PARALLEL_MIN_CHUNK:
        return 1
    return available_cores()


def run_to_ends(landscape: Landscape, optimizer: Optimizer, starts: np.ndarray, steps: int,
                workers: int | None = None, basin: int | None = None) -> EndPoints:
    """Advance checked starts (N, d) `steps` steps in chunks of at most CHUNK_RUNS, keeping only where each run
    ended and what the watchers note on the way (experiments.watch: its effective step and its last motion, and
    with a `basin`, when it first left it): memory O(N d).

    `workers` threads take chunks at once (None: every core, once the request is large enough to pay, see
    chunk_threads; 1: one after another). Threads rather than processes in here: NumPy releases the GIL for its
    arithmetic, nothing is pickled, and no process inherits its host's state (a Streamlit server's). Measured on 2
    idle cores, processes (spawned, the landscape and optimizer rebuilt from their specs) took 400,000 runs x 200
    steps 1.6 times as fast as one core, threads 1.3 times, but processes lose below about 100,000 runs (their start
    costs 0.6 s): processes are a dask cluster's business (submit_chunks, experiments.cluster). The results are the
    same bit for bit however the runs are chunked and whichever chunk finishes first: each run's arithmetic is its
    own, and its random streams are named by its row (run_ids).
    """
    n, dim = starts.shape
    ends = EndPoints(np.empty((n, dim)), np.empty(n), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int8),
                     np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n), np.empty(n), np.empty(n))
    threads = chunk_threads(n, steps * optimizer.grad_evals_per_step, workers)
    size = CHUNK_RUNS if threads == 1 else min(CHUNK_RUNS, max(PARALLEL_MIN_CHUNK, -(-n // threads)))
    _ = landscape.minima  # found once, before any thread needs them
    core = core_radius(landscape, basin) if basin is not None else 0.0

    def advance_chunk(low: int) -> None:
        rows = slice(low, min(low + size, n))
        for whole, part in zip(ends, chunk_ends(landscape, optimizer, starts[rows], low, steps, basin, core)):
            whole[rows] = part

    lows = range(0, n, size)
    if threads == 1 or len(lows) == 1:
        for low in lows:
            advance_chunk(low)
        return ends
    with ThreadPoolExecutor(max_workers=min(threads, len(lows)), thread_name_prefix="cmx-chunks") as pool:
        futures = [pool.submit(advance_chunk, low) for low in lows]
        try:
            for future in futures:
                future.result()
        except BaseException:  # an error or an interrupt: drop the chunks not started; the pool waits for the rest
            for future in futures:
                future.cancel()
            raise
    return ends


def chunk_ends(landscape: Landscape, optimizer: Optimizer, starts: np.ndarray, first_run: int, steps: int,
               basin: int | None, core: float) -> EndPoints:
    """One chunk of a request's runs, its starts (n, d) being the request's rows from `first_run` on: where each
    ended and what the watchers noted (run_to_ends), its random streams named by those rows, so that the chunk draws
    what it would in one batch. `core` is the basin's core radius (core_radius; unused without a `basin`)."""
    count = len(starts)
    lengths, tail = StepLengths(count), Tail(count, steps, tail_length(steps))
    exits = Exits(landscape, basin, core, check_steps(steps), count) if basin is not None else None
    watchers = (lengths, tail) if exits is None else (lengths, tail, exits)
    chunk = advance(landscape, optimizer, starts, steps, recorded_step_indices(steps, "final"),
                    np.arange(first_run, first_run + count), watchers)
    if exits is not None:
        exits.finish()
    return EndPoints(chunk.final, chunk.final_losses, final_basins(landscape, chunk), chunk.stop_reason,
                     chunk.stopped_at,  # -1 (NOT_YET) for a run that took every step
                     exits.exit_steps if exits is not None else np.full(count, NOT_YET, dtype=np.int64),
                     *lengths.means(steps), tail.motion)


def joined_ends(parts: list[EndPoints]) -> EndPoints:
    """Chunks' end points, in the order given, as one request's."""
    return EndPoints(*(np.concatenate(field) for field in zip(*parts)))


def measure_escape(landscape: Landscape, optimizer: Optimizer, basin: int, starts: np.ndarray, steps: int,
                   workers: int | None = None, ends: EndPoints | None = None) -> EscapeResult:
    """Run checked starts (inside `basin`) in chunks, keeping only end points (run_to_ends, which `workers` is
    passed to), and count the escapes; `ends`: the runs' end points when their chunks ran elsewhere (a cluster)."""
    if ends is None:
        ends = run_to_ends(landscape, optimizer, starts, steps, workers, basin)
    return summarise_escape(landscape, optimizer, basin, starts, ends, steps)


def chunk_count(runs: int) -> int:
    """How many tasks of chunk_ends a request of `runs` runs takes on a cluster (submit_chunks)."""
    return -(-runs // CHUNK_RUNS)


def submit_chunks(client: Any, landscape: Landscape, optimizer: Optimizer, starts: np.ndarray, steps: int,
                  basin: int | None, core: float) -> list:
    """One task of the dask `client` per chunk of CHUNK_RUNS runs (chunk_ends), each carrying its rows' starts and
    its first run's id; their results joined in order (joined_ends) are run_to_ends'. A task holds at most
    chunk_bytes of memory whatever the request's runs."""
    return [client.submit(chunk_ends, landscape, optimizer, starts[low:low + CHUNK_RUNS], low, steps, basin, core,
                          pure=False) for low in range(0, len(starts), CHUNK_RUNS)]


def chunk_bytes(landscape: Landscape, optimizer: Optimizer, runs: int, steps: int) -> float:
    """The most memory a task of chunk_ends takes: at most CHUNK_RUNS runs while they step, and their end points."""
    chunk = min(runs, CHUNK_RUNS)
    held = chunk * (3 * landscape.dim + 4) * work.FLOAT_BYTES  # as run_to_ends keeps them (ends_work)
    return work.run_work(landscape, optimizer, chunk, steps, 2).bytes + held


def summarise_escape(landscape: Landscape, optimizer: Optimizer, basin: int, starts: np.ndarray, ends: EndPoints,
                     steps: int) -> EscapeResult:
    """The escape counts, interval, destinations, flatter fraction and escape times of runs started in `basin`."""
    final, final_losses, basins, reasons = ends.final, ends.final_losses, ends.basins, ends.reasons
    stopped = reasons != 0
    escapers = ~stopped & (basins != basin)
    n, escaped = len(basins), int(escapers.sum())
    low, high = wilson_interval(escaped, n)
    where, counts = np.unique(basins[escapers], return_counts=True)
    sharpness = np.array([m.sharpness for m in landscape.minima])
    landed = basins >= 0
    flatter = np.zeros(n, dtype=bool)
    flatter[landed] = sharpness[basins[landed]] < sharpness[basin]
    survival = kaplan_meier(ends.exit_steps, ends.stop_steps, check_steps(steps) if steps else np.array([0]))
    return EscapeResult(landscape.spec, optimizer.spec, basin, n, escaped, int(np.sum(reasons == DIVERGED)),
                        int(np.sum(reasons == UNDEFINED)), escaped / n, low, high,
                        {int(k): int(c) for k, c in zip(where, counts)}, float(flatter.mean()), starts, final, basins,
                        steps * optimizer.grad_evals_per_step, final_losses, ends.stop_steps, ends.exit_steps, survival,
                        ends.early_steps, ends.mean_steps, converged(landscape, final, basins, ends.tail_motion))


def tail_length(steps: int) -> int:
    """The steps over which a run's motion decides whether it converged: the last tenth, at least 10."""
    return max(10, steps // 10)


def converged(landscape: Landscape, final: np.ndarray, basins: np.ndarray, tail_motion: np.ndarray) -> np.ndarray:
    """(N,) bool: the run ended within CONVERGED_FRACTION of the domain's width of its basin's listed minimum and
    moved no more than that over its last steps (a run still swinging, or still travelling, has not converged)."""
    tolerance = CONVERGED_FRACTION * float(np.max(landscape.domain.high - landscape.domain.low))
    out = np.zeros(len(basins), dtype=bool)
    landed = basins >= 0
    if landed.any():
        minima = np.array([m.location for m in landscape.minima])
        near = np.linalg.norm(final[landed] - minima[basins[landed]], axis=1) <= tolerance
        out[landed] = near & (tail_motion[landed] <= tolerance)
    return out


_CORE_RADII: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def core_radius(landscape: Landscape, basin: int) -> float:
    """basin_core_radius, found once per landscape object and basin (the escape experiment draws its starts with it
    and watches for exits with it)."""
    radii = _CORE_RADII.setdefault(landscape, {})
    if basin not in radii:
        radii[basin] = basin_core_radius(landscape, basin)
    return radii[basin]
