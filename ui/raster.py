"""The landscape as a picture: filled contours drawn once with matplotlib (a Figure, never pyplot) as a PNG.

The Explorer's map puts it behind the trajectories as a background image, because plotly.js drops contour and
heatmap traces while it animates scatter traces without redrawing (plotly.js issue 4491).
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

LEVELS = 32


def contour_png(xs: np.ndarray, ys: np.ndarray, shown: np.ndarray, long_side: int = 900) -> bytes:
    """Filled contours of `shown` (len(ys), len(xs)) over exactly the box [xs[0], xs[-1]] x [ys[0], ys[-1]]."""
    width, height = float(xs[-1] - xs[0]), float(ys[-1] - ys[0])
    scale = long_side / max(width, height)
    figure = Figure(figsize=(width * scale / 100, height * scale / 100), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    finite = shown[np.isfinite(shown)]
    if finite.size and finite.max() > finite.min():
        levels = np.linspace(finite.min(), finite.max(), LEVELS + 1)
        axes.contourf(xs, ys, shown, levels=levels, cmap="viridis")
        axes.contour(xs, ys, shown, levels=levels, colors="white", linewidths=0.4, alpha=0.4)
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100)
    return out.getvalue()
