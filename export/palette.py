"""One palette and one marker vocabulary for every view: the app, the trajectory player, PNG figures and GIFs.

An optimizer kind has one colour and one dash pattern everywhere, taken from the Okabe-Ito set (safe for the common
colour-vision deficiencies) and told apart in greyscale by the dash pattern; a kind shown twice gets a darker, then
a lighter shade of its colour. Overlays (gradient, stored momenta, aggregate, SAM's ascent point) use neutral greys
and black, which no optimizer uses. Start, end, diverged and minimum have one symbol each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Okabe & Ito (2008), "Color Universal Design": the eight colours minus black and yellow (black is the overlays',
# yellow vanishes on a light background).
BLUE, SKY_BLUE, VERMILLION, ORANGE, GREEN, PURPLE = "#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#009E73", "#CC79A7"
GREY = "#6E6E6E"

# kind -> (colour, dash pattern as on/off lengths in line widths; () is solid)
KIND_STYLES: dict[str, tuple[str, tuple[float, ...]]] = {
    "adam": (BLUE, ()),
    "adam_sam": (SKY_BLUE, (6.0, 3.0)),
    "adam_cm": (VERMILLION, ()),
    "adam_sam_cm": (ORANGE, (6.0, 3.0)),
    "adam_cg": (GREEN, (8.0, 3.0, 2.0, 3.0)),
    "momentum": (PURPLE, (2.0, 2.0)),
    "sgd": (GREY, (1.0, 2.5)),
}
UNKNOWN_STYLE = (GREY, (4.0, 4.0))

# Overlays: neutral, never an optimizer's colour.
GRADIENT_COLOUR = "#000000"  # −∇f, solid arrow
MOMENTA_COLOUR = "#4D4D4D"  # stored momenta, thin dotted arrows
AGGREGATE_COLOUR = "#000000"  # the aggregate CM steps along, thick dashed arrow
ASCENT_COLOUR = "#000000"  # SAM's ascent point, hollow diamond on a dotted segment

# Markers (matplotlib names; the player draws the same shapes): start ○, end ●, diverged ✕, minimum ★.
START_MARKER, END_MARKER, DIVERGED_MARKER, MINIMUM_MARKER = "o", "o", "X", "*"
MARKER_SYMBOLS = {"start": "○", "end": "●", "diverged": "✕", "undefined": "✕", "minimum": "★"}

# Basins (basin maps, the player's basin lanes): one muted colour per listed minimum (cycled), none grey, diverged
# black; muted so that no basin is mistaken for an optimizer's saturated colour.
BASIN_COLOURS = ("#A6BDD7", "#E8C39E", "#B5D3A7", "#D9A5B3", "#C9B8E0", "#E6DB9A", "#9FCFCB", "#D4B79C", "#B8B8D9",
                 "#CFCFA8")
UNASSIGNED_COLOUR, DIVERGED_COLOUR = "#D9D9D9", "#000000"

# Knob values in a series (e.g. C = 1, 5, 20 on one plot): a sequential ramp, light to dark.
SERIES_COLOURS = ("#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B", "#041A3B")


@dataclass(frozen=True)
class Style:
    """How one optimizer is drawn: its colour (#RRGGBB) and dash pattern (on/off lengths in line widths)."""

    colour: str
    dash: tuple[float, ...]

    def matplotlib_dashes(self) -> tuple[int, tuple[float, ...] | None]:
        """The dash pattern in matplotlib's (offset, on-off sequence) form; None is solid."""
        return (0, self.dash or None)

    @property
    def matplotlib_linestyle(self) -> str | tuple[int, tuple[float, ...]]:
        return (0, self.dash) if self.dash else "-"


def kind_of(spec: str) -> str:
    """The optimizer kind (registry name) a label starts with: 'adam_cm:lr=0.1' -> 'adam_cm', and a sweep's
    'adam at adam_cm's step' -> 'adam'."""
    return spec.partition(":")[0].strip().partition(" ")[0]


def shade(colour: str, occurrence: int) -> str:
    """The colour for the occurrence-th appearance of one kind: itself, then darker, then lighter, alternating."""
    if occurrence == 0:
        return colour
    towards = 0 if occurrence % 2 == 1 else 255
    amount = min(0.28 * ((occurrence + 1) // 2), 0.7)
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (towards - c) * amount) for c in channels]
    return "#" + "".join(f"{c:02X}" for c in mixed)


def styles_for(kinds: Sequence[str]) -> list[Style]:
    """One style per entry of `kinds` (optimizer names, in the order shown): the kind's colour and dash, shaded
    when the same kind appears again."""
    seen: dict[str, int] = {}
    out = []
    for kind in kinds:
        colour, dash = KIND_STYLES.get(kind, UNKNOWN_STYLE)
        occurrence = seen.get(kind, 0)
        seen[kind] = occurrence + 1
        out.append(Style(shade(colour, occurrence), dash))
    return out
