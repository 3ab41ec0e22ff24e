"""What the player's "explain this step" panel shows: every quantity of the followed run's next step, per coordinate.

At a recorded step s the panel explains step s+1, the one that leaves the point shown (as the overlays' arrows
do): the gradient it used, the momentum m and second moment v it produced, their bias-corrected m̂ = m/(1-β1^t) and
v̂ = v/(1-β2^t) with t = s+1, Adam+CM's buffer (the entries the step averaged, with their priorities) and aggregate
a, and the step itself per coordinate in units of lr, from the run's own points. Everything is computed here in
float64 and sent as numbers to show; the player does no arithmetic on them beyond formatting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from experiments.teaching import TeachingTrace
from optimizers import OPTIMIZERS

SHOWN_PARAMETERS = ("lr", "b1", "b2", "eps", "momentum", "rho", "top_c", "decay")


def explain_rows(trace: TeachingTrace, steps: np.ndarray) -> dict[str, np.ndarray]:
    """(R, ...) arrays of the step leaving each recorded step in `steps`: nan where there is no next step; a
    quantity the optimizer never has (no buffer, no second moment) is left out."""
    _, params = OPTIMIZERS.resolve(trace.optimizer)
    rows = np.asarray(steps)
    has_next = rows < trace.positions.shape[0] - 1
    now, after = np.where(has_next, rows, 0), np.where(has_next, rows + 1, 0)

    def pick(values: np.ndarray, index: np.ndarray) -> np.ndarray:
        out = values[index].astype(np.float64)
        out[~has_next] = np.nan
        return out

    t = (rows + 1).astype(np.float64)
    out = {"t": t, "gradient": pick(trace.used_gradients, now),
           "step_in_lr": (pick(trace.positions, after) - pick(trace.positions, now)) / params["lr"]}
    for key, values, index in (("momentum", trace.momenta, after), ("second_moment", trace.second_moments, after),
                               ("aggregate", trace.aggregates, now), ("buffer", trace.buffer, now),
                               ("priorities", trace.priorities, now)):
        if values.size and np.isfinite(values).any():
            out[key] = pick(values, index)
    with np.errstate(all="ignore"):
        for key, beta in (("momentum", "b1"), ("second_moment", "b2"), ("aggregate", "b1")):
            if key in out and beta in params:  # m̂ = m/(1-β1^t), v̂ = v/(1-β2^t), â = a/(1-β1^t)
                out[f"{key}_hat"] = out[key] / (1.0 - params[beta] ** t)[:, None]
    return out


def explain_part(trace: TeachingTrace, steps: np.ndarray, encode: Any) -> dict[str, Any]:
    """The payload's `overlays.explain`: the optimizer's kind and shown parameters, and each array of `explain_rows`
    as base64 float32 (vectors cut to the plane the player draws)."""
    name, params = OPTIMIZERS.resolve(trace.optimizer)
    part: dict[str, Any] = {"kind": name, "parameters": {k: params[k] for k in SHOWN_PARAMETERS if k in params}}
    for key, values in explain_rows(trace, steps).items():
        part[key] = encode(values if key in ("t", "priorities") else values[..., :2], "<f4")
    return part
