"""Learn: one-click demonstrations, each optimizer's update in LaTeX with what every knob does (from its schema), and
why Adam+CM leaves sharp basins: its early kick, where a minimum stops being stable, and how wide it oscillates.
The numbers come from experiments.theory (docs/theory.md derives them); the page only lays them out."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from experiments.theory import (
    adam_stability_bound,
    constant_gradient_steps,
    optimizer_weights,
    predicted_radius_per_lr,
    stability_edge,
)
from export import palette
from export.labels import display_name
from optimizers import OPTIMIZERS
from ui import drawing, literal, url_sync
from ui.navigation import open_page
from ui.presets import DEMOS
from ui.settings import Settings

# The step lengths under a constant gradient, per variant: the authors' arithmetic and the knobs that remove the kick.
KICK_VARIANTS = (("Adam", "adam"), ("Adam+CM (the authors' arithmetic)", "adam_cm"),
                 ("Adam+CM, first step taken (first_step=step)", "adam_cm:first_step=step"),
                 ("Adam+CM, v of the step's direction (second_moment=direction)", "adam_cm:second_moment=direction"),
                 ("Adam+CM, v of the gradient (second_moment=gradient)", "adam_cm:second_moment=gradient"))
KICK_STEPS = 12
KICK_HEIGHT = 340  # pixels, the plot without its legend
KICK_LINE_WIDTH = 2  # pixels; the palette's dashes are in line widths
BUFFER_SIZES = (1, 2, 5, 10)  # from C = 16 on the first unstable window is too weak to hold a run (theory.md)


def knob_table(name: str) -> pd.DataFrame:
    """Every hyperparameter of an optimizer: default, allowed values and what it does (from its schema)."""
    return pd.DataFrame([{"knob": f.name, "default": f.format(f.default), "allowed": f.range_text(),
                          "what it does": f.help} for f in OPTIMIZERS.entry(name).fields])


@st.cache_data(show_spinner=False)
def kick_table() -> pd.DataFrame:
    """Step t's length in units of lr per coordinate, for each variant (experiments.theory.constant_gradient_steps)."""
    return pd.DataFrame({label: constant_gradient_steps(spec, KICK_STEPS) for label, spec in KICK_VARIANTS},
                        index=pd.RangeIndex(1, KICK_STEPS + 1, name="step"))


@st.cache_data(show_spinner=False)
def stability_table() -> pd.DataFrame:
    """Where a minimum of f = h x²/2 stops being stable (preconditioned sharpness S* = lr h / sqrt(v)), and the
    oscillation's radius in units of lr, for Adam and Adam+CM with C = 1 ... 20."""
    rows = [{"optimizer": "Adam", "C": "—", "stable below S*": adam_stability_bound(),
             "oscillation period (steps)": 2.0, "rms radius / lr": float("nan")}]
    for size in BUFFER_SIZES:
        spec = f"adam_cm:top_c={size}"
        edge = stability_edge(*optimizer_weights(spec))
        rows.append({"optimizer": "Adam+CM", "C": str(size), "stable below S*": edge.sharpness,
                     "oscillation period (steps)": 2 * 3.141592653589793 / edge.angle,
                     "rms radius / lr": predicted_radius_per_lr(spec)})
    return pd.DataFrame(rows)


def kick_spec(table: pd.DataFrame) -> dict:
    """The step lengths of every variant as a Vega-Lite spec: one line per variant in the palette's style of its kind
    (Adam+CM's variants repeats of it: a shade, a dash and a hollow marker each), named at its end by its kind or the
    knob it changes, a tick at every step, each step's length in a tooltip."""
    labels = list(table.columns)
    styles = palette.styles_for([OPTIMIZERS.resolve(spec)[0] for _, spec in KICK_VARIANTS])
    rows = [{"variant": label, "step": int(step), "length": float(length)}
            for label in labels for step, length in table[label].items()]
    variant = {"field": "variant", "type": "nominal", "sort": labels, "legend": drawing.vega_legend(labels, True)}
    steps = list(table.index)
    lowest, highest = min(row["length"] for row in rows), max(row["length"] for row in rows)
    # explicit domains: Streamlit builds the view before it inserts the rows, and Vega warns of an empty extent
    x = {"field": "step", "type": "quantitative", "title": "step", "scale": {"domain": [steps[0], steps[-1]]},
         "axis": {"values": steps, "format": "d"}}
    y = {"field": "length", "type": "quantitative", "title": "step length / lr (per coordinate)",
         "scale": {"domain": [min(0, math.floor(lowest)), math.ceil(highest)]}}
    dashes = [drawing.vega_dash(style, KICK_LINE_WIDTH) for style in styles]
    ends = [{"variant": label, "name": spec.partition(":")[2] or display_name(spec), "step": steps[-1],
             "end": float(table[label].iloc[-1])} for label, (_, spec) in zip(labels, KICK_VARIANTS)]  # the knob
    tooltip = [{"field": "variant"}, {"field": "step"},
               {"field": "length", "title": "step length / lr", "format": ".3f"}]
    points = {"mark": {"type": "point", "opacity": 1}, "encoding": {"tooltip": tooltip}}
    return {"data": {"values": rows}, "height": KICK_HEIGHT, "autosize": drawing.VEGA_FIT_WIDTH,
            "usermeta": drawing.VEGA_SVG,
            "encoding": {"x": x, "y": y, "color": {**variant, "scale": {"domain": labels,
                                                                        "range": [s.colour for s in styles]}}},
            "layer": [{"mark": {"type": "line", "strokeWidth": KICK_LINE_WIDTH},
                       "encoding": {"strokeDash": {**variant, "scale": {"domain": labels, "range": dashes}}}},
                      *drawing.marker_layers(points, variant, styles, area=24),
                      drawing.vega_end_labels(ends, y, KICK_HEIGHT)]}


def demos() -> None:
    st.subheader("See it happen")
    columns = st.columns(2)
    for number, demo in enumerate(DEMOS):
        with columns[number % 2], st.container(border=True):
            literal.bold(demo.title)
            literal.caption(demo.note)
            st.button("Open in the Explorer", key=f"learn.demo.{demo.id}", on_click=open_page, args=(demo.link(),),
                      icon=":material/play_arrow:")


def theory() -> None:
    st.subheader("Why Adam+CM leaves sharp basins")
    literal.paragraph(
        "Its early steps are long. With the authors' arithmetic the first step stores the gradient and does not move; "
        "the second moves every coordinate by about 7.44 lr, whatever the gradient's size, because the second moment "
        "averages the aggregate while the step divides the aggregate by a bias correction meant for the momentum "
        "alone. A run leaves a basin whose edge is nearer than that kick. The knobs first_step, bias_correction and "
        "second_moment each remove part of it (docs/theory.md); the Escape lab measures what is left.")
    table = kick_table()
    st.vega_lite_chart(kick_spec(table), key="learn.kick", width="stretch")
    st.dataframe(table.round(3), key="learn.kick_table")
    literal.paragraph(
        "Its minima are less stable. Near a minimum of curvature h with the preconditioner settled, the update is "
        "linear in the preconditioned sharpness S = lr h / sqrt(v). Adam is stable below S = 2(1+β1)/(1-β1) = 38; "
        "Adam+CM's buffer feeds old momenta back, and its bound falls with C. Past the bound Adam+CM does not diverge: "
        "its preconditioner grows until S sits at the edge, and it oscillates there with a radius of a few lr "
        "whatever the sharpness. A basin narrower than that radius is left, a wider one is not. (From C = 16 on, the "
        "first unstable window is too weak to hold a run, which passes through it: docs/theory.md.)")
    st.dataframe(stability_table().round(3), hide_index=True, key="learn.stability")


def render(settings: Settings) -> None:
    st.title("Learn")
    url_sync.read_link_if_changed(lambda reader: None)
    url_sync.write_link({"page": "learn"})
    demos()
    st.subheader("The update rules")
    for entry in OPTIMIZERS.entries():
        with st.expander(f"{display_name(entry.name)} ({entry.name}): {entry.help}"):
            literal.paragraph(entry.record.summary)
            for equation in entry.record.equations:
                st.latex(equation)
            st.dataframe(knob_table(entry.name), hide_index=True)
    theory()
