"""`python -m benchmarks.work_weights`: measure the weights of the work model and print them.

Each part of a request is timed against the seconds of a run-step on the same surface (one Adam step of one run at
N = 10,000 runs), which is what experiments/work.py converts every part to; the constants there, in the landscapes'
records (a point's basin assignment), landscapes/base.py, landscapes/quadratics.py (the quadratic basins' step
cost), experiments/escape.py (chunks and threads), experiments/metrics.py (the largest eigenvalue), export/gif.py (a
GIF's paths) and the optimizers (a critical buffer's slots, noise draws: optimizers/critical_buffer.py, critical.py,
noise.py) are set from this output, rounded up. It takes a few minutes; every figure is the best of a few repeats.
Last, a few real requests are timed against what the model predicts at UNIT_SECONDS a run-step.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

import numpy as np

from experiments import escape, metrics, work
from experiments.allocator import keep_freed_memory
from experiments.basins import assign_basins
from experiments.run import as_optimizer, run
from export import gif
from landscapes import LANDSCAPES, build_landscape
from landscapes.base import MULTISTART_WORK_PER_START, Landscape, multistart_minima
from landscapes.classic import Himmelblau
from optimizers import OPTIMIZERS, critical, critical_buffer, noise

RUNS, STEPS = 10_000, 60
UNIT_SECONDS = 30e-9  # the work model's run-step on a closed-form surface (README: about 30 ns on the 2-core machine)
# Every landscape in the plane, at its defaults and at settings that make its basins slower to assign (the weight of a
# name is the largest over its specs): extreme curvature, many bowls, moderate smoothing. (At the far ends of two
# ranges assignment runs over its count, see the README: the widest smoothing, tau near 1, where the quadratic basins
# prove little, and Rosenbrock's steepest valley, b = 10^4.)
PLANE_BASIN_SURFACES = (*LANDSCAPES.names(), "two_basin:tau=0.2", "two_basin:sharpness=10000,tau=0.005",
                        "two_basin:sharpness=1,depth=-1.5", "random_basins:basins=50", "random_basins:tau=0.2")
PLANE_POINTS = 20_000  # points assigned at once: a large request's cost per point (a small one pays a fixed part)
DIM_POINTS = 2_000  # the same in higher dimensions, against the same landscape in the plane at as many points
HESSIAN_DIMS, LINEAR_DIMS = (3, 5, 8, 12, 16), (20, 50, 100)
MARGIN = 1.5  # a weight is its largest measurement times this, rounded up to two significant digits
# The quadratic family's run-step against a closed-form one: it grows with the bowls and the dimension (the model is
# max(1, 0.5 K) in the plane and K (0.3 + 0.26 d) off it, landscapes/quadratics.py) and, for one bowl, with d².
# The other surfaces' step costs are printed too, for comparison (a run-step of Ackley grows with d as well).
STEP_COSTS = ("two_basin", "random_basins", "random_basins:basins=12", "random_basins:basins=50",
              "random_basins:dim=1", "random_basins:dim=3", "random_basins:dim=10", "random_basins:basins=12,dim=6",
              "random_basins:basins=50,dim=10", "quadratic:dim=8", "quadratic:dim=50", "quadratic:dim=200",
              "quadratic:dim=1000", "six_hump_camel", "beale", "rosenbrock", "ackley:dim=20", "ackley:dim=100",
              "rastrigin:dim=100", "custom")
# A step's cost beyond Adam's, per coordinate: the critical buffer's slots, its fixed part, noise draws (optimizers/).
OPTIMIZER_SURFACES = ("two_basin", "goldstein_price", "quadratic:dim=8", "quadratic:dim=50")
LARGE_BUFFER = 100
# The largest Hessian eigenvalue per point (experiments/metrics.py): in the plane (per gradient cost), and per d² in
# higher dimensions, up to the largest a landscape takes (the eigensolver's d³ part stays small there).
EIGEN_PLANE = ("two_basin", "goldstein_price", "ackley", "himmelblau", "rosenbrock", "custom")
EIGEN_SQUARE = ("quadratic:dim=20", "quadratic:dim=50", "quadratic:dim=200", "quadratic:dim=700", "quadratic:dim=1000",
                "ackley:dim=20", "ackley:dim=50", "rastrigin:dim=100")
GIF_PATHS = (8, 1000)  # a GIF frame's cost with few and with many paths drawn
CHUNKS = (2_500, 5_000, 10_000, 20_000, 50_000, 100_000)
PARALLEL_RUNS = (5_000, 10_000, 20_000, 40_000, 100_000)


def best_seconds(fn: Callable[[], object], repeats: int = 3) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def domain_points(landscape: Landscape, count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(landscape.domain.low, landscape.domain.high, (count, landscape.dim))


def run_step_seconds(landscape: Landscape, runs: int = RUNS, steps: int = STEPS, optimizer: str = "adam:lr=0.01",
                     repeats: int = 3) -> float:
    """Seconds of one run-step of `optimizer` (Adam) on this surface at `runs` runs (fewer in high dimensions:
    2 * 10^6 floats)."""
    runs = min(runs, 2_000_000 // landscape.dim)
    starts = domain_points(landscape, runs)
    return best_seconds(lambda: run(landscape, optimizer, starts, steps, record="final", max_work=None), repeats) / (
        runs * steps)


def basin_steps_per_point(landscape: Landscape, X: np.ndarray) -> float:
    """Seconds to assign the points X to their basins, per point, in run-steps of the same surface."""
    _ = landscape.minima  # found before the clock starts
    return best_seconds(lambda: assign_basins(landscape, X), 2) / len(X) / run_step_seconds(landscape)


def near_minimum_points(landscape: Landscape, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts as an escape measurement draws them, at the widest spread, around the sharpest and the lowest minimum,
    and where Adam+CM takes them in 200 steps (the end points an escape measurement assigns)."""
    basins = {escape.resolve_basin(landscape, "sharpest"), 0}
    starts = np.concatenate([escape.starts_in_basin(landscape, b, count // len(basins), 0, spread=1.0)
                             for b in basins])
    ends = run(landscape, "adam_cm:lr=0.05", starts, 200, record="final", max_work=None)
    return starts, ends.final[~ends.stopped]


def rounded_up(value: float) -> float:
    """value x MARGIN, rounded up to two significant digits."""
    value *= MARGIN
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return math.ceil(value / step) * step


def optimizer_weights(unit: float) -> None:
    """Print SLOT_WORK_PLANE, SLOT_WORK, CM_WORK, CG_WORK and DRAW_WORK: each extra step's seconds / (a closed-form
    run-step x d)."""
    slot_plane, slot, cm, cg, draw = [], [], [], [], []
    for spec in OPTIMIZER_SURFACES:
        landscape = build_landscape(spec)
        d = landscape.dim

        def per_coordinate(optimizer: str, than: str, per: float = 1.0) -> float:
            extra = run_step_seconds(landscape, optimizer=optimizer) - run_step_seconds(landscape, optimizer=than)
            return extra / (unit * d * per)

        one_slot = per_coordinate(f"adam_cm:lr=0.01,top_c={LARGE_BUFFER}", "adam_cm:lr=0.01,top_c=1",
                                  LARGE_BUFFER - 1)
        (slot_plane if d <= 2 else slot).append(one_slot)
        cm.append(max(per_coordinate(f"adam_cm:lr=0.01,top_c=1,priority={p}", "adam:lr=0.01")
                      for p in ("grad_norm", "random")) - one_slot)
        cg.append(per_coordinate("adam_cg:lr=0.01,top_c=1", "adam:lr=0.01") - one_slot)
        draw.append(max(per_coordinate("adam:lr=0.01,noise=30", "adam:lr=0.01"),
                        per_coordinate("adam_sam:lr=0.01,noise=30", "adam_sam:lr=0.01", 2.0)))
        print(f"optimizer work per coordinate, {spec}: a buffer slot {one_slot:.3f}, Adam+CM's fixed part "
              f"{cm[-1]:.3f}, Adam+CG's {cg[-1]:.3f}, a noise draw {draw[-1]:.3f}", flush=True)
    for name, values, now in (("SLOT_WORK_PLANE", slot_plane, critical_buffer.SLOT_WORK_PLANE),
                              ("SLOT_WORK", slot, critical_buffer.SLOT_WORK), ("CM_WORK", cm, critical.CM_WORK),
                              ("CG_WORK", cg, critical.CG_WORK), ("DRAW_WORK", draw, noise.DRAW_WORK)):
        print(f"{name} = {rounded_up(max(max(values), 1e-3)):g} (now {now:g})", flush=True)


# Knob settings that add arithmetic to a step, measured beside every optimizer at its defaults.
HEAVIER_KNOBS = ("rmsprop:centered=true,momentum=0.5",)


def step_weights(unit: float, specs: tuple[str, ...] = ()) -> None:
    """Print, for every registered optimizer and HEAVIER_KNOBS (or `specs`), what its step costs beyond its gradient
    evaluations and Adam's arithmetic, per coordinate, against what it declares (Optimizer.extra_work): set the
    declaration to the largest measurement x 1.5 where it is above zero. Adam is timed once a surface, each of the
    others against it, every time the best of five."""
    surfaces = [build_landscape(surface) for surface in OPTIMIZER_SURFACES]
    adam = {surface.spec: run_step_seconds(surface, optimizer="adam:lr=0.01", repeats=5) for surface in surfaces}
    for spec in specs or (*OPTIMIZERS.names(), *HEAVIER_KNOBS):
        method = as_optimizer(OPTIMIZERS.replace(spec, lr=0.01))
        measured = [(run_step_seconds(surface, optimizer=method.spec, repeats=5)
                     - method.grad_evals_per_step * adam[surface.spec]) / (unit * surface.dim) for surface in surfaces]
        print(f"{spec}: extra work per coordinate {max(measured):.2f} (largest over {', '.join(OPTIMIZER_SURFACES)}; "
              f"it declares {method.extra_work(2) / 2:.2f} in the plane)", flush=True)


def fixed_step(unit: float) -> None:
    """Print STEP_FIXED_WORK and a formula's call_cost: the seconds of a step of one run (its fixed part: Python and
    NumPy dispatch, the escape measurement's watchers) in run-steps a gradient evaluation, on the closed forms, and
    on a formula against them."""
    found: dict[bool, list[float]] = {False: [], True: []}
    for spec in ("two_basin", "goldstein_price", "ackley", "rosenbrock", "quadratic:dim=200", "custom"):
        surface = build_landscape(spec)
        basin = escape.resolve_basin(surface, "sharpest")
        one = escape.starts_in_basin(surface, basin, 1, 0)
        for optimizer in ("adam:lr=0.01", "adam_sam_cm:lr=0.01"):
            method = as_optimizer(optimizer)
            alone = best_seconds(lambda m=method: escape.run_to_ends(surface, m, one, 1_000, basin=basin)) / 1_000
            found[surface.name == "custom"].append(alone / unit / method.grad_evals_per_step)
            print(f"a step of one run, {spec} {optimizer}: {alone * 1e6:.1f} us", flush=True)
    print(f"STEP_FIXED_WORK = {rounded_up(max(found[False])):g} (now {work.STEP_FIXED_WORK:g}); a formula's "
          f"call_cost = {max(found[True]) / max(found[False]):.2g} (now {build_landscape('custom').call_cost:g}; "
          "STEP_FIXED_WORK holds the margin)", flush=True)


def eigen_seconds(landscape: Landscape) -> float:
    """Seconds of largest_eigenvalue per point, at as many points as a block of its Hessians holds (at least 10)."""
    X = domain_points(landscape, max(10, min(2_000, metrics.eigen_block(landscape.dim))))
    return best_seconds(lambda: metrics.largest_eigenvalue(landscape, X)) / len(X)


def eigen_weights(unit: float) -> None:
    """Print EIGEN_POINT_WORK and EIGEN_SQUARE_WORK."""
    for name, specs, per, now in (("EIGEN_POINT_WORK", EIGEN_PLANE, lambda s: s.step_cost, metrics.EIGEN_POINT_WORK),
                                  ("EIGEN_SQUARE_WORK", EIGEN_SQUARE, lambda s: s.dim**2, metrics.EIGEN_SQUARE_WORK)):
        measured = []
        for spec in specs:
            surface = build_landscape(spec)
            measured.append(eigen_seconds(surface) / unit / per(surface))
            print(f"largest eigenvalue, {spec}: {measured[-1]:.2f} run-steps per point / {name}'s unit", flush=True)
        print(f"{name} = {rounded_up(max(measured)):g} (now {now:g})", flush=True)


def main() -> None:
    keep_freed_memory()
    print(f"# work weights: seconds of each part / seconds of an Adam run-step on the same surface at N = {RUNS:,}; "
          f"{os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    unit = np.mean([run_step_seconds(build_landscape(spec)) for spec in ("goldstein_price", "ackley")])
    print(f"run-step on a closed-form surface (Goldstein-Price, Ackley): {unit * 1e9:.1f} ns "
          f"(the model assumes {UNIT_SECONDS * 1e9:.0f} ns)", flush=True)

    anywhere: dict[str, float] = {}
    near: dict[str, float] = {}
    for spec in PLANE_BASIN_SURFACES:
        landscape = build_landscape(spec)
        domain = basin_steps_per_point(landscape, domain_points(landscape, PLANE_POINTS, seed=1))
        starts, ends = (basin_steps_per_point(landscape, X) for X in near_minimum_points(landscape, PLANE_POINTS))
        print(f"basin assignment, {spec}: run-steps per point anywhere in the domain {domain:.0f}, started near a "
              f"minimum {starts:.0f}, ended there {ends:.0f}", flush=True)
        anywhere[landscape.name] = max(anywhere.get(landscape.name, 0.0), domain)
        near[landscape.name] = max(near.get(landscape.name, 0.0), starts, ends)
    for name in anywhere:  # into each landscape's record
        record = LANDSCAPES.record(name)
        print(f"{name}: basin_work_anywhere={rounded_up(anywhere[name]):g}, basin_work_near_minimum="
              f"{rounded_up(near[name]):g} (now {record.basin_work_anywhere:g}, {record.basin_work_near_minimum:g})")

    plane_at = {name: basin_steps_per_point(build_landscape(name), domain_points(build_landscape(name), DIM_POINTS))
                for name in ("ackley", "rastrigin")}  # the reference, at as many points as the others
    hessian, linear = [], []
    for dims, into in ((HESSIAN_DIMS, hessian), (LINEAR_DIMS, linear)):
        for d in dims:
            for name in ("ackley", "rastrigin"):
                landscape = build_landscape(f"{name}:dim={d}")
                ratio = basin_steps_per_point(landscape, domain_points(landscape, DIM_POINTS)) / plane_at[name]
                into.append((d, name, ratio))
                print(f"basin assignment, {name}:dim={d}: {ratio:.2f} x in the plane", flush=True)
    print(f"BASIN_HESSIAN_DIM_WEIGHT = {rounded_up(max(max((r - 1) / d for d, _, r in hessian), 1e-3)):g} (scale "
          f"1 + w d in 3 to 16 dimensions; now {work.BASIN_HESSIAN_DIM_WEIGHT:g})")
    print(f"BASIN_LINEAR_DIM_WEIGHT = {rounded_up(max(max((r - 1) / d for d, _, r in linear), 1e-3)):g} (scale "
          f"1 + w d above; now {work.BASIN_LINEAR_DIM_WEIGHT:g})", flush=True)

    goldstein = build_landscape("goldstein_price")
    step = run_step_seconds(goldstein)
    frame_count = 40
    results = {"adam": run(goldstein, "adam:lr=0.01", domain_points(goldstein, 8), 200, record=5)}
    frame = best_seconds(lambda: gif.trajectory_gif(goldstein, results, frames=frame_count), 2) / frame_count
    print(f"FRAME_WORK = {rounded_up(frame / step):g} (one GIF frame; now {gif.FRAME_WORK:g})", flush=True)
    few, many = (best_seconds(lambda paths=paths: gif.trajectory_gif(goldstein, {"adam": run(
        goldstein, "adam:lr=0.01", domain_points(goldstein, paths), 200, record=5)}, frames=frame_count), 1)
        / frame_count for paths in GIF_PATHS)
    print(f"PATH_FRAME_WORK = {rounded_up((many - few) / (GIF_PATHS[1] - GIF_PATHS[0]) / step):g} (one path in one GIF "
          f"frame; now {gif.PATH_FRAME_WORK:g})", flush=True)
    from matplotlib.figure import Figure

    from export.figures import draw_landscape

    pixel = best_seconds(lambda: draw_landscape(Figure().subplots(), goldstein), 2) / 160**2
    print(f"PIXEL_WORK = {rounded_up(pixel / step):g} (one grid point of a contour picture; now {work.PIXEL_WORK:g})")

    class UnlistedHimmelblau(Himmelblau):
        """Himmelblau without its known minima: the multistart finds them."""

        minimum_guesses = Landscape.minimum_guesses

    unlisted = UnlistedHimmelblau()
    starts = 16
    per_start = best_seconds(lambda: multistart_minima(unlisted, starts, 0), 2) / starts
    print(f"MULTISTART_WORK_PER_START = {rounded_up(per_start / run_step_seconds(unlisted) / unlisted.dim):g} (an "
          f"L-BFGS-B descent per dimension; now {MULTISTART_WORK_PER_START:g})", flush=True)

    optimizer_weights(unit)
    step_weights(unit)
    eigen_weights(unit)
    fixed_step(unit)

    print("step costs (a run-step here / one on a closed-form surface):")
    for spec in STEP_COSTS:
        landscape = build_landscape(spec)
        print(f"  {spec}: {run_step_seconds(landscape) / unit:.2f} (the model counts {landscape.step_cost:g})",
              flush=True)

    two_basin = build_landscape("two_basin:sharpness=16")
    method = as_optimizer("adam_cm:lr=0.05")
    for chunk in CHUNKS:
        starts = domain_points(two_basin, chunk)
        seconds = best_seconds(lambda: run(two_basin, method, starts, 200, record="final", max_work=None), 2)
        print(f"chunk of {chunk:,} runs: {chunk * 200 / seconds / 1e6:.1f} M run-steps/s (Adam+CM, two_basin)",
              flush=True)
    print(f"CHUNK_RUNS: the fastest above (now {escape.CHUNK_RUNS:,})")
    for runs in PARALLEL_RUNS:
        starts = domain_points(two_basin, runs)
        serial = best_seconds(lambda: escape.run_to_ends(two_basin, method, starts, 200, workers=1), 2)
        threads = best_seconds(lambda: escape.run_to_ends(two_basin, method, starts, 200,
                                                          workers=escape.available_cores()), 2)
        print(f"{runs:,} runs x 200 steps: one core {serial:.2f} s, {escape.available_cores()} threads "
              f"{threads:.2f} s: x{serial / threads:.2f}", flush=True)
    print(f"PARALLEL_MIN_RUN_STEPS: where the threads first pay (now {escape.PARALLEL_MIN_RUN_STEPS:,})")

    print(f"requests against the model at {UNIT_SECONDS * 1e9:.0f} ns a run-step (measured / predicted):")
    for name, request, predicted in checked_requests():
        seconds = best_seconds(request, 1)
        print(f"  {name}: {seconds:.2f} s / {predicted * UNIT_SECONDS:.2f} s = "
              f"{seconds / (predicted * UNIT_SECONDS):.2f}", flush=True)


def checked_requests() -> list[tuple[str, Callable[[], object], float]]:
    """(name, the request, its predicted work in run-steps), each on a fresh landscape (its minima counted)."""
    from experiments.basin_map import basin_map, basin_map_work
    from experiments.escape import escape_experiment, escape_work
    from experiments.sweep import sweep, sweep_work

    def fresh(spec: str) -> Landscape:
        return build_landscape(spec)

    requests = []
    for spec, optimizer, runs in (("two_basin:sharpness=16", "adam_cm:lr=0.05", 20_000),
                                  ("random_basins:basins=50,dim=10", "adam:lr=0.05", 2_000),
                                  ("goldstein_price", "adam_sam:lr=0.01", 5_000)):
        method = as_optimizer(optimizer)
        predicted = escape_work(fresh(spec), method, runs, 200, True).units
        requests.append((f"escape {spec} {optimizer} {runs:,} runs x 200",
                         lambda spec=spec, method=method, runs=runs: escape_experiment(
                             fresh(spec), method, "sharpest", runs=runs, steps=200, max_work=None), predicted))
    for spec in ("two_basin", "himmelblau", "custom"):
        method = as_optimizer("adam:lr=0.05")
        predicted = basin_map_work(fresh(spec), method, 60, 300).units
        requests.append((f"basin map {spec} 60 x 60, 300 steps",
                         lambda spec=spec, method=method: basin_map(fresh(spec), method, 60, 300, max_work=None),
                         predicted))
    requests.append(("sweep final goldstein_price adam, adam_cm 2,000 runs x 300",
                     lambda: sweep(fresh("goldstein_price"), ["adam", "adam_cm"], runs=2000, steps=300,
                                   measure="final", max_work=None),
                     sweep_work(fresh("goldstein_price"), ["adam", "adam_cm"], runs=2000, steps=300,
                                measure="final").units))
    # issue 18's: a buffer of 100, gradient noise, end points' eigenvalues in 300 dimensions, jobs of one run
    for optimizer in ("adam_cm:lr=0.01,top_c=100", "adam:lr=0.01,noise=30"):
        requests.append((f"sweep escape two_basin {optimizer} 20,000 runs x 200",
                         lambda optimizer=optimizer: sweep(fresh("two_basin"), [optimizer], runs=20_000, steps=200,
                                                           max_work=None),
                         sweep_work(fresh("two_basin"), [optimizer], runs=20_000, steps=200).units))
    high = fresh("quadratic:dim=300")
    requests.append(("sweep final quadratic:dim=300 adam 100 runs x 1",
                     lambda: sweep(high, ["adam"], runs=100, steps=1, measure="final", max_work=None),
                     sweep_work(high, ["adam"], runs=100, steps=1, measure="final").units))
    cells = {"lr": list(np.geomspace(0.001, 0.5, 10)), "decay": list(np.linspace(0, 0.99, 10))}
    requests.append(("sweep escape quadratic adam_cm lr x decay 10 x 10, 1 run x 300",
                     lambda: sweep(fresh("quadratic"), ["adam_cm"], cells, runs=1, steps=300, basin=0, max_work=None),
                     sweep_work(fresh("quadratic"), ["adam_cm"], cells, runs=1, steps=300, basin=0).units))
    return requests


if __name__ == "__main__":
    main()
