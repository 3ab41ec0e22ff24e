"""What a point or a trajectory measures: curvature (largest Hessian eigenvalue, trace, SAM sharpness) and exploration
(path length, farthest distance from the start). Every function is vectorised over points (N, d) or (R, N, d)."""

from __future__ import annotations

import numpy as np

from experiments import work
from experiments.basins import final_basins
from landscapes import Landscape

# SAM sharpness: projected gradient ascent on the rho-ball from several directions at once.
ASCENT_ITERATIONS = 200
RANDOM_DIRECTIONS = 16  # seeded extra starting directions in d > 2 (d = 2 uses evenly spaced angles)
EIGEN_DIRECTIONS_MAX_DIM = 16  # the Hessian's eigenvectors are starting directions up to this dimension
EIGEN_BLOCK_BYTES = 64 * 1024**2  # Hessians held at once by largest_eigenvalue: its memory whatever the points
# The largest eigenvalue's cost per point, in run-steps (benchmarks/work_weights.py measures both: largest x 1.5): in
# the plane a few gradients' worth (x the landscape's gradient cost), above it the Hessian and the eigensolver, which
# grow as d² up to the largest dimension a landscape takes (1000).
EIGEN_POINT_WORK = 18.0
EIGEN_SQUARE_WORK = 3.6


def _rows(landscape: Landscape, points: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """points (..., d) as rows (M, d), and the leading shape to give results back in."""
    X = np.asarray(points, dtype=np.float64)
    if X.shape[-1:] != (landscape.dim,):
        raise ValueError(f"points must end in a dimension of {landscape.dim} (got shape {X.shape})")
    return X.reshape(-1, landscape.dim), X.shape[:-1]


def _hessians(landscape: Landscape, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hessians (M, d, d) of the finite rows (nan elsewhere) and the (M,) mask of finite rows."""
    finite = np.all(np.isfinite(rows), axis=1)
    H = np.full((rows.shape[0], landscape.dim, landscape.dim), np.nan)
    if finite.any():
        H[finite] = landscape.hessian(rows[finite])
    return H, finite


def largest_eigenvalue(landscape: Landscape, points: np.ndarray) -> np.ndarray:
    """Largest Hessian eigenvalue at each point, shape points.shape[:-1]; inf at a cone's tip, nan at a non-finite
    point. Taken EIGEN_BLOCK_BYTES of Hessians at a time."""
    rows, shape = _rows(landscape, points)
    out = np.full(rows.shape[0], np.nan)
    block = eigen_block(landscape.dim)
    for low in range(0, rows.shape[0], block):
        H, finite = _hessians(landscape, rows[low:low + block])
        regular = finite & np.all(np.isfinite(H), axis=(1, 2))
        found = out[low:low + block]  # a view: filled in place
        found[finite & ~regular] = np.inf
        if regular.any():
            found[regular] = np.linalg.eigvalsh(H[regular])[:, -1]
    return out.reshape(shape)


def eigen_block(dim: int) -> int:
    """Points whose Hessians largest_eigenvalue holds at once."""
    return max(1, EIGEN_BLOCK_BYTES // (dim * dim * work.FLOAT_BYTES))


def eigen_work(landscape: Landscape, points: int, what: str = "the end points' largest Hessian eigenvalues"
               ) -> work.Work:
    """What largest_eigenvalue costs at `points` points: per point the Hessian and the eigensolver; in memory one
    block of Hessians, twice (the eigensolver's copy)."""
    d = landscape.dim
    per_point = max(EIGEN_POINT_WORK * landscape.step_cost, EIGEN_SQUARE_WORK * d**2)
    at_once = min(points, eigen_block(d))
    return work.Work(((what, float(points) * per_point),), peak_bytes=2.0 * at_once * d * d * work.FLOAT_BYTES)


def hessian_trace(landscape: Landscape, points: np.ndarray) -> np.ndarray:
    """Trace of the Hessian (sum of its eigenvalues) at each point, shape points.shape[:-1]."""
    rows, shape = _rows(landscape, points)
    H, _ = _hessians(landscape, rows)
    with np.errstate(invalid="ignore"):
        return np.trace(H, axis1=1, axis2=2).reshape(shape)


def sam_sharpness(landscape: Landscape, points: np.ndarray, rho: float) -> np.ndarray:
    """max over ||e|| <= rho of f(x + e) - f(x) at each point, shape points.shape[:-1] (nan at non-finite points).

    Projected gradient ascent on the ball, started on the sphere from SAM's first-order point rho g/||g||, from both
    ends of every Hessian eigenvector and from fixed directions (8 angles in 2D, seeded ones above); each pair
    (point, direction) keeps its own step size, doubled after a gain and halved otherwise. The result is a value
    f actually takes in the ball, so it never exceeds the true maximum.
    """
    if not (np.isfinite(rho) and rho >= 0):
        raise ValueError(f"rho must be a finite number >= 0 (got {rho})")
    rows, shape = _rows(landscape, points)
    out = np.full(rows.shape[0], np.nan)
    finite = np.all(np.isfinite(rows), axis=1)
    if rho == 0 or not finite.any():
        out[finite] = 0.0
        return out.reshape(shape)
    X = rows[finite]
    n, dim = X.shape
    with np.errstate(all="ignore"):
        f0 = landscape.f(X)
        directions = _start_directions(landscape, X)  # (n, K, d) unit vectors
        k = directions.shape[1]
        base = np.repeat(X, k, axis=0)  # (n K, d)
        e = rho * directions.reshape(-1, dim)
        value = landscape.f(base + e)
        grad = landscape.grad(base + e)
        step = rho / np.maximum(np.linalg.norm(grad, axis=1), 1e-300)
        active = np.flatnonzero(np.isfinite(value) & np.all(np.isfinite(grad), axis=1))
        for _ in range(ASCENT_ITERATIONS):
            if active.size == 0:
                break
            trial = _onto_ball(e[active] + step[active, None] * grad[active], rho)
            trial_value = landscape.f(base[active] + trial)
            gain = trial_value > value[active]
            moved = np.linalg.norm(trial - e[active], axis=1)
            rows_up = active[gain]
            e[rows_up], value[rows_up] = trial[gain], trial_value[gain]
            grad[rows_up] = landscape.grad(base[rows_up] + e[rows_up])
            step[active] = np.where(gain, step[active] * 2.0, step[active] * 0.5)
            active = active[(moved > 1e-13 * rho) & np.all(np.isfinite(grad[active]), axis=1)]
        best = np.nanmax(np.where(np.isfinite(value), value, np.nan).reshape(n, k), axis=1, initial=-np.inf)
        out[finite] = np.maximum(best - f0, 0.0)
    return out.reshape(shape)


def _onto_ball(e: np.ndarray, rho: float) -> np.ndarray:
    """Rows of e (M, d) projected onto the ball of radius rho."""
    length = np.linalg.norm(e, axis=1)
    return e * np.minimum(1.0, rho / np.maximum(length, 1e-300))[:, None]


def _start_directions(landscape: Landscape, X: np.ndarray) -> np.ndarray:
    """(n, K, d) unit starting directions: the gradient's, +- each Hessian eigenvector, and fixed ones."""
    n, dim = X.shape
    g = landscape.grad(X)
    g_norm = np.linalg.norm(g, axis=1, keepdims=True)
    fixed = np.eye(dim)[:1] if dim == 1 else None
    if dim == 2:
        angles = np.arange(8) * (np.pi / 4)
        fixed = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    elif dim > 2:
        fixed = np.random.default_rng(0).standard_normal((RANDOM_DIRECTIONS, dim))
        fixed /= np.linalg.norm(fixed, axis=1, keepdims=True)
    # a zero gradient has no direction: the first fixed direction stands in for it
    parts = [np.where(g_norm > 0, g / np.where(g_norm > 0, g_norm, 1.0), fixed[0])[:, None, :]]
    if dim <= EIGEN_DIRECTIONS_MAX_DIM:
        H = landscape.hessian(X)
        regular = np.all(np.isfinite(H), axis=(1, 2))
        vectors = np.broadcast_to(np.eye(dim), (n, dim, dim)).copy()
        if regular.any():
            vectors[regular] = np.linalg.eigh(H[regular])[1]
        vectors = np.swapaxes(vectors, 1, 2)  # rows are eigenvectors
        parts += [vectors, -vectors]
    parts.append(np.broadcast_to(fixed, (n, *fixed.shape)))
    return np.concatenate(parts, axis=1)


def path_length(positions: np.ndarray) -> np.ndarray:
    """(N,) total length travelled along positions (R, N, d); inf for a run with a non-finite point (diverged)."""
    P = np.asarray(positions, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        segments = np.linalg.norm(np.diff(P, axis=0), axis=2)  # (R-1, N)
    return np.where(np.all(np.isfinite(P), axis=(0, 2)), segments.sum(axis=0), np.inf)


def max_distance(positions: np.ndarray) -> np.ndarray:
    """(N,) farthest distance from the start (row 0) along positions (R, N, d); inf for a run with a non-finite
    point."""
    P = np.asarray(positions, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        distances = np.linalg.norm(P - P[0], axis=2)  # (R, N)
    return np.where(np.all(np.isfinite(P), axis=(0, 2)), distances.max(axis=0), np.inf)


def run_measurements(landscape: Landscape, result) -> dict[str, np.ndarray]:
    """Per run of a RunResult: the basin it ended in (experiments.basins codes), the largest Hessian eigenvalue at
    its end (nan for a run that stopped early), its path length through the recorded points and its farthest
    distance from the start."""
    basins = final_basins(landscape, result)
    sharpness = np.full(result.n_runs, np.nan)
    ran = ~result.stopped
    if ran.any():
        sharpness[ran] = largest_eigenvalue(landscape, result.final[ran])
    return {"basin": basins, "sharpness": sharpness, "path_length": path_length(result.positions),
            "max_distance": max_distance(result.positions)}


def measurements_work(landscape: Landscape, runs: int) -> work.Work:
    """What run_measurements costs for `runs` runs: their end points' basins and largest eigenvalues."""
    return work.total([work.basin_work(landscape, runs, "assigning the end points' basins"),
                       eigen_work(landscape, runs)])
