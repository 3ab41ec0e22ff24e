"""The palette tells apart every two things one figure can show, under normal vision and the three dichromacies.

Deuteranopia, protanopia and tritanopia are simulated with Machado, Oliveira & Fernandes (2009) at severity 1 on
linear sRGB, and colours compared by CIEDE2000 (both from colour-science). Two colours that can appear in one figure
differ by at least MIN_DIFFERENCE in every vision, or the pair is listed below and differs by dash and by marker.

What can appear in one figure:
- Series (the player, PNG and GIF trajectories, the escape lab's curves, Learn's kick chart, the study's curves):
  two series of every registered optimizer kind (the escape lab at equal step lengths repeats each kind without a
  buffer) and up to RAMP_LENGTH of any one kind (each kind in turn); in the player also the overlays, arrows in black
  and grey. A kind the palette does not know is never drawn from the registry's optimizers; its test is its own.
- Basins (basin maps, the player's basin lane and key): every basin colour (they cycle past six minima), the
  unassigned grey and the diverged black, with the landscape's contour lines drawn over them.
- Backgrounds: the landscape's grey scale lies under every series, and the basin lane beside the series in the
  player. Neither is told apart from a series by a key, so they only have to look different to normal vision:
  each series colour is MIN_DIFFERENCE from every grey of the scale and from every basin colour there.
"""

from __future__ import annotations

import itertools
import warnings
from typing import NamedTuple

import colour
import numpy as np
import pytest

from export import palette
from export.figures import CONTOUR_LINE_COLOUR, LANDSCAPE_COLOURMAP
from optimizers import OPTIMIZERS
from ui.presets import DEMOS_BY_ID

MIN_DIFFERENCE = 10.0  # CIEDE2000
VISIONS = ("normal", "deuteranopia", "protanopia", "tritanopia")
MACHADO = {"deuteranopia": "Deuteranomaly", "protanopia": "Protanomaly", "tritanopia": "Tritanomaly"}
OVERLAYS = {"gradient": palette.GRADIENT_COLOUR, "momenta": palette.MOMENTA_COLOUR}

# Series that stay closer than MIN_DIFFERENCE in some vision: 'kind' is the first series of a kind, 'kind#n' its
# n-th. A ramp of lightness meets another kind's colour somewhere, and fourteen kinds cannot all stay apart under
# every dichromacy; every pair here differs by dash and by marker (the later kinds' own filled markers, a repeat's
# hollow outline, an overlay's arrow), weakest first.
SERIES_EXCEPTIONS = {frozenset(pair) for pair in [
    ("momentum_sam#2", "nadam#3"), ("adam_cm#2", "adam_sam_cm#3"), ("momentum_sam#3", "nadam#2"), ("adam_cm",
    "adam_sam_cm#2"), ("momentum_sam#4", "nadam"), ("momentum#4", "nadam"), ("adagrad#2", "adam_cm"), ("adam_cg#2",
    "lion"), ("momentum_sam", "nadam#4"), ("adam_sam#4", "nadam"), ("momenta", "nadam"), ("momentum#2", "nadam#2"),
    ("momentum", "nadam#3"), ("adamw#4", "momenta"), ("momentum#3", "momentum_sam"), ("momentum", "momentum_sam#2"),
    ("adam_cg", "lion#2"), ("adagrad", "adam_cm#3"), ("momentum#2", "momentum_sam#3"), ("adamw#4", "nadam"),
    ("adagrad#4", "adam_cm#2"), ("lion", "sgd_sam#2"), ("adamw", "nadam#3"), ("adamw#2", "nadam#2"), ("adam_cm#3",
    "adam_sam_cm"), ("lion#2", "sgd_sam"), ("adamw", "momentum"), ("adam_cg#2", "sgd"), ("adam_sam", "rmsprop#4"),
    ("adam_cg", "sgd#2"), ("adam_sam#3", "momentum#2"), ("adamw#2", "momentum#2"), ("lion#2", "sgd#2"), ("lion",
    "sgd"), ("adamw", "momentum_sam#2"), ("adam#4", "adam_sam"), ("adamw#2", "momentum_sam#3"), ("adamw#3",
    "momentum_sam"), ("adagrad#2", "adam_cm#2"), ("adagrad#2", "adam_sam_cm#3"), ("adam_sam#2", "rmsprop#3"),
    ("sgd", "sgd_sam#2"), ("adam_cg", "adamw"), ("sgd#2", "sgd_sam"), ("adam#2", "adam_sam#2"), ("adagrad",
    "adam_sam_cm#2"), ("adagrad", "adam_cm"), ("adam#2", "rmsprop#4"), ("adam_cg", "sgd_sam"), ("adagrad#2",
    "lion"), ("adam_cg#2", "adam_sam#3"), ("adam_sam#3", "nadam#2"), ("momenta", "momentum#4"), ("adam_cm#3",
    "lion#2"), ("adamw", "lion#2"), ("adam_cm#2", "lion#3"), ("adam_cm", "lion"), ("adam_cg#3", "adam_sam"),
    ("adam#2", "adamw"), ("adagrad", "adam_sam_cm"), ("adam_cm#2", "sgd_sam#4"), ("adam", "rmsprop#2"), ("adagrad",
    "sgd#2"), ("adam_cg#2", "adamw#2"), ("adagrad#4", "momenta"), ("adam", "adamw#2"), ("adagrad#2",
    "adam_sam_cm#2"), ("adamw#2", "lion"), ("adam_cg", "adam_sam#2"), ("adam_sam#2", "momentum"), ("adam_sam#3",
    "rmsprop#2"), ("adam", "rmsprop#3"), ("momenta", "momentum_sam#4"), ("adagrad", "lion#2"), ("adam_sam",
    "momentum#3"), ("adam#3", "rmsprop"), ("adagrad#3", "adam_sam_cm"), ("adam#2", "rmsprop#3"), ("adam",
    "adam_sam#3"), ("adam_sam", "adamw#3"), ("adam_cg#4", "momenta"), ("adam_sam#3", "lion"), ("adam_sam#2",
    "lion#2"), ("adam#2", "adam_sam"), ("adagrad#2", "sgd_sam#2"), ("adam_sam_cm#3", "lion"), ("adam_cg#3",
    "adamw"), ("adam_cg#2", "sgd_sam#2"), ("adam_sam#2", "adamw"), ("adam_sam", "adamw"), ("adagrad", "sgd_sam"),
    ("momentum_sam", "sgd_sam#3"), ("adam_sam_cm#3", "sgd_sam#2"), ("adagrad#2", "sgd"), ("adam_cm#2", "nadam"),
    ("adam_sam", "lion#4"), ("adam_cg#2", "adamw#4"), ("momentum_sam#2", "sgd_sam"), ("momentum_sam#3",
    "sgd_sam#2"), ("adam_cm#2", "sgd_sam#2"), ("adamw", "lion#4"), ("adam_sam#2", "nadam#3"), ("adam#2", "adam_cg"),
    ("adam", "adam_sam#2"), ("adam_sam#2", "momentum_sam#2"), ("adam#3", "nadam"), ("adam_sam", "momentum_sam"),
    ("adam#3", "rmsprop#2"), ("adam_cg#4", "nadam"), ("adam_cm#2", "lion"), ("adam_sam#4", "rmsprop"), ("adam_cm#2",
    "adam_sam_cm#4"), ("adam_sam#3", "adamw#2"), ("adamw#4", "lion"), ("adam_cm#4", "nadam"), ("adam_cg#2",
    "nadam"), ("adamw#2", "lion#2"), ("adam_cg", "sgd#4"), ("adam_sam#2", "adamw#2"), ("adam_cm", "adam_sam_cm#3"),
    ("adam_cg", "adamw#2"), ("adam_cm#3", "sgd_sam"), ("adam", "adam_cg#2"), ("adam_cm#3", "momentum"),
    ("adam_sam_cm", "nadam#4"), ("adam_cm", "sgd_sam#2"), ("adam_sam_cm#2", "momentum"), ("lion#4", "sgd_sam"),
    ("adam_sam_cm#3", "momentum#2"), ("adam#3", "momentum#2"), ("adam#2", "lion#2"), ("adam_cg#2", "momenta"),
    ("momentum", "momentum_sam"), ("adam_sam_cm", "momentum#3"), ("adamw", "sgd#4"), ("adam_sam_cm", "nadam#3"),
    ("adam_cm#2", "nadam#2"), ("adam_sam_cm#2", "lion"), ("adam_sam", "nadam#4"), ("lion", "sgd_sam#4"),
    ("adam_sam_cm#2", "momentum_sam#2"), ("adam_cm#3", "adam_sam_cm#2"),
]}


class Look(NamedTuple):
    """What tells a thing in a figure apart: its colour, its dash pattern and its marker."""

    colour: str
    dash: tuple[float, ...]
    marker: str


def simulated_lab(hex_colour: str, vision: str) -> np.ndarray:
    """CIELAB (D65) of the colour as seen with `vision`."""
    linear = colour.models.eotf_sRGB(np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]))
    if vision != "normal":
        with warnings.catch_warnings():  # its tritanopia is the model's approximation, which is what we want
            warnings.simplefilter("ignore", colour.utilities.ColourUsageWarning)
            matrix = colour.blindness.matrix_cvd_Machado2009(MACHADO[vision], 1.0)
        linear = np.clip(matrix @ linear, 0.0, 1.0)
    xyz = colour.RGB_to_XYZ(linear, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=False)
    return colour.XYZ_to_Lab(xyz)


def difference(a: str, b: str, vision: str) -> float:
    return float(colour.delta_E(simulated_lab(a, vision), simulated_lab(b, vision), method="CIE 2000"))


def smallest_difference(a: str, b: str) -> float:
    return min(difference(a, b, vision) for vision in VISIONS)


def series_figure(repeated: str) -> dict[str, Look]:
    """Name -> look of every series of the widest figure that repeats `repeated`: every kind twice (the escape lab at
    equal step lengths repeats each kind without a buffer), `repeated` RAMP_LENGTH times, and the player's overlays."""
    kinds = list(OPTIMIZERS.names())
    extra = palette.RAMP_LENGTH - 2
    names = [*kinds, *(f"{kind}#2" for kind in kinds), *(f"{repeated}#{n}" for n in range(3, 3 + extra))]
    styles = palette.styles_for([*kinds, *kinds, *[repeated] * extra])
    looks = {name: Look(style.colour, style.dash, style.marker + (" outline" if style.hollow else ""))
             for name, style in zip(names, styles)}  # a filled marker and an outline of its shape look different
    return looks | {name: Look(hex_colour, (), "arrow") for name, hex_colour in OVERLAYS.items()}


def every_series_pair() -> dict[frozenset[str], tuple[Look, Look]]:
    pairs = {}
    for repeated in OPTIMIZERS.names():
        for (a, look_a), (b, look_b) in itertools.combinations(series_figure(repeated).items(), 2):
            pairs[frozenset((a, b))] = (look_a, look_b)
    return pairs


def landscape_greys() -> list[str]:
    """Nine greys evenly along the landscape's colour scale, from its lowest value to its highest."""
    return ["#{:02X}{:02X}{:02X}".format(*(round(255 * c) for c in LANDSCAPE_COLOURMAP(t)[:3]))
            for t in np.linspace(0.0, 1.0, 9)]


def test_every_registered_optimizer_kind_has_its_own_family():
    assert set(OPTIMIZERS.names()) <= set(palette.KIND_STYLES)
    families = [*palette.KIND_STYLES.values(), palette.UNKNOWN_STYLE]
    assert len(set(families)) == len(families)


def test_every_kinds_ramp_fits_between_the_darkest_and_the_lightest_step():
    for family in [*palette.KIND_STYLES.values(), palette.UNKNOWN_STYLE]:
        steps = palette.ramp_lightnesses(family.colour)
        assert len(steps) == palette.RAMP_LENGTH
        assert all(palette.RAMP_DARKEST <= step <= palette.RAMP_LIGHTEST for step in steps)
        assert min(abs(a - b) for a, b in itertools.combinations(steps, 2)) >= palette.RAMP_STEP - 1e-9


def test_a_colour_at_another_lightness_has_that_lightness_and_keeps_its_hue():
    for lightness in (25.0, 50.0, 80.0):
        lab = simulated_lab(palette.with_lightness(palette.VERMILLION, lightness), "normal")
        original = simulated_lab(palette.VERMILLION, "normal")
        assert lab[0] == pytest.approx(lightness, abs=0.5)
        assert np.degrees(np.arctan2(lab[2], lab[1])) == pytest.approx(
            np.degrees(np.arctan2(original[2], original[1])), abs=2.0)


def test_the_buffer_demos_three_adam_cm_differ_in_colour_dash_and_marker_under_every_vision():
    kinds = [OPTIMIZERS.resolve(spec)[0] for spec in DEMOS_BY_ID["buffer-size"].params["optimizer"]]
    assert kinds == ["adam_cm"] * 3
    styles = palette.styles_for(kinds)
    assert len({s.colour for s in styles}) == len({s.dash for s in styles}) == len({s.marker for s in styles}) == 3
    for a, b in itertools.combinations(styles, 2):
        assert smallest_difference(a.colour, b.colour) >= MIN_DIFFERENCE


def test_a_matched_adam_and_adam_sam_differ_from_the_first_ones_by_dash_and_marker():
    # "compare at equal step length": Adam, Adam+SAM, Adam+CM, then Adam and Adam+SAM at Adam+CM's step
    styles = palette.styles_for(["adam", "adam_sam", "adam_cm", "adam", "adam_sam"])
    assert len({(s.colour, s.dash) for s in styles}) == 5
    assert styles[3].dash != styles[0].dash and styles[4].dash != styles[1].dash
    assert styles[3].hollow and styles[4].hollow and styles[3].marker != "circle" != styles[4].marker


def test_thirteen_series_of_one_kind_never_share_colour_and_dash():
    styles = palette.styles_for(["adam_cm"] * 13)
    assert len({(s.colour, s.dash) for s in styles}) == 13


def test_kinds_the_palette_does_not_know_look_unlike_every_known_kind_and_each_other():
    known = palette.styles_for(list(palette.KIND_STYLES))
    mystery, enigma = palette.styles_for(["mystery", "enigma"])
    assert {(mystery.colour, mystery.dash), (enigma.colour, enigma.dash)}.isdisjoint(
        {(s.colour, s.dash) for s in known})
    assert (mystery.colour, mystery.dash) != (enigma.colour, enigma.dash)
    for style in known:
        assert difference(mystery.colour, style.colour, "normal") >= MIN_DIFFERENCE


def test_filled_markers_and_start_rings_nest_in_order_and_repeats_are_hollow():
    styles = palette.styles_for(["adam", "adam_cm", "adam_cm", "adam_sam"])
    assert [s.hollow for s in styles] == [False, False, True, False]
    assert [s.marker for s in styles] == ["circle", "circle", styles[2].marker, "circle"]
    filled = [s.size for s in styles if not s.hollow]
    assert filled == sorted(set(filled), reverse=True) and filled[-1] == 1.0
    starts = [s.start_size for s in styles]
    assert starts == sorted(set(starts), reverse=True) and starts[-1] == 1.0


def test_every_two_series_in_one_figure_differ_by_ten_under_every_vision_or_are_listed():
    pairs = every_series_pair()
    too_close = {pair for pair, (a, b) in pairs.items() if smallest_difference(a.colour, b.colour) < MIN_DIFFERENCE}
    assert too_close == SERIES_EXCEPTIONS  # a pair that is fixed leaves the list
    for pair in SERIES_EXCEPTIONS:
        a, b = pairs[pair]
        assert a.dash != b.dash and a.marker != b.marker, f"{sorted(pair)} differ in colour alone, and too little"


def test_basins_unassigned_and_diverged_differ_by_ten_under_every_vision_also_under_contour_lines():
    colours = [*palette.BASIN_COLOURS, palette.UNASSIGNED_COLOUR, palette.DIVERGED_COLOUR, CONTOUR_LINE_COLOUR]
    for a, b in itertools.combinations(colours, 2):
        assert smallest_difference(a, b) >= MIN_DIFFERENCE, (a, b)


def test_series_stand_out_from_the_landscape_and_from_every_basin_to_normal_vision():
    series = {style.colour for kind in OPTIMIZERS.names() for style in palette.styles_for([kind] * palette.RAMP_LENGTH)}
    for line, background in itertools.product(series, [*landscape_greys(), *palette.BASIN_COLOURS]):
        assert difference(line, background, "normal") >= MIN_DIFFERENCE, (line, background)


def test_every_marker_a_family_draws_is_drawn_by_every_view():
    """The player, Vega-Lite and matplotlib each know every marker a first series or a repeat can take."""
    import re
    from pathlib import Path

    from ui.drawing import VEGA_SHAPES

    markers = {family.marker for family in palette.KIND_STYLES.values()} | {
        marker for family in palette.KIND_STYLES.values() for marker in family.repeat_markers}
    model_js = (Path(__file__).resolve().parents[1] / "export" / "player" / "model.js").read_text()
    polygons = set(re.findall(r'"?([a-z-]+)"?: \[\d, ', model_js[model_js.index("const POLYGONS"):]))
    assert markers - {"circle"} <= polygons
    assert markers <= set(VEGA_SHAPES) and markers <= set(palette.MATPLOTLIB_MARKERS)
    assert markers <= set(palette.MATPLOTLIB_HATCHES)
