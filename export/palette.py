"""One palette and one marker vocabulary for every view: the app, the trajectory player, PNG figures and GIFs.

No two series in one figure look alike. An optimizer kind has one colour and one dash pattern everywhere (Okabe-Ito
colours, safe for the common colour-vision deficiencies, and a taupe for SGD); a kind shown again takes the next
step of a lightness ramp of its colour with a dash pattern and a hollow marker of its own (□ △ ◇ after the first
one's ●). Markers at one point stay visible: each filled marker is a little smaller than the one before it, so drawn
in order they nest, and hollow ones are drawn above them.
Basins have their own light palette, which no optimizer uses; overlays (gradient, stored momenta, aggregate, SAM's
ascent point) use neutral greys and black. tests/test_palette.py checks every two colours that can meet in one
figure under normal vision, deuteranopia, protanopia and tritanopia.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from optimizers import OPTIMIZERS

# Okabe & Ito (2008), "Color Universal Design": the eight colours minus black and yellow (black is the overlays',
# yellow vanishes on a light background).
BLUE, SKY_BLUE, VERMILLION, ORANGE, GREEN, PURPLE = "#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#009E73", "#CC79A7"
TAUPE = "#6E6246"  # plain gradient descent: a muted colour the six do not reach, unlike the landscape's greys
GREY = "#6E6E6E"  # a kind the palette does not know


VARIANT_MARKERS = ("square", "triangle", "diamond")
LATER_VARIANT_MARKERS = ("triangle-down", "pentagon", "hexagon")  # the later kinds' repeats: apart from the first's


class Family(NamedTuple):
    """How an optimizer kind is drawn: the first time in a figure in its colour (#RRGGBB), which starts its lightness
    ramp, its dash pattern (on/off lengths in line widths; () is solid) and its filled marker; its repeats take the
    repeat styles from `first_repeat` on, so that the second series of two kinds differ in dash and marker."""

    colour: str
    dash: tuple[float, ...]
    first_repeat: int
    marker: str = "circle"
    dash_shift: int = 0  # its repeats' dashes are shifted this far along theirs (two families apart in dash too)
    repeat_markers: tuple[str, ...] = VARIANT_MARKERS  # its repeats' hollow markers, in turn


# palette family (an optimizer record's palette_family) -> how it is drawn: a new optimizer names its family in its
# record and the family needs one entry here (tests/test_palette.py fails without it). The paper's seven kinds are
# circles in the Okabe-Ito colours; the later kinds take Paul Tol's muted colours and a marker of their own, so that
# any of them that meets another kind's colour under a colour-vision deficiency still differs by dash and marker.
KIND_STYLES: dict[str, Family] = {
    "adam": Family(BLUE, (), 2),
    "adam_sam": Family(SKY_BLUE, (6.0, 3.0), 0),
    "adam_cm": Family(VERMILLION, (), 0),
    "adam_sam_cm": Family(ORANGE, (6.0, 3.0), 0),
    "adam_cg": Family(GREEN, (8.0, 3.0, 2.0, 3.0), 0),
    "momentum": Family(PURPLE, (2.0, 2.0), 2),
    "sgd": Family(TAUPE, (1.0, 2.5), 0),
    "rmsprop": Family("#332288", (4.0, 2.0), 2, "square", 3, LATER_VARIANT_MARKERS),
    "adagrad": Family("#999933", (2.0, 2.0, 6.0, 2.0), 0, "triangle", 2, LATER_VARIANT_MARKERS),
    "adamw": Family("#44AA99", (10.0, 3.0), 0, "diamond", 2, LATER_VARIANT_MARKERS),
    "nadam": Family("#882255", (3.0, 1.0), 1, "triangle", 3, LATER_VARIANT_MARKERS),
    "lion": Family("#117733", (1.0, 1.0), 2, "square", 4, LATER_VARIANT_MARKERS),
    "sgd_sam": Family("#A38F5E", (6.0, 2.0, 1.0, 2.0), 1, "diamond", 5, LATER_VARIANT_MARKERS),
    "momentum_sam": Family("#DDA6C9", (5.0, 1.5), 1, "square", 3, LATER_VARIANT_MARKERS),
}
UNKNOWN_STYLE = Family(GREY, (4.0, 4.0), 0)  # every label whose kind is not listed: repeats of one family

# A kind's repeats in one figure (the 2nd, 3rd, 4th ... series of that kind): CIE L* steps of its lightness ramp,
# a dash pattern each (skipping the kind's own) and a hollow marker each; the 5th series starts the ramp again with
# the next dash, so (colour, dash) stays unique for 13 series of one kind.
RAMP_LENGTH = 4
RAMP_STEP = 15.0  # CIE L* between steps: CIEDE2000 of about 10 or more, whatever the colour vision
# Darker merges with the black overlays, lighter with the landscape; RAMP_LENGTH steps fit between them from any
# lightness in between.
RAMP_DARKEST, RAMP_LIGHTEST = 21.0, 21.0 + RAMP_LENGTH * RAMP_STEP
VARIANT_DASHES: tuple[tuple[float, ...], ...] = ((12.0, 4.0), (8.0, 3.0, 2.0, 3.0), (2.0, 2.0), (1.0, 2.5),
                                                 (16.0, 3.0, 3.0, 3.0), (5.0, 2.0, 1.0, 2.0, 1.0, 2.0), (9.0, 5.0))
MATPLOTLIB_MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "triangle-down": "v",
                      "pentagon": "p", "hexagon": "h"}
MATPLOTLIB_HATCHES = {"circle": "", "square": "///", "triangle": "\\\\\\", "diamond": "xxx", "triangle-down": "---",
                      "pentagon": "...", "hexagon": "+++"}  # a bar has no marker
# Markers at one point stay visible: the filled markers (the first series of each kind) are each NEST_STEP larger
# than the next filled one (at most NEST_LEVELS steps), so drawn in order they nest; a repeat's marker is hollow,
# HOLLOW_SIZE, and drawn above them. Start rings nest the same way, series by series.
NEST_STEP, NEST_LEVELS, HOLLOW_SIZE = 0.7, 3, 1.5

# Overlays: neutral, never an optimizer's colour.
GRADIENT_COLOUR = "#000000"  # −∇f, solid arrow
MOMENTA_COLOUR = "#4D4D4D"  # stored momenta, thin dotted arrows
AGGREGATE_COLOUR = "#000000"  # the aggregate CM steps along, thick dashed arrow
ASCENT_COLOUR = "#000000"  # SAM's ascent point, hollow diamond on a dotted segment

# Markers of where a run is (matplotlib names; the player draws the same shapes): start ○, diverged ✕, minimum ★;
# its current point or end is its series' marker (● for the first series of a kind).
START_MARKER, DIVERGED_MARKER, MINIMUM_MARKER = "o", "X", "*"

# Basins (basin maps, the player's basin lane): one light colour per listed minimum (cycled), none grey, diverged
# black. Light and muted, so contour lines and stars read over them and none looks like an optimizer's colour; orange
# and red come last, after the four a map usually needs.
BASIN_COLOURS = ("#97A0BC", "#F7EDB9", "#A9CAAA", "#D9B2F5", "#FDB672", "#F18179")
UNASSIGNED_COLOUR, DIVERGED_COLOUR = "#D9D9D9", "#000000"


@dataclass(frozen=True)
class Style:
    """How one series is drawn: its colour (#RRGGBB), dash pattern (on/off lengths in line widths), marker ('circle'
    or one of VARIANT_MARKERS) drawn filled or `hollow` (an outline, covering nothing, drawn above the filled ones),
    and the sizes of its marker and of its start ring ○, relative to the smallest in the figure."""

    colour: str
    dash: tuple[float, ...]
    marker: str = "circle"
    hollow: bool = False
    size: float = 1.0
    start_size: float = 1.0

    @property
    def matplotlib_linestyle(self) -> str | tuple[int, tuple[float, ...]]:
        return (0, self.dash) if self.dash else "-"

    @property
    def matplotlib_marker(self) -> str:
        return MATPLOTLIB_MARKERS[self.marker]

    @property
    def matplotlib_hatch(self) -> str:
        return MATPLOTLIB_HATCHES[self.marker]

    def matplotlib_marker_style(self, size: float) -> dict[str, object]:
        """matplotlib's marker keywords for a marker `size` points across at this style's size 1: filled in the
        colour with a thin white rim, or hollow (an outline in the colour, no face)."""
        if self.hollow:
            face, edge, width = "none", self.colour, 1.5
        else:
            face, edge, width = self.colour, "white", 0.8
        return {"marker": self.matplotlib_marker, "markersize": size * self.size, "markerfacecolor": face,
                "markeredgecolor": edge, "markeredgewidth": width}


# sRGB (IEC 61966-2-1) and CIELAB (D65 white) for the lightness ramp.
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
_WHITE = _RGB_TO_XYZ.sum(axis=1)


def _lab(colour: str) -> np.ndarray:
    """CIELAB of a #RRGGBB colour."""
    encoded = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
    t = _RGB_TO_XYZ @ linear / _WHITE
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _linear_rgb(lab: np.ndarray) -> np.ndarray:
    """Linear sRGB of a CIELAB colour (outside 0..1 where sRGB cannot show it)."""
    fy = (lab[0] + 16) / 116
    f = np.array([fy + lab[1] / 500, fy, fy - lab[2] / 200])
    t = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29))
    return np.linalg.solve(_RGB_TO_XYZ, t * _WHITE)


def _hex(linear: np.ndarray) -> str:
    linear = np.clip(linear, 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{round(255 * c):02X}" for c in encoded)


@functools.cache
def with_lightness(colour: str, lightness: float) -> str:
    """The colour at CIE L* = `lightness`, its hue kept and its chroma reduced as far as sRGB needs."""
    lab = _lab(colour)

    def linear(share: float) -> np.ndarray:
        return _linear_rgb(np.array([lightness, *(share * lab[1:])]))

    def fits(share: float) -> bool:
        return bool(np.all((linear(share) >= -1e-9) & (linear(share) <= 1 + 1e-9)))

    low, high = (1.0, 1.0) if fits(1.0) else (0.0, 1.0)  # the largest share of the chroma sRGB can show
    while high - low > 1e-4:
        low, high = ((low + high) / 2, high) if fits((low + high) / 2) else (low, (low + high) / 2)
    return _hex(linear(low))


def ramp_lightnesses(colour: str) -> list[float]:
    """RAMP_LENGTH CIE L* values for a kind's repeats, its own first: RAMP_STEP apart, alternately darker and lighter
    (towards the middle of the range first), skipping steps outside RAMP_DARKEST..RAMP_LIGHTEST."""
    first = float(_lab(colour)[0])
    towards_middle = 1 if first < (RAMP_DARKEST + RAMP_LIGHTEST) / 2 else -1
    steps = [sign * towards_middle * k * RAMP_STEP for k in range(1, 2 * RAMP_LENGTH) for sign in (1, -1)]
    inside = [first + step for step in steps if RAMP_DARKEST <= first + step <= RAMP_LIGHTEST]
    return [first, *inside[:RAMP_LENGTH - 1]]


def repeat_style(family: Family, occurrence: int) -> Style:
    """The style of the occurrence-th series (0 first) of one family in a figure, before nesting."""
    if occurrence == 0:
        return Style(family.colour, family.dash, family.marker)
    step = occurrence % RAMP_LENGTH
    colour = family.colour if step == 0 else with_lightness(family.colour, ramp_lightnesses(family.colour)[step])
    dashes = [dash for dash in VARIANT_DASHES if dash != family.dash]
    index = (family.first_repeat + occurrence - 1) % len(family.repeat_markers)
    return Style(colour, dashes[(index + family.dash_shift) % len(dashes)], family.repeat_markers[index], hollow=True)


def family_of(kind: str) -> Family:
    """How an optimizer kind is drawn: the family its record names (a kind not registered: its own name's family,
    else the unknown family)."""
    name = OPTIMIZERS.record(kind).palette_family if kind in OPTIMIZERS else kind
    return KIND_STYLES.get(name, UNKNOWN_STYLE)


def styles_for(kinds: Sequence[str]) -> list[Style]:
    """One style per entry of `kinds` (optimizer names, in the order shown): the kind's colour and dash, the next
    repeat style when the kind appears again (every unlisted kind is one family), filled markers and start rings
    nested in order."""
    seen: dict[Family, int] = {}
    styles = []
    for kind in kinds:
        family = family_of(kind)
        styles.append(repeat_style(family, seen.get(family, 0)))
        seen[family] = seen.get(family, 0) + 1
    filled_after = 0
    for index in reversed(range(len(styles))):
        size = HOLLOW_SIZE if styles[index].hollow else 1.0 + NEST_STEP * min(filled_after, NEST_LEVELS)
        filled_after += not styles[index].hollow
        start_size = 1.0 + NEST_STEP * min(len(styles) - 1 - index, NEST_LEVELS)
        styles[index] = replace(styles[index], size=size, start_size=start_size)
    return styles
