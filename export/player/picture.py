"""The landscape as a picture: filled contours drawn once with matplotlib (a Figure, never pyplot) as a PNG, with
the key of its colour scale. The player draws trajectories over it and caches it in the browser by `key`."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from export.figures import CONTOUR_LINE_COLOUR, LANDSCAPE_COLOURMAP, require_2d, shown_values
from landscapes import Landscape

LEVELS = 32
LONG_SIDE = 900  # pixels of the picture's longer side
RESOLUTION = 160  # grid points per axis the contours are drawn from
KEY_STOPS = 9  # colours of the key's gradient


@dataclass(frozen=True)
class Picture:
    """A landscape's PNG, the key naming it (spec, box and size) and its colour scale's key for the legend."""

    key: str
    png: bytes
    scale: dict[str, Any]  # {"log": bool, "colours": [#RRGGBB low to high], "ticks": [{"at": 0..1, "text": "f"}]}

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def contour_png(xs: np.ndarray, ys: np.ndarray, shown: np.ndarray, long_side: int = LONG_SIDE) -> bytes:
    """Filled contours of `shown` (len(ys), len(xs)) over exactly the box [xs[0], xs[-1]] x [ys[0], ys[-1]]."""
    width, height = float(xs[-1] - xs[0]), float(ys[-1] - ys[0])
    scale = long_side / max(width, height)
    figure = Figure(figsize=(width * scale / 100, height * scale / 100), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    finite = shown[np.isfinite(shown)]
    if finite.size and finite.max() > finite.min():
        levels = np.linspace(finite.min(), finite.max(), LEVELS + 1)
        axes.contourf(xs, ys, shown, levels=levels, cmap=LANDSCAPE_COLOURMAP)
        axes.contour(xs, ys, shown, levels=levels[::2], colors=CONTOUR_LINE_COLOUR, linewidths=0.5, alpha=0.55)
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    drawn = io.BytesIO()
    figure.savefig(drawn, format="png", dpi=100)
    # A 256-colour palette looks the same on filled contours and makes the PNG (and every payload) 3x smaller.
    palette_image = Image.open(drawn).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                                                  dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette_image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def picture_key(landscape: Landscape, long_side: int = LONG_SIDE, resolution: int = RESOLUTION) -> str:
    """What names a picture: the landscape's spec, its box and the picture's size (16 hex digits)."""
    box = ",".join(f"{v:.17g}" for v in (*landscape.domain.low[:2], *landscape.domain.high[:2]))
    text = f"{landscape.spec}|{box}|{long_side}|{resolution}|{LEVELS}|{LANDSCAPE_COLOURMAP.name}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def scale_key(values: np.ndarray, log: bool) -> dict[str, Any]:
    """The colour scale's key: its colours low to high and ticks labelled with f (log: f - min + 1 in decades)."""
    colours = [_hex(LANDSCAPE_COLOURMAP(t)) for t in np.linspace(0.0, 1.0, KEY_STOPS)]
    finite = values[np.isfinite(values)]
    if not finite.size:
        return {"log": log, "colours": colours, "ticks": []}
    floor = float(finite.min())
    shown = shown_values(finite, log)
    low, high = float(shown.min()), float(shown.max())
    if high <= low:
        return {"log": log, "colours": colours, "ticks": [{"at": 0.0, "text": f"{floor:.3g}"}]}
    if log:
        marks = np.arange(np.ceil(low), np.floor(high) + 1)
        texts = [f"{floor + 10.0 ** t - 1.0:.3g}" for t in marks]
    else:
        marks = MaxNLocator(5).tick_values(low, high)
        marks = marks[(marks >= low) & (marks <= high)]
        texts = [f"{t:.3g}" for t in marks]
    ticks = [{"at": float((t - low) / (high - low)), "text": text} for t, text in zip(marks, texts)]
    return {"log": log, "colours": colours, "ticks": ticks}


def landscape_picture(landscape: Landscape, long_side: int = LONG_SIDE, resolution: int = RESOLUTION) -> Picture:
    """The landscape's filled contours over its box, as the player shows them (about 0.2 s)."""
    require_2d(landscape, "the landscape's picture")
    low, high = landscape.domain.low, landscape.domain.high
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    X, Y = np.meshgrid(xs, ys)
    values = landscape.f(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    log = landscape.color_scale == "log"
    png = contour_png(xs, ys, shown_values(values, log), long_side)
    return Picture(picture_key(landscape, long_side, resolution), png, scale_key(values, log))


def _hex(rgba: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(255 * c):02X}" for c in rgba[:3])
