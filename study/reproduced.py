"""The figures of docs/reproduced.md: Adam's preconditioned sharpness along a run (result 2), Kramers' law (3),
escape against sharpness under both noise shapes (4) and where each optimizer ends along the valley (5). Every
number comes from the seeded measurements of experiments/reproduced.py, so the files are the same bytes each time.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from experiments import flat_valley, kramers, reproduced
from export.files import OutputFiles

DPI = 90
SIZE = (5.2, 3.4)


def edges_figure(steps: int = reproduced.ADAM_EDGE_STEPS):
    """lr λ_max(P⁻¹H) after each step of Adam (lr 0.01) from near the quadratic's minimum, with 38 drawn."""
    runs = {"Adam": reproduced.adam_edge(steps=steps), "Adam+CM": reproduced.adam_edge("adam_cm:lr=0.01", steps)}
    figure, axis = plt.subplots(figsize=SIZE)
    for (name, result), color in zip(runs.items(), ("#4477AA", "#EE6677")):
        axis.plot(result.steps[1::10], result.sharpness_lr[1::10], lw=0.6, color=color, label=name)
    axis.axhline(38.0, color="black", ls="--", lw=0.8, label="2(1+β₁)/(1−β₁) = 38")
    axis.set_yscale("log")
    axis.set_ylim(0.1, 300.0)  # Adam+CM's first step divides by ε alone (v = 0): left out
    axis.set_xlabel("step")
    axis.set_ylabel("lr · λ_max(P⁻¹H)")
    axis.set_title("2. Adam at a minimum settles at the edge (κ = 100 quadratic)", fontsize=9)
    axis.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return figure


def kramers_figure(check: kramers.KramersCheck | None = None):
    """ln(mean escape step) against 1/σ² with 95% intervals, the fit, Kramers' line and the exact diffusion."""
    check = check or kramers.kramers_check()
    x = 1.0 / np.asarray(check.sigmas) ** 2
    means = np.array([t.mean for t in check.times])
    errors = np.array([[t.mean - t.low for t in check.times], [t.high - t.mean for t in check.times]])
    figure, axis = plt.subplots(figsize=SIZE)
    axis.errorbar(x, means, yerr=errors, fmt="o", color="#4477AA", ms=4, capsize=2,
                  label=f"noisy GD, {check.times[0].runs} runs each")
    grid = np.linspace(x.min(), x.max(), 50)
    axis.plot(grid, np.exp(check.fit.intercept + check.fit.slope * grid), color="#4477AA", lw=0.8,
              label=f"fit: slope {check.fit.slope:.1f} ± {check.fit.slope_se:.1f}")
    axis.plot(grid, kramers.kramers_prefactor(check.lr) * np.exp(check.slope_predicted * grid), "k--", lw=0.8,
              label=f"Kramers: A e^(2ΔL/(lr σ²)), slope {check.slope_predicted:.0f}")
    axis.plot(x, check.diffusion, "s", mfc="none", color="#228833", ms=5, label="exact diffusion (integral)")
    axis.set_yscale("log")
    axis.set_xlabel("1/σ²")
    axis.set_ylabel("mean escape step")
    axis.set_title("3. Kramers' law, double well ΔL = 1, lr 0.02", fontsize=9)
    axis.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return figure


def sharpness_figure(checks: list[kramers.SharpnessCheck] | None = None):
    """Mean escape step against 1/h_a: SGD with Hessian-shaped and isotropic noise, and the Adam variants."""
    checks = checks or [kramers.sharpness_check(reproduced.XIE_SGD, "hessian", reproduced.XIE_SIGMA_HESSIAN, runs=100,
                                                max_steps=20_000),
                        kramers.sharpness_check(reproduced.XIE_SGD, "isotropic", reproduced.XIE_SIGMA_ISOTROPIC,
                                                runs=100, max_steps=20_000),
                        *[kramers.sharpness_check(spec, shape, reproduced.XIE_SIGMA_HESSIAN, runs=60, max_steps=10_000)
                          for spec, shape in (("adam:lr=0.1", "hessian"), ("adam:lr=0.1", "isotropic"),
                                              ("adam_cm:lr=0.1", "hessian"), ("adam_cm:lr=0.1", "isotropic"))]]
    figure, axis = plt.subplots(figsize=SIZE)
    markers = ("o", "s", "^", "v", "D", "P")
    colors = ("#4477AA", "#66CCEE", "#228833", "#CCBB44", "#EE6677", "#AA3377")
    for check, marker, color in zip(checks, markers, colors):
        x = 1.0 / np.asarray(check.sharpness)
        means = np.array([t.mean for t in check.times])
        finite = np.isfinite(means)
        label = f"{check.optimizer.split(':')[0]}, {check.shape}, σ {check.lr_sigma[1]:g}"
        axis.plot(x[finite], means[finite], marker=marker, color=color, lw=0.8, ms=4, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("1 / h_a (inverse sharpness along the escape)")
    axis.set_ylabel("mean escape step")
    axis.set_title("4. Escape against sharpness: Hessian-shaped vs isotropic noise", fontsize=9)
    axis.legend(fontsize=6, loc="upper left")
    figure.tight_layout()
    return figure


def valley_figure(rows: list[tuple[str, str, flat_valley.ValleyEnd]] | None = None):
    """Median end sharpness (10th–90th percentile bars) of each optimizer against lr; 2 is the flattest."""
    rows = rows or flat_valley.valley_grid(rhos=(), top_cs=())
    figure, axis = plt.subplots(figsize=SIZE)
    names = list(dict.fromkeys(name for name, _, _ in rows))
    colors = ("#BBBBBB", "#228833", "#4477AA", "#66CCEE", "#EE6677", "#AA3377")
    for offset, (name, color) in enumerate(zip(names, colors)):
        mine = [(float(knob.split("=")[1]), end) for n, knob, end in rows if n == name and knob.startswith("lr=")]
        lrs = np.array([lr for lr, _ in mine]) * (1.0 + 0.06 * (offset - len(names) / 2))
        medians = np.array([end.median for _, end in mine])
        bars = np.array([[end.median - end.low for _, end in mine], [end.high - end.median for _, end in mine]])
        axis.errorbar(lrs, medians, yerr=bars, fmt="o-", color=color, ms=4, lw=0.8, capsize=2, label=name)
    axis.axhline(2.0, color="black", lw=0.6, ls=":")
    axis.axhline(rows[0][2].start_median, color="black", lw=0.6, ls="--")
    axis.text(0.0102, rows[0][2].start_median * 1.03, "gradient flow's end (median)", fontsize=6)
    axis.set_xscale("log")
    axis.set_xlabel("lr")
    axis.set_ylabel("end sharpness √((a²−b²)² + 4)")
    axis.set_ylim(1.8, 9.5)
    axis.set_title("5. Valley ab = 1: where each optimizer ends (5000 steps)", fontsize=9)
    axis.legend(fontsize=6, loc="upper center", ncol=3)
    figure.tight_layout()
    return figure


FIGURES = {"reproduced_edges.png": edges_figure, "reproduced_kramers.png": kramers_figure,
           "reproduced_escape_sharpness.png": sharpness_figure, "reproduced_valley.png": valley_figure}


def write_figures(folder: str | Path, names: tuple[str, ...] = tuple(FIGURES)) -> list[Path]:
    """Write the named figures into `folder` (made if missing), together once all are drawn."""
    with OutputFiles() as files:
        target = files.folder(folder, "--figures")
        for name in names:
            figure = FIGURES[name]()
            files.write_figure(target / name, figure, dpi=DPI)
            plt.close(figure)
        return files.commit()
