"""Where along the valley of minima each optimizer ends (landscapes/valley.py: f = ½ (ab − 1)², minima ab = 1 with
sharpness a² + b², flattest at |a| = |b| = 1): the cleanest measure of a bias towards flat minima.

Gradient flow keeps D = a² − b², so from a start it ends at sharpness √(D² + 4): where a run ends is read through the
same invariant, `end_sharpness` = √(D² + 4) of its final point, the sharpness of the minimum the flow from there
reaches (equal to a² + b² on the valley, and defined where a noisy or oscillating run is not exactly on it).

Gradient descent's step keeps D up to a factor, exactly: with g = ab − 1 (the one-sample valley, any label),
a' = a − lr g b, b' = b − lr g a give D' = D (1 − lr² g²). Noiseless, g → 0 and D freezes (a drift of order lr² in
the transient only). With labels moved by ±ε (label-noise SGD, Damian et al. 2021) g = ab − 1 ∓ ε, E g² ≈ ε² near
the valley, and D decays like exp(−lr² ε² t): the balanced, flattest point, at a rate we derive here exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments import work
from experiments.run import as_optimizer, run, run_cost
from landscapes import build_landscape

VALLEY_RUNS, VALLEY_STEPS, VALLEY_SEED = 64, 5000, 0
VALLEY_MAX_WORK = 1_000_000_000
NEAR_FLAT = 2.1  # an end sharpness within 5% of the flattest, 2


def valley_starts(runs: int = VALLEY_RUNS, seed: int = VALLEY_SEED) -> np.ndarray:
    """Seeded unbalanced starts off the valley: a in [1.5, 2.5], b in [0.2, 0.6] (ab < 1, a² − b² from 1.9 to 6.2)."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(1.5, 2.5, runs), rng.uniform(0.2, 0.6, runs)], axis=1)


def end_sharpness(points: np.ndarray) -> np.ndarray:
    """√((a² − b²)² + 4) at each row: the sharpness of the minimum gradient flow from the point ends at."""
    points = np.asarray(points, dtype=np.float64)
    return np.sqrt((points[..., 0] ** 2 - points[..., 1] ** 2) ** 2 + 4.0)


@dataclass(frozen=True)
class ValleyEnd:
    """One optimizer's runs from the seeded starts: the sharpness where each ends, summarised."""

    landscape: str
    optimizer: str
    steps: int
    start_median: float  # √(D² + 4) of the starts: where gradient flow ends
    median: float  # end_sharpness of the final points
    low: float  # its 10th percentile
    high: float  # its 90th percentile
    off_valley: float  # median |ab − 1| at the end: how far the last point is from the valley
    stopped: int
    near_flat_step: int  # the first step at which half the runs are within NEAR_FLAT of the flattest (-1: never)


def valley_end_cost(landscape: str, optimizer: str, runs: int = VALLEY_RUNS, steps: int = VALLEY_STEPS) -> work.Work:
    return run_cost(landscape, optimizer, valley_starts(runs), steps, "all")


@work.declares_cost(valley_end_cost)
def valley_end(landscape: str, optimizer: str, runs: int = VALLEY_RUNS, steps: int = VALLEY_STEPS,
               max_work: int | work.Limit | None = VALLEY_MAX_WORK) -> ValleyEnd:
    """Run `optimizer` on the valley `landscape` from valley_starts(runs) for `steps` steps; summarise the ends."""
    starts = valley_starts(runs)
    result = run(landscape, optimizer, starts, steps, "all", max_work=max_work)
    final = result.final
    ends = end_sharpness(final)
    half_near = np.flatnonzero(np.median(end_sharpness(result.positions), axis=1) <= NEAR_FLAT)
    return ValleyEnd(build_landscape(landscape).spec, as_optimizer(optimizer).spec, steps,
                     float(np.median(end_sharpness(starts))), float(np.median(ends)),
                     float(np.percentile(ends, 10)), float(np.percentile(ends, 90)),
                     float(np.median(np.abs(final[:, 0] * final[:, 1] - 1.0))), int(result.stopped.sum()),
                     int(half_near[0]) if len(half_near) else -1)


# The grid of the study: each optimizer at the lrs, rho and C named (others at their defaults).
VALLEY_OPTIMIZERS = {"SGD": ("valley", "sgd"), "SGD + label noise ε=1": ("valley:label_noise=1", "sgd"),
                     "Adam": ("valley", "adam"), "Adam+SAM": ("valley", "adam_sam"), "Adam+CM": ("valley", "adam_cm"),
                     "Adam+SAM+CM": ("valley", "adam_sam_cm")}
VALLEY_LRS = (0.01, 0.03, 0.1)
VALLEY_RHOS = (0.01, 0.05, 0.2)
VALLEY_TOP_C = (2, 5, 10)


def valley_grid(lrs: tuple[float, ...] = VALLEY_LRS, rhos: tuple[float, ...] = VALLEY_RHOS,
                top_cs: tuple[int, ...] = VALLEY_TOP_C, runs: int = VALLEY_RUNS, steps: int = VALLEY_STEPS
                ) -> list[tuple[str, str, ValleyEnd]]:
    """(name, varied knob, result) for every optimizer at every lr (rho 0.05, C 5), then SAM's rho and CM's C at lr
    0.03."""
    rows = []
    for name, (landscape, base) in VALLEY_OPTIMIZERS.items():
        for lr in lrs:
            knobs = f"{base}:lr={lr!r}" + (",rho=0.05" if "sam" in base else "")
            rows.append((name, f"lr={lr:g}", valley_end(landscape, knobs, runs, steps)))
        if "sam" in base:
            for rho in rhos:
                rows.append((name, f"rho={rho:g}", valley_end(landscape, f"{base}:lr=0.03,rho={rho!r}", runs, steps)))
        if base.endswith("cm"):
            for top_c in top_cs:
                knobs = f"{base}:lr=0.03,top_c={top_c}" + (",rho=0.05" if "sam" in base else "")
                rows.append((name, f"C={top_c}", valley_end(landscape, knobs, runs, steps)))
    return rows


@dataclass(frozen=True)
class DriftRate:
    """ln D falls by `measured` a step on average (D = a² − b², over the runs' median), against lr² ε²."""

    lr: float
    label_noise: float
    measured: float
    predicted: float


def label_noise_drift(lr: float = 0.03, label_noise: float = 1.0, runs: int = VALLEY_RUNS, steps: int = 2000
                      ) -> DriftRate:
    """Label-noise SGD's drift towards balance: the median over runs of −ln(D_T / D_0) / T, against lr² ε² (from
    D' = D (1 − lr² g²), E g² ≈ ε² near the valley). The first 200 steps, while runs reach the valley, are left out."""
    starts = valley_starts(runs)
    first = 200
    result = run(f"valley:label_noise={label_noise!r}", f"sgd:lr={lr!r}", starts, steps, "all")
    D = result.positions[:, :, 0] ** 2 - result.positions[:, :, 1] ** 2
    rates = -np.log(np.abs(D[steps]) / np.abs(D[first])) / (steps - first)
    return DriftRate(lr, label_noise, float(np.median(rates)), lr**2 * label_noise**2)


def gradient_descent_keeps_balance(lr: float = 0.03, steps: int = 2000) -> float:
    """Plain gradient descent: the largest relative change of √(D² + 4) from start to end over the seeded runs (the
    flow keeps it; the discrete step moves it only in the transient, by a factor Π(1 − lr² g²))."""
    starts = valley_starts()
    final = run("valley", f"sgd:lr={lr!r}", starts, steps, "final").final
    return float(np.max(np.abs(end_sharpness(final) / end_sharpness(starts) - 1.0)))


