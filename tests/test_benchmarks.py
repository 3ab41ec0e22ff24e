"""The benchmark's baselines take exactly cmx's steps, so `make bench` compares the same algorithm.

Only correctness is tested here; speed is measured by `make bench`, never by a timed test.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import numpy_limit
from benchmarks.escape_speed import measure_escape_case
from benchmarks.speed import LANDSCAPES, LR, OPTIMIZERS, RHO, Speed, limit_gradient, limit_runner, starts_in_domain
from benchmarks.targets import numpy_limit_bound, speed_verdicts
from experiments.run import run
from landscapes import build_landscape

CASES = [(optimizer, landscape) for landscape in LANDSCAPES for optimizer in OPTIMIZERS]


def cmx_final(optimizer: str, landscape_spec: str, starts: np.ndarray, steps: int) -> np.ndarray:
    spec = f"{optimizer}:lr={LR}" + (f",rho={RHO}" if "sam" in optimizer else "")
    return run(landscape_spec, spec, starts, steps, record="final").final


@pytest.mark.parametrize("spec, grad", [("ackley", numpy_limit.ackley_grad), ("ackley:dim=3", numpy_limit.ackley_grad),
                                        ("goldstein_price", numpy_limit.goldstein_price_grad)])
def test_numpy_limit_gradients_equal_the_landscapes(spec, grad):
    landscape = build_landscape(spec)
    X = starts_in_domain(landscape, 200)
    np.testing.assert_allclose(grad(X), landscape.grad(X), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("spec", ["quadratic:dim=8", "quadratic:dim=3,seed=4"])
def test_numpy_limit_quadratic_gradient_equals_the_landscapes(spec):
    landscape = build_landscape(spec)
    X = starts_in_domain(landscape, 50)
    shifted = numpy_limit.quadratic_grad(landscape.A, landscape.c + 0.5)
    np.testing.assert_allclose(numpy_limit.quadratic_grad(landscape.A, landscape.c)(X), landscape.grad(X), rtol=1e-13)
    np.testing.assert_allclose(shifted(X), (X - landscape.c - 0.5) @ landscape.A, rtol=1e-13)


@pytest.mark.parametrize("spec", ["two_basin", "two_basin:sharpness=16,depth=-0.5,tau=0.02",
                                  "two_basin:sharpness=10000,tau=0.005", "random_basins",
                                  "random_basins:basins=9,tau=0.3,seed=3"])
def test_numpy_limit_quadratic_basins_gradients_equal_the_landscapes(spec):
    landscape = build_landscape(spec)
    X = starts_in_domain(landscape, 2000)
    g = landscape.grad(X)
    if landscape.name == "two_basin":  # cmx's arithmetic, written out: the same bits
        np.testing.assert_array_equal(limit_gradient(landscape)(X), g)
    else:
        np.testing.assert_allclose(limit_gradient(landscape)(X), g, rtol=1e-12, atol=1e-12 * np.abs(g).max())


@pytest.mark.parametrize("steps", [1, 2, 40])
@pytest.mark.parametrize("optimizer, landscape_spec", CASES)
def test_numpy_limit_takes_cmx_steps(optimizer, landscape_spec, steps):
    landscape = build_landscape(landscape_spec)
    starts = starts_in_domain(landscape, 12)
    limit = limit_runner(optimizer, landscape)(starts, steps)
    np.testing.assert_allclose(limit, cmx_final(optimizer, landscape_spec, starts, steps), rtol=0, atol=1e-12)


@pytest.mark.parametrize("optimizer, landscape_spec", CASES)
def test_torch_loop_takes_cmx_steps(optimizer, landscape_spec):
    pytest.importorskip("torch")
    from benchmarks.speed import torch_function
    from benchmarks.torch_baselines import torch_loop

    landscape = build_landscape(landscape_spec)
    starts = starts_in_domain(landscape, 3)
    looped = torch_loop(optimizer, torch_function(landscape), starts, 30, LR, RHO)
    np.testing.assert_allclose(looped, cmx_final(optimizer, landscape_spec, starts, 30), rtol=0, atol=1e-10)


@pytest.mark.parametrize("implementation", ["for-loop", "foreach", "fused"])
@pytest.mark.parametrize("optimizer, landscape_spec", [c for c in CASES if c[0] in ("adam", "adam_sam")])
def test_torch_batched_takes_cmx_steps(optimizer, landscape_spec, implementation):
    pytest.importorskip("torch")
    from benchmarks.speed import torch_function
    from benchmarks.torch_baselines import torch_batched

    landscape = build_landscape(landscape_spec)
    starts = starts_in_domain(landscape, 20)
    batched = torch_batched(optimizer, torch_function(landscape), starts, 30, LR, RHO, implementation)
    np.testing.assert_allclose(batched, cmx_final(optimizer, landscape_spec, starts, 30), rtol=0, atol=1e-10)


def test_the_escape_case_accounts_for_its_parts():
    case = measure_escape_case(runs=3000, steps=20, rounds=1)
    assert case.run_steps == 60_000 and 0 < case.loop < case.serial and case.ends > 0 and case.starts > 0
    assert 0 < case.outside_share < 1 and case.basin_steps_per_point > 0


def test_the_numpy_limit_targets_are_issue_11s_on_the_escape_surfaces_and_the_torch_loop_is_not_judged():
    assert numpy_limit_bound("adam_cm", "two_basin") == numpy_limit_bound("adam_sam", "random_basins") == 0.67
    assert numpy_limit_bound("adam_cm", "ackley") == 0.5 and numpy_limit_bound("adam", "ackley") == 0.67
    speeds = [Speed("adam", "two_basin", 10_000, cmx=3.0, numpy_limit=4.0, torch_loop=1.0, torch_batched=1.0),
              Speed("adam_cm", "two_basin", 10_000, cmx=2.0, numpy_limit=4.0, torch_loop=1e9, torch_batched=None),
              Speed("adam", "two_basin", 100, cmx=1.0, numpy_limit=4.0, torch_loop=1e9, torch_batched=9.0)]
    verdicts = {v.what: v.met for v in speed_verdicts(speeds)}
    assert verdicts == {"adam two_basin 10000 vs_torch_batched": True, "adam two_basin 10000 vs_numpy_limit": True,
                        "adam_cm two_basin 10000 vs_numpy_limit": False}


# cmx's optimizers written after torch.optim's, each at its defaults and with its knobs moved to where the runs settle
# (where a run orbits a minimum, the two roundings part: 1e-15 at step 200 became 1e-3 by 250 with AdamW at b1 0.5,
# b2 0.9, a chaotic orbit rather than another arithmetic).
TORCH_OPTIM_CASES = [
    ("rmsprop:lr=0.01", "RMSprop", {"lr": 0.01}),
    ("rmsprop:lr=0.003,alpha=0.95,momentum=0.3,centered=true", "RMSprop",
     {"lr": 0.003, "alpha": 0.95, "momentum": 0.3, "centered": True}),
    ("adagrad", "Adagrad", {}),
    ("adagrad:lr=0.1,lr_decay=0.01,initial_accumulator_value=0.5,eps=1e-6", "Adagrad",
     {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("adamw:lr=0.01", "AdamW", {"lr": 0.01}),
    ("adamw:lr=0.01,weight_decay=0.5,b1=0.8,b2=0.99", "AdamW", {"lr": 0.01, "weight_decay": 0.5, "betas": (0.8, 0.99)}),
    ("nadam", "NAdam", {}),
    ("nadam:lr=0.01,momentum_decay=0.1,b2=0.99,eps=1e-6", "NAdam",
     {"lr": 0.01, "momentum_decay": 0.1, "betas": (0.9, 0.99), "eps": 1e-6}),
]


# cmx's warm-up and schedules (optimizers/schedule.py) against torch.optim.lr_scheduler around torch's own optimizers.
TORCH_SCHEDULE_CASES = [
    ("adam:lr=0.05,warmup=40", "Adam", {"lr": 0.05},
     lambda lr_scheduler, opt: lr_scheduler.LinearLR(opt, start_factor=1 / 40, end_factor=1.0, total_iters=39)),
    ("adam:lr=0.05,schedule=cosine,schedule_steps=300,lr_floor=0.1", "Adam", {"lr": 0.05},
     lambda lr_scheduler, opt: lr_scheduler.CosineAnnealingLR(opt, T_max=300, eta_min=0.005)),
    ("adam:lr=0.05,schedule=step,schedule_steps=70,schedule_gamma=0.3", "Adam", {"lr": 0.05},
     lambda lr_scheduler, opt: lr_scheduler.StepLR(opt, step_size=70, gamma=0.3)),
    ("adamw:lr=0.01,weight_decay=0.5,warmup=25,schedule=cosine,schedule_steps=275", "AdamW",
     {"lr": 0.01, "weight_decay": 0.5},
     lambda lr_scheduler, opt: lr_scheduler.SequentialLR(opt, [
         lr_scheduler.LinearLR(opt, start_factor=1 / 25, end_factor=1.0, total_iters=24),
         lr_scheduler.CosineAnnealingLR(opt, T_max=275)], milestones=[25])),
]


@pytest.mark.parametrize("landscape_spec", ["two_basin", "goldstein_price"])
@pytest.mark.parametrize("spec, torch_name, settings, scheduler", TORCH_SCHEDULE_CASES,
                         ids=[c[0] for c in TORCH_SCHEDULE_CASES])
def test_torch_lr_schedulers_take_cmx_steps(spec, torch_name, settings, scheduler, landscape_spec):
    torch = pytest.importorskip("torch")
    from benchmarks.torch_baselines import torch_optim_steps

    landscape = build_landscape(landscape_spec)
    starts = starts_in_domain(landscape, 8)
    theirs = torch_optim_steps(torch_name, settings, landscape.grad, starts, 300,
                               lambda opt: scheduler(torch.optim.lr_scheduler, opt))
    np.testing.assert_allclose(run(landscape, spec, starts, 300, record="final").final, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("landscape_spec", ["two_basin", "goldstein_price"])
@pytest.mark.parametrize("spec, torch_name, settings", TORCH_OPTIM_CASES, ids=[c[0] for c in TORCH_OPTIM_CASES])
def test_torch_optim_takes_cmx_steps(spec, torch_name, settings, landscape_spec):
    # torch's CPU kernels fuse some multiply-adds (addcmul, lerp) where NumPy rounds twice: equal to rounding
    pytest.importorskip("torch")
    from benchmarks.torch_baselines import torch_optim_steps

    landscape = build_landscape(landscape_spec)
    starts = starts_in_domain(landscape, 8)
    theirs = torch_optim_steps(torch_name, settings, landscape.grad, starts, 300)
    np.testing.assert_allclose(run(landscape, spec, starts, 300, record="final").final, theirs, rtol=0, atol=1e-12)
