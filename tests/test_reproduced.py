"""Published results, each held to its tolerance by a fresh measurement (experiments/reproduced.py); the long ones are
marked slow and bounded by their own work limits. Each measurement is seeded, so it also gives the very numbers the
table (docs/reproduced.md, the Learn page) records."""

from __future__ import annotations

import math
import pathlib
import re

import numpy as np
import pytest

from cli import main as cmx
from experiments import flat_valley, kramers, reproduced
from experiments.run import run
from landscapes import build_landscape

ROWS = {row.key: row for row in reproduced.RESULTS}


def assert_reproduced(measured: list[reproduced.Measured]) -> None:
    """Each row measured now holds (or fails) as recorded, and gives the number the table shows."""
    for row in measured:
        recorded = ROWS[row.key]
        assert row.holds == recorded.holds, f"{row.key}: measured {row.value}, recorded {recorded.ours}"
        assert recorded.ours.startswith(row.value), f"{row.key}: measured {row.value!r}, table says {recorded.ours!r}"


# ---- 1 and 2: rates and edges ---------------------------------------------------------------------------------------

def test_optimal_rates_and_momentums_divergence():
    measured = reproduced.measure("momentum")
    assert [row.key for row in measured] == ["momentum.gd_rate", "momentum.hb_rate", "momentum.hb_edge"]
    assert all(row.holds for row in measured)
    assert_reproduced(measured)


def test_edges_of_stability():
    assert_reproduced(reproduced.measure("edges"))


# ---- 3: Kramers -----------------------------------------------------------------------------------------------------

def test_the_closed_form_well_is_the_custom_formula():
    points = np.random.default_rng(1).uniform(-1.5, 1.5, (20, 2))
    for scale in (0.8, 1.0, 1.25):
        surface = build_landscape(f"custom:formula={kramers.well_formula(scale)}")
        np.testing.assert_allclose(kramers.well_gradient(scale)(points), surface.grad(points), rtol=1e-12,
                                   atol=1e-12)
        h_a, h_s = kramers.well_curvatures(scale)
        assert surface.hessian(np.array([[1.0 / scale, 0.0]]))[0, 0, 0] == pytest.approx(h_a)
        assert surface.hessian(np.zeros((1, 2)))[0, 0, 0] == pytest.approx(-h_s)


def test_the_exact_diffusion_time_tends_to_kramers_at_small_noise():
    """The mean first-passage integral against Kramers' leading order: 7% apart at ΔL/D = 6, 2% at ΔL/D = 25."""
    assert kramers.diffusion_mean_steps(0.02, 2.0) / kramers.kramers_mean_steps(0.02, 2.0) == pytest.approx(1, abs=0.03)
    ratio_large = kramers.diffusion_mean_steps(0.02, 4.0) / kramers.kramers_mean_steps(0.02, 4.0)
    assert 1.03 < ratio_large < 1.15


def test_the_censored_mean_recovers_an_exponential_mean():
    rng = np.random.default_rng(4)
    steps = np.ceil(rng.exponential(500.0, 4000)).astype(np.int64)
    censored = np.where(steps > 800, -1, steps)
    _, low, high = kramers.censored_mean(censored, 800)
    assert low < 500.0 < high and high / low < 1.2
    assert kramers.censored_mean(np.full(5, -1), 100)[0] == math.inf


def test_first_passage_is_seeded_and_counts_its_work():
    a = kramers.first_passage("sgd:lr=0.02,noise=8,seed=3", 20, 3000)
    assert np.array_equal(a, kramers.first_passage("sgd:lr=0.02,noise=8,seed=3", 20, 3000))
    assert (a > 0).all()
    cost = kramers.first_passage.cost("sgd:lr=0.02,noise=8,noise_shape=hessian", 10, 100)
    assert cost.units > kramers.first_passage.cost("sgd:lr=0.02,noise=8", 10, 100).units


@pytest.mark.slow
def test_kramers_law():
    """Five σ, 400 runs each (about 30 s)."""
    assert_reproduced(reproduced.measure("kramers"))


# ---- 4: Hessian-shaped noise ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_hessian_noise_escape():
    """SGD and the four Adam variants at five sharpnesses, both noise shapes (a few minutes)."""
    assert_reproduced(reproduced.measure("xie"))


# ---- 5: the valley --------------------------------------------------------------------------------------------------

def test_gradient_descents_step_scales_the_balance_exactly():
    """D' = D (1 − lr² g²), g = ab − 1 − (label shift): one step of gradient descent, at any point and label."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, (50, 2))
    lr, shift = 0.07, rng.choice([-0.5, 0.5], 50)
    g = x[:, 0] * x[:, 1] - 1.0 - shift
    stepped = x - lr * g[:, None] * x[:, ::-1]
    D, D_new = x[:, 0] ** 2 - x[:, 1] ** 2, stepped[:, 0] ** 2 - stepped[:, 1] ** 2
    np.testing.assert_allclose(D_new, D * (1.0 - lr**2 * g**2), rtol=1e-12, atol=1e-12)
    engine = run("valley", f"sgd:lr={lr}", x, 1, "all").final
    np.testing.assert_allclose(engine, x - lr * (x[:, 0] * x[:, 1] - 1.0)[:, None] * x[:, ::-1], rtol=1e-14)


def test_end_sharpness_is_the_valleys_sharpness_on_it():
    a = np.array([0.5, 1.0, 3.0])
    on = np.stack([a, 1.0 / a], axis=1)
    np.testing.assert_allclose(flat_valley.end_sharpness(on), np.sum(on**2, axis=1), rtol=1e-12)


def test_valley_ends():
    assert_reproduced(reproduced.measure("valley"))


# ---- 6: the paper's toys --------------------------------------------------------------------------------------------

def test_paper_toys():
    assert_reproduced(reproduced.measure("toys"))


# ---- the table ------------------------------------------------------------------------------------------------------

def test_every_row_is_complete_and_names_its_command_and_test():
    names = set(re.findall(r"^def (test_\w+)", pathlib.Path(__file__).read_text(encoding="utf-8"), re.MULTILINE))
    assert len({row.result.split(".")[0] for row in reproduced.RESULTS}) == 6
    for row in reproduced.RESULTS:
        for field in ("result", "claim", "source", "published", "ours", "tolerance", "command", "test"):
            assert getattr(row, field).strip(), f"{row.key} has no {field}"
        assert row.command.split()[2] in reproduced.MEASURES
        assert row.test in names
    measured_keys = {key.split(".")[0] for key in ROWS}
    assert measured_keys == set(reproduced.MEASURES)


def test_cmx_reproduce_prints_published_beside_measured(capsys):
    assert cmx(["reproduce", "momentum"]) == 0
    out = capsys.readouterr().out
    assert "published: (κ−1)/(κ+1) = 99/101" in out and "measured:  0.980198" in out and "OUTSIDE" not in out
    assert cmx(["reproduce", "nonsense"]) == 2
    assert capsys.readouterr().err.strip() == ("cmx reproduce: unknown result 'nonsense'; choose one of: momentum, "
                                               "edges, kramers, xie, valley, toys")


def test_the_figures_are_the_same_bytes_each_time(tmp_path, monkeypatch):
    from study import reproduced as figures

    monkeypatch.setitem(figures.FIGURES, "reproduced_edges.png", lambda: figures.edges_figure(steps=1500))
    first = figures.write_figures(tmp_path / "a", ("reproduced_edges.png",))[0].read_bytes()
    second = figures.write_figures(tmp_path / "b", ("reproduced_edges.png",))[0].read_bytes()
    assert first == second and first[:8] == b"\x89PNG\r\n\x1a\n"
