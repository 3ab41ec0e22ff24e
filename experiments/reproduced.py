"""Published results the engine reproduces: each with its source, the published value or formula as stated, ours
as measured, the tolerance it is held to, the `cmx reproduce` command that measures it again, and the test that
holds it (tests/test_reproduced.py).

`RESULTS` is the table docs/reproduced.md and the Learn page show; its "ours" column was written from
`cmx reproduce` (full size) and the tests hold each row to a fresh measurement. `MEASURES` measures each result
again: `measure(key, quick)` returns its rows, measured now, each with whether it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from experiments import edges, flat_valley, kramers, linear_rates
from experiments.metrics import run_measurements
from experiments.run import run
from experiments.starts import uniform_starts
from experiments.sweep import is_global
from experiments.theory import radius_law
from landscapes import build_landscape
from specs import SpecError

QUADRATIC = "quadratic:dim=2,lambda_min=1,lambda_max=100"
QUADRATIC_START = ((1.0, 1.0),)


@dataclass(frozen=True)
class Reproduction:
    """One row of the table: what was published and what we measure."""

    key: str  # `cmx reproduce KEY` measures its result
    result: str  # which of the six results
    claim: str  # what is compared, in a few words
    source: str  # paper and where in it
    published: str  # the value or formula, as published (or derived from it, said so)
    ours: str  # measured, with its interval where it has one
    tolerance: str
    holds: bool  # within the tolerance, as recorded; the tests check the fresh measurement
    command: str
    test: str  # the test in tests/test_reproduced.py


def _row(key, result, claim, source, published, ours, tolerance, holds, test, quick=False) -> Reproduction:
    return Reproduction(key, result, claim, source, published, ours, tolerance, holds,
                        f"cmx reproduce {key.split('.')[0]}" + (" --quick" if quick else ""), test)


GOH = "Goh 2017, Distill 'Why Momentum Really Works' (section 'The Convergence Rate'; Polyak 1964)"
COHEN = "Cohen et al. 2021 (ICLR, 'Gradient descent on neural networks typically occurs at the edge of stability')"
COHEN22 = "Cohen et al. 2022 ('Adaptive gradient methods at the edge of stability', section 3)"
KRAMERS = "Kramers 1940; Eyring-Kramers law for dX = −∇f dt + √(2D) dW (the discrete step's constant derived here)"
XIE = "Xie, Sato, Sugiyama 2021 (ICLR, 'A diffusion theory for deep learning dynamics'), abstract"
AF = "Andriushchenko & Flammarion 2022 (ICML, 'Towards understanding sharpness-aware minimization')"
DAMIAN = "Damian, Ma, Lee 2021 (NeurIPS, 'Label noise SGD provably prefers flat global minimizers')"
MALVIYA = ("Malviya et al. 2024 (TMLR, 'Promoting exploration in memory-augmented Adam using critical momenta'), "
           "abstract")

# The table, "ours" written from `cmx reproduce` (full size); each row's "ours" begins with what its measurement
# prints, which tests/test_reproduced.py checks against a fresh measurement.
RESULTS: tuple[Reproduction, ...] = (
    _row("momentum.gd_rate", "1. Optimal rates (Goh / Polyak)",
         "gradient descent at lr 2/(λ₁+λₙ) on a quadratic with κ = 100: rate a step", GOH,
         "(κ−1)/(κ+1) = 99/101 = 0.980198", "0.980198 (steps 200–400)", "±1e-6", True,
         "test_optimal_rates_and_momentums_divergence"),
    _row("momentum.hb_rate", "1. Optimal rates (Goh / Polyak)",
         "heavy ball at its optimal lr 0.033058, β 0.669421: rate a step", GOH,
         "(√κ−1)/(√κ+1) = 9/11 = 0.818182; its double root adds (t₂/t₁)^(1/(t₂−t₁)): 0.821022 over steps 200–400",
         "0.821016 (steps 200–400)", "±1e-4 of 0.821022", True, "test_optimal_rates_and_momentums_divergence"),
    _row("momentum.hb_edge", "1. Optimal rates (Goh / Polyak)", "heavy ball at β 0.9 diverges above lr", GOH,
         "2(1+β)/λₙ = 0.038", "0.0379977 (bisection, 1000 steps)", "±1%", True,
         "test_optimal_rates_and_momentums_divergence"),
    _row("edges.gd", "2. Edges of stability", "gradient descent's largest stable lr·λₙ (κ = 100 quadratic)", COHEN,
         "2", "2.00058", "±5%", True, "test_edges_of_stability"),
    _row("edges.momentum", "2. Edges of stability", "heavy ball's (β 0.9) largest stable lr·λₙ", COHEN,
         "2(1+β) = 3.8", "3.79977", "±5%", True, "test_edges_of_stability"),
    _row("edges.adam", "2. Edges of stability",
         "Adam (lr 0.01) from near a minimum: lr·λ_max(P⁻¹H) over steps 10,000–20,000", COHEN22,
         "settles at 2(1+β₁)/(1−β₁) = 38", "90th percentile 38.9, median 34.1 (10th 28.0)",
         "90th percentile ±5% of 38; median within 15% below", True, "test_edges_of_stability"),
    _row("edges.adam_cm", "2. Edges of stability",
         "Adam+CM (lr 0.01) on the same run: rms distance from the minimum, steps 10,000–20,000",
         "experiments.theory.radius_law (this project, issue 21; docs/theory.md section 4)",
         "the radius law: c lr, c = √2/(2 sin(θ*/2)) = 5.40 in 2-D", "5.43 lr (the law: 5.40 lr)", "±10%", True,
         "test_edges_of_stability"),
    _row("kramers.slope", "3. Kramers' law", "noisy GD on a double well (ΔL 1, lr 0.02): slope of ln(mean escape "
         "step) against 1/σ², σ = 4, 4.5, 5, 5.5, 6, 400 runs each", KRAMERS,
         "2ΔL/lr = 100", "94.8 ± 1.9 (the exact diffusion's 96.8)", "±8% of 100", True, "test_kramers_law"),
    _row("kramers.means", "3. Kramers' law", "each mean escape step against the exact mean first-passage time of the "
         "diffusion the update discretises (D = lr σ²/2; Kramers' A e^(2ΔL/(lr σ²)) is its small-noise limit)",
         KRAMERS, "(1/D) ∫∫ e^((f(x)−f(y))/D) dy dx / lr: 31038, 8589, 3463, 1782, 1079 steps",
         "measured / exact diffusion: 0.937, 0.886, 0.926, 0.957, 0.992 (95% intervals ±10%)",
         "±20% (the discrete step's O(lr h_a) = 0.16)", True, "test_kramers_law"),
    _row("xie.hessian", "4. Hessian-shaped noise (Xie et al.)",
         "SGD (lr 0.02, σ 4), noise_shape=hessian: ln(mean escape) against 1/h_a, h_a = 5.1 … 12.5, 100 runs each",
         XIE, "'SGD favors flat minima exponentially more than sharp minima': ln τ linear in 1/h_a. The escape "
         "formula as we recall it (not retrieved here), ln τ ≈ (2ΔL/(lr σ²))(s/h_a + (1−s)/|h_s|), s in (0, 1), "
         "gives a slope in [6.25, 12.5] on this well",
         "slope 52.0 ± 1.4, s = -6.3: linear (exponential in 1/h_a), 4–8× steeper than the formula allows",
         "slope above 5 s.e. (the exponential law); the formula's s not held", True, "test_hessian_noise_escape"),
    _row("xie.isotropic", "4. Hessian-shaped noise (Xie et al.)",
         "the same with isotropic noise (σ 5): ln(mean escape) against ln h_a", XIE,
         "'GD with injected white noise favors flat minima only polynomially more' (Kramers at fixed σ: τ ∝ 1/h_a, "
         "slope −1)", "slope -0.90 ± 0.14", "within 0.3 of −1", True, "test_hessian_noise_escape"),
    _row("xie.adam_family", "4. Hessian-shaped noise (Xie et al.)",
         "each Adam variant (lr 0.1, σ 4, 60 runs): slope of ln(mean escape) against 1/h_a, Hessian-shaped noise",
         XIE, "no published prediction for Adam's variants retrieved; SGD's: exponential in 1/h_a",
         "adam 26.2 ± 2.3 (white ln-ln -0.50; mean at the flattest 50409); adam_sam 29.8 ± 2.4 (white ln-ln -0.49; "
         "mean at the flattest 81285); adam_cm 9.2 ± 1.4 (white ln-ln -1.60; mean at the flattest 53); adam_sam_cm "
         "11.6 ± 1.5 (white ln-ln -1.60; mean at the flattest 66)",
         "slope above 5 s.e. where escape waits for the noise (mean > 1000 steps at the flattest)", True,
         "test_hessian_noise_escape"),
    _row("valley.gd", "5. Valley of minima", "gradient descent (lr 0.03, 64 seeded starts) keeps √((a²−b²)² + 4)",
         "gradient flow's invariant a² − b² (derived: one step scales it by 1 − lr² g²)",
         "ends where it starts: √(D² + 4), median 4.384", "largest change 0.15% (median end 4.383)", "±1%", True,
         "test_valley_ends"),
    _row("valley.label_noise", "5. Valley of minima", "label-noise SGD (ε 1, lr 0.03): drift to the flattest point",
         DAMIAN, "drifts to the flattest minimum (a² + b² = 2). Its rate, derived here from the exact step "
         "D' = D(1 − lr² g²): ln D falls lr² ε² a step", "rate 0.000939 vs 0.0009 (ends at 2.000; at lr 0.1 1.12e-2 "
         "vs 1.0e-2)", "within −5% / +15% of lr² ε² (E g² = ε² + E(ab−1)² ≥ ε²)", True, "test_valley_ends"),
    _row("valley.sam", "5. Valley of minima", "Adam+SAM (ρ 0.05) at lr 0.01, 0.03, 0.1: median end sharpness", AF,
         "SAM drifts towards the balanced, flattest point (direction; their drift rate not retrieved here)",
         "ends at 2.004, 2.000, 2.000 (ρ 0.01: 2.040)", "below 2.1 (5% of the flattest)", True, "test_valley_ends"),
    _row("valley.adam_cm", "5. Valley of minima", "does Adam+CM drift to the flat point? lr 0.03, C 5: median end "
         "sharpness, against Adam", MALVIYA, "'bias towards flatter minima'",
         "Adam+CM 2.000, Adam 4.386 (start 4.384). Adam+CM: 2.015, 2.000, 2.560 at lr 0.01, 0.03, 0.1 (90th "
         "percentile 7.37 at 0.1); 2.001, 2.000, 2.000 at C 2, 5, 10; Adam: 4.546, 4.386, 2.901",
         "Adam+CM below 2.1; Adam within 5% of where it starts", True, "test_valley_ends"),
    _row("toys.goldstein_price", "6. The paper's toy figures", "Goldstein-Price (lr 0.01, 500 steps, 300 seeded "
         "uniform starts): share ending at the global minimum (0, −1); median path length", MALVIYA,
         "Adam+CM leaves the basin it starts in and reaches flatter, lower minima (the figure's direction; its "
         "starts, lr and step count could not be retrieved here)",
         "global share adam 0.350, adam_sam 0.347, adam_cm 0.350, adam_sam_cm 0.347; median path 0.99, 1.03, 1.42, "
         "1.69", "Adam+CM's share above Adam's, Wilson intervals apart: not reproduced at this setting (paths are "
         "longer)", False, "test_paper_toys"),
    _row("toys.ackley", "6. The paper's toy figures", "Ackley (lr 0.05, 500 steps, 300 seeded uniform starts): share "
         "ending at the global minimum; median path length", MALVIYA,
         "'increasing exploration and bias towards flatter minima' (the figure's direction; settings not retrieved)",
         "global share adam 0.000, adam_sam 0.003, adam_cm 1.000, adam_sam_cm 1.000; median path 1.06, 3.33, 40.91, "
         "40.44", "Adam+CM's share above Adam's, Wilson intervals apart", True, "test_paper_toys"),
)


# ---- measuring each result again ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measured:
    """A row measured now: the value, what it is held to, and whether it holds."""

    key: str
    value: str
    holds: bool


def _within(value: float, target: float, relative: float) -> bool:
    return abs(value - target) <= relative * abs(target)


def measure_momentum(quick: bool = False) -> list[Measured]:
    lr, rate = linear_rates.optimal_gradient_descent(1.0, 100.0)
    gd = linear_rates.contraction_rate(QUADRATIC, f"sgd:lr={lr!r}", QUADRATIC_START)
    hb_lr, beta, hb_rate = linear_rates.optimal_heavy_ball(1.0, 100.0)
    hb = linear_rates.contraction_rate(QUADRATIC, f"momentum:lr={hb_lr!r},momentum={beta!r}", QUADRATIC_START)
    expected = linear_rates.double_root_ratio(hb_rate, 200, 400)
    edge = linear_rates.divergence_lr(QUADRATIC, "momentum:lr=0.01,momentum=0.9", 0.02, 0.05)
    return [Measured("momentum.gd_rate", f"{gd:.6f}", abs(gd - rate) <= 1e-6),
            Measured("momentum.hb_rate", f"{hb:.6f}", abs(hb - expected) <= 1e-4),
            Measured("momentum.hb_edge", f"{edge:.7f}", _within(edge, 0.038, 0.01))]


ADAM_EDGE_STEPS, ADAM_EDGE_WINDOW = 20_000, 10_000


def adam_edge(optimizer: str = "adam:lr=0.01", steps: int = ADAM_EDGE_STEPS) -> edges.PreconditionedRun:
    """Adam from near the quadratic's minimum (0.3, 0.3): its preconditioned sharpness after every step."""
    return edges.sharpness_along_run(QUADRATIC, optimizer, [[0.3, 0.3]], steps)


def measure_edges(quick: bool = False) -> list[Measured]:
    gd = 100.0 * linear_rates.divergence_lr(QUADRATIC, "sgd:lr=0.01", 0.01, 0.03)
    hb = 100.0 * linear_rates.divergence_lr(QUADRATIC, "momentum:lr=0.01,momentum=0.9", 0.02, 0.05)
    steps = 12_000 if quick else ADAM_EDGE_STEPS
    window = adam_edge(steps=steps).window(steps - ADAM_EDGE_WINDOW // (5 if quick else 1), steps)
    p10, median, p90 = np.percentile(window, [10, 50, 90])
    cm = adam_edge("adam_cm:lr=0.01", steps)
    radius = float(np.sqrt(np.mean(cm.distance[steps // 2:] ** 2)) / 0.01)
    law = radius_law("adam_cm:lr=0.01", 2).per_lr
    return [Measured("edges.gd", f"{gd:.5f}", _within(gd, 2.0, 0.05)),
            Measured("edges.momentum", f"{hb:.5f}", _within(hb, 3.8, 0.05)),
            Measured("edges.adam", f"90th percentile {p90:.1f}, median {median:.1f} (10th {p10:.1f})",
                     _within(p90, 38.0, 0.05) and 0.85 * 38.0 <= median <= 38.0),
            Measured("edges.adam_cm", f"{radius:.2f} lr (the law: {law:.2f} lr)", _within(radius, law, 0.10))]


def measure_kramers(quick: bool = False) -> list[Measured]:
    check = kramers.kramers_check(runs=100 if quick else kramers.KRAMERS_RUNS)
    ratios = [t.mean / exact for t, exact in zip(check.times, check.diffusion)]
    return [Measured("kramers.slope", f"{check.fit.slope:.1f} ± {check.fit.slope_se:.1f} (the exact diffusion's "
                                      f"{check.diffusion_slope:.1f})",
                     _within(check.fit.slope, check.slope_predicted, 0.08)),
            Measured("kramers.means", "measured / exact diffusion: " + ", ".join(f"{r:.3f}" for r in ratios),
                     all(abs(r - 1.0) <= 0.2 for r in ratios))]


XIE_SGD = "sgd:lr=0.02"
XIE_SIGMA_HESSIAN, XIE_SIGMA_ISOTROPIC = 4.0, 5.0
XIE_ADAM_FAMILY = ("adam:lr=0.1", "adam_sam:lr=0.1", "adam_cm:lr=0.1", "adam_sam_cm:lr=0.1")


def measure_xie(quick: bool = False) -> list[Measured]:
    runs = 40 if quick else 100
    steps = 20_000
    shaped = kramers.sharpness_check(XIE_SGD, "hessian", XIE_SIGMA_HESSIAN, runs=runs, max_steps=steps)
    white = kramers.sharpness_check(XIE_SGD, "isotropic", XIE_SIGMA_ISOTROPIC, runs=runs, max_steps=steps)
    fit, log_fit = shaped.inverse_fit, white.log_fit
    rows = [Measured("xie.hessian", f"slope {fit.slope:.1f} ± {fit.slope_se:.1f}, s = {shaped.s:.1f}",
                     fit.slope > 5 * fit.slope_se),
            Measured("xie.isotropic", f"slope {log_fit.slope:.2f} ± {log_fit.slope_se:.2f}",
                     abs(log_fit.slope + 1.0) <= 0.3)]
    if quick:
        return rows
    parts, holds = [], True
    for spec in XIE_ADAM_FAMILY:
        shaped = kramers.sharpness_check(spec, "hessian", XIE_SIGMA_HESSIAN, runs=60, max_steps=10_000)
        white = kramers.sharpness_check(spec, "isotropic", XIE_SIGMA_HESSIAN, runs=60, max_steps=10_000)
        noise_driven = shaped.times[0].mean > 1000  # at the flattest: escape waits for the noise
        parts.append(f"{spec.split(':')[0]} {shaped.inverse_fit.slope:.1f} ± {shaped.inverse_fit.slope_se:.1f} "
                     f"(white ln-ln {white.log_fit.slope:.2f}; mean at the flattest {shaped.times[0].mean:.0f})")
        if noise_driven:
            holds &= shaped.inverse_fit.slope > 5 * shaped.inverse_fit.slope_se
    return [*rows, Measured("xie.adam_family", "; ".join(parts), holds)]


def measure_valley(quick: bool = False) -> list[Measured]:
    runs, steps = (32, 3000) if quick else (flat_valley.VALLEY_RUNS, flat_valley.VALLEY_STEPS)
    change = flat_valley.gradient_descent_keeps_balance()
    drift = flat_valley.label_noise_drift(0.03)
    sam = [flat_valley.valley_end("valley", f"adam_sam:lr={lr},rho=0.05", runs, steps) for lr in (0.01, 0.03, 0.1)]
    cm = flat_valley.valley_end("valley", "adam_cm:lr=0.03", runs, steps)
    adam = flat_valley.valley_end("valley", "adam:lr=0.03", runs, steps)
    ratio = drift.measured / drift.predicted
    return [Measured("valley.gd", f"largest change {100 * change:.2f}%", change <= 0.01),
            Measured("valley.label_noise", f"rate {drift.measured:.3g} vs {drift.predicted:.3g}",
                     0.95 <= ratio <= 1.15),
            Measured("valley.sam", "ends at " + ", ".join(f"{r.median:.3f}" for r in sam),
                     all(r.median < flat_valley.NEAR_FLAT for r in sam)),
            Measured("valley.adam_cm", f"Adam+CM {cm.median:.3f}, Adam {adam.median:.3f} (start "
                                       f"{cm.start_median:.3f})",
                     cm.median < flat_valley.NEAR_FLAT and adam.median > 0.95 * adam.start_median)]


TOY_SETTINGS = {"goldstein_price": 0.01, "ackley": 0.05}  # lr, as study/toy.py's EXPLORE_LR
TOY_OPTIMIZERS = ("adam", "adam_sam", "adam_cm", "adam_sam_cm")
TOY_STEPS, TOY_RUNS, TOY_SEED = 500, 300, 2


@dataclass(frozen=True)
class ToyOutcome:
    landscape: str
    optimizer: str
    runs: int
    global_share: float
    low: float
    high: float
    path_median: float


def toy_outcomes(landscape: str, runs: int = TOY_RUNS, steps: int = TOY_STEPS, seed: int = TOY_SEED
                 ) -> list[ToyOutcome]:
    """The four optimizers from the same seeded uniform starts: the share ending in a global minimum's basin (with
    its Wilson interval) and the median path length."""
    from experiments.intervals import wilson_interval

    surface = build_landscape(landscape)
    starts = uniform_starts(surface.domain.low, surface.domain.high, runs, seed)
    globals_ = np.flatnonzero(is_global(surface))
    out = []
    for name in TOY_OPTIMIZERS:
        result = run(surface, f"{name}:lr={TOY_SETTINGS[landscape]!r}", starts, steps)
        measured = run_measurements(surface, result)
        hits = int(np.isin(measured["basin"], globals_).sum())
        low, high = wilson_interval(hits, runs)
        out.append(ToyOutcome(surface.spec, name, runs, hits / runs, low, high,
                              float(np.median(measured["path_length"]))))
    return out


def measure_toys(quick: bool = False) -> list[Measured]:
    rows = []
    for landscape in TOY_SETTINGS:
        outcomes = {o.optimizer: o for o in toy_outcomes(landscape, 60 if quick else TOY_RUNS)}
        text = ("global share " + ", ".join(f"{name} {o.global_share:.3f}" for name, o in outcomes.items())
                + "; median path " + ", ".join(f"{o.path_median:.2f}" for o in outcomes.values()))
        rows.append(Measured(f"toys.{landscape}", text, outcomes["adam_cm"].low > outcomes["adam"].high))
    return rows


MEASURES: dict[str, Callable[[bool], list[Measured]]] = {
    "momentum": measure_momentum, "edges": measure_edges, "kramers": measure_kramers, "xie": measure_xie,
    "valley": measure_valley, "toys": measure_toys}


def measure(key: str, quick: bool = False) -> list[Measured]:
    """The rows of result `key` (one of MEASURES), measured now."""
    if key not in MEASURES:
        raise SpecError(f"unknown result '{key}'; choose one of: {', '.join(MEASURES)}")
    return MEASURES[key](quick)


def rows_of(key: str) -> list[Reproduction]:
    return [row for row in RESULTS if row.key.split(".")[0] == key]
