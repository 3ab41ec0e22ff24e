"""Results as files: a run's trajectories as JSON or CSV (floats written exactly, so they read back bit for bit)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from experiments.run import STOP_REASONS, RunResult


def result_json(result: RunResult) -> str:
    """Every run's start, recorded positions and losses (non-finite values as null), where and why it stopped."""

    def finite_or_none(values: np.ndarray) -> list:
        return [v if np.isfinite(v) else None for v in values.tolist()]

    runs = []
    for i in range(result.n_runs):
        runs.append({
            "start": result.starts[i].tolist(),
            "positions": [finite_or_none(p) for p in result.positions[:, i]],
            "losses": finite_or_none(result.losses[:, i]),
            "stopped_at": int(result.stopped_at[i]) if result.stopped[i] else None,
            "stop_reason": STOP_REASONS[int(result.stop_reason[i])] if result.stopped[i] else None,
            "grad_evals": int(result.grad_evals[i]),
        })
    return json.dumps({"landscape": result.landscape, "optimizer": result.optimizer, "steps": result.steps,
                       "recorded_steps": result.recorded_steps.tolist(), "runs": runs}, indent=1)


def result_csv(result: RunResult) -> str:
    """One row per (run, recorded step): run, step, x0..x{d-1}, loss, stopped (empty while the run goes on,
    else "diverged" or "gradient undefined" from the step where it stopped)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    dim = result.positions.shape[2]
    writer.writerow(["run", "step", *[f"x{k}" for k in range(dim)], "loss", "stopped"])
    for i in range(result.n_runs):
        reason = STOP_REASONS[int(result.stop_reason[i])]
        for r, step in enumerate(result.recorded_steps):
            stopped = reason if result.stopped[i] and step >= result.stopped_at[i] else ""
            point = map(repr, result.positions[r, i].tolist())
            writer.writerow([i, int(step), *point, repr(float(result.losses[r, i])), stopped])
    return out.getvalue()
