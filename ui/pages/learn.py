"""Learn: one-click demonstrations, each optimizer's update in LaTeX with what every knob does (from its schema), and
why Adam+CM leaves sharp basins in three blocks, each a plain sentence, a formula and a small figure: its early kick,
the radius it circles any minimum at, and the sharp basin's edge coming inside that radius.
The numbers come from experiments.theory (docs/theory.md derives them); the page only lays them out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from experiments.theory import (
    RADIUS_LRS,
    RADIUS_RUNS,
    RADIUS_SHARPNESS,
    RADIUS_STEPS,
    RADIUS_WINDOW,
    adam_stability_bound,
    constant_gradient_steps,
    optimizer_weights,
    oscillation_at_minimum,
    predicted_radius_per_lr,
    radius_per_lr,
    stability_edge,
    two_basin_edge_distance,
)
from export import palette
from export.labels import display_name
from optimizers import OPTIMIZERS
from ui import drawing, literal, url_sync
from ui.learn_reproduced import reproduced_section
from ui.navigation import open_page
from ui.presets import DEMOS
from ui.settings import Settings

# The step lengths under a constant gradient, per variant: the authors' arithmetic and the knobs that remove the kick.
KICK_VARIANTS = (("Adam", "adam"), ("Adam+CM (the authors' arithmetic)", "adam_cm"),
                 ("Adam+CM, first step taken (first_step=step)", "adam_cm:first_step=step"),
                 ("Adam+CM, v of the step's direction (second_moment=direction)", "adam_cm:second_moment=direction"),
                 ("Adam+CM, v of the gradient (second_moment=gradient)", "adam_cm:second_moment=gradient"))
KICK_STEPS = 12
CHART_HEIGHT = 260  # pixels, the plot without its legend: small figures, one per idea
LINE_WIDTH = 2  # pixels; the palette's dashes are in line widths
# The radius and the reach, measured on the bowl at a few curvatures far apart (the law says they do not matter).
RADIUS_VARIANTS = (("Adam", "adam"), ("Adam+CM C=1", "adam_cm:top_c=1"), ("Adam+CM C=5", "adam_cm"),
                   ("Adam+CM C=10", "adam_cm:top_c=10"))
RADIUS_CURVATURES = (0.1, 1.0, 10.0, 100.0, 1000.0)
RADIUS_LR = 0.05
EDGE_SHARPNESS = (1.0, 4.0, 16.0, 64.0, 256.0, 1024.0)
EDGE_LR = 0.05
EDGE_KIND = "basin edge"  # not an optimizer: drawn in the palette's neutral style
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
                     "oscillation period (steps)": 2 * math.pi / edge.angle,
                     "rms radius / lr": predicted_radius_per_lr(spec)})
    return pd.DataFrame(rows)


def lines_spec(table: pd.DataFrame, kinds: list[str], names: list[str], x_title: str, y_title: str,
               log: bool = False) -> dict:
    """The table's columns as lines over its index, a Vega-Lite spec: each line in the palette's style of its kind
    (repeats of a kind: a shade, a dash and a hollow marker each), named at its end by `names`, a marker at every
    point with its value in a tooltip; `log` draws both axes on log scales (the index's values as ticks)."""
    labels = list(table.columns)
    styles = palette.styles_for(kinds)
    rows = [{"series": label, "x": float(x), "y": float(value)}
            for label in labels for x, value in table[label].items()]
    series = {"field": "series", "type": "nominal", "sort": labels, "legend": drawing.vega_legend(labels, True)}
    xs = [float(x) for x in table.index]
    lowest, highest = min(row["y"] for row in rows), max(row["y"] for row in rows)
    # explicit domains: Streamlit builds the view before it inserts the rows, and Vega warns of an empty extent
    if log:
        y_domain = [10 ** math.floor(math.log10(lowest)), 10 ** math.ceil(math.log10(highest))]
    else:
        y_domain = [min(0, math.floor(lowest)), math.ceil(highest)]
    scale = {"type": "log"} if log else {}
    x = {"field": "x", "type": "quantitative", "title": x_title, "scale": {**scale, "domain": [xs[0], xs[-1]]},
         "axis": {"values": xs, "format": "~g"}}
    y = {"field": "y", "type": "quantitative", "title": y_title, "scale": {**scale, "domain": y_domain}}
    dashes = [drawing.vega_dash(style, LINE_WIDTH) for style in styles]
    ends = [{"series": label, "name": name, "x": xs[-1], "end": float(table[label].iloc[-1])}
            for label, name in zip(labels, names)]
    tooltip = [{"field": "series"}, {"field": "x", "title": x_title},
               {"field": "y", "title": y_title, "format": ".4g"}]
    points = {"mark": {"type": "point", "opacity": 1}, "encoding": {"tooltip": tooltip}}
    return {"data": {"values": rows}, "height": CHART_HEIGHT, "autosize": drawing.VEGA_FIT_WIDTH,
            "usermeta": drawing.VEGA_SVG,
            "encoding": {"x": x, "y": y, "color": {**series, "scale": {"domain": labels,
                                                                       "range": [s.colour for s in styles]}}},
            "layer": [{"mark": {"type": "line", "strokeWidth": LINE_WIDTH},
                       "encoding": {"strokeDash": {**series, "scale": {"domain": labels, "range": dashes}}}},
                      *drawing.marker_layers(points, series, styles, area=24),
                      drawing.vega_end_labels(ends, y, CHART_HEIGHT)]}


def kick_spec(table: pd.DataFrame) -> dict:
    """The step lengths of every variant, each named at its end by its kind or the knob it changes."""
    specs = [spec for _, spec in KICK_VARIANTS]
    return lines_spec(table, [OPTIMIZERS.resolve(spec)[0] for spec in specs],
                      [spec.partition(":")[2] or display_name(spec) for spec in specs],
                      "step", "step length / lr (per coordinate)")


@st.cache_data(show_spinner="Measuring the oscillation at a minimum (once, a few seconds)")
def radius_tables() -> tuple[pd.DataFrame, pd.Series]:
    """The rms distance from the minimum of the bowl h|x|²/2 (2-D) in units of lr, over the last 1000 of 4000
    steps, for Adam and Adam+CM at each C shown, against the curvature h; and each one's reach in units of lr (the
    median run's largest distance, fitted over the radius law's grid of curvatures and lrs as
    experiments.theory.radius_law does), which a basin's edge is held against."""
    rms, reach = {}, {}
    for label, spec in RADIUS_VARIANTS:
        radii = oscillation_at_minimum(spec, np.array(RADIUS_CURVATURES), np.array([RADIUS_LR]), steps=4000,
                                       window=1000)[0]
        rms[label] = radii[:, 0] / RADIUS_LR
        peaks = oscillation_at_minimum(spec, np.array(RADIUS_SHARPNESS), np.array(RADIUS_LRS),
                                       steps=RADIUS_STEPS, window=RADIUS_WINDOW,
                                       runs=RADIUS_RUNS)[1]
        reach[label] = radius_per_lr(RADIUS_LRS, peaks)
    return pd.DataFrame(rms, index=pd.Index(RADIUS_CURVATURES, name="curvature h")), pd.Series(reach)


def radius_spec(table: pd.DataFrame) -> dict:
    return lines_spec(table, [OPTIMIZERS.resolve(spec)[0] for _, spec in RADIUS_VARIANTS],
                      [label for label, _ in RADIUS_VARIANTS], "curvature h of the minimum",
                      "rms distance from the minimum / lr", log=True)


def edge_table(reach: pd.Series) -> pd.DataFrame:
    """two_basin's sharp-basin edge 2/(1+sqrt(s)) against its sharpness s, beside each optimizer's reach at
    EDGE_LR (the reach does not depend on the curvature)."""
    edge = [two_basin_edge_distance(f"two_basin:sharpness={s:g}") for s in EDGE_SHARPNESS]
    columns = {"sharp basin's edge": edge}
    for label, per_lr in reach.items():
        columns[f"{label} reach at lr {EDGE_LR:g}"] = [per_lr * EDGE_LR] * len(EDGE_SHARPNESS)
    return pd.DataFrame(columns, index=pd.Index(EDGE_SHARPNESS, name="sharpness"))


def edge_spec(table: pd.DataFrame) -> dict:
    kinds = [EDGE_KIND] + [OPTIMIZERS.resolve(spec)[0] for _, spec in RADIUS_VARIANTS]
    names = ["edge"] + [label for label, _ in RADIUS_VARIANTS]
    return lines_spec(table, kinds, names, "sharpness s of the basin", "distance from the minimum", log=True)


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
    st.markdown("#### 1. Its second step is a kick")
    literal.paragraph("Adam+CM's second step moves every coordinate about 7.44 lr, whatever the size of the gradient.")
    st.latex(r"K_2 = \frac{\sqrt{1+\beta_2}}{1-\beta_1^2} = 7.4414 \quad (\beta_1 = 0.9,\ \beta_2 = 0.999)")
    table = kick_table()
    st.vega_lite_chart(kick_spec(table), key="learn.kick", width="stretch")
    with st.expander("Why, and the knobs that remove it"):
        literal.paragraph(
            "With the authors' arithmetic the first step stores the gradient and does not move; the second divides "
            "the aggregate (momentum plus the stored gradient) by a bias correction meant for the momentum alone, "
            "while the second moment averages the aggregate. The knobs first_step, bias_correction and "
            "second_moment each remove part of it (docs/theory.md, section 1); the Escape lab measures what is left.")
        st.dataframe(table.round(3), key="learn.kick_table")

    st.markdown("#### 2. It never settles at a minimum, sharp or flat")
    rms, reach = radius_tables()
    literal.paragraph(
        f"Near any minimum Adam+CM circles at a distance proportional to lr that does not depend on the curvature: "
        f"about {rms.iloc[:, 2].mean():.2f} lr at the defaults (C = 5), where Adam settles within "
        f"{rms.iloc[:, 0].max():.2f} lr.")
    st.latex(r"r_{\mathrm{rms}} = \frac{\sqrt{d}}{2 \sin(\theta^*/2)}\,\mathrm{lr}"
             r"\qquad \theta^*: \text{the angle at which the buffer's feedback loses stability}")
    st.vega_lite_chart(radius_spec(rms), key="learn.radius", width="stretch")
    with st.expander("Where a minimum stops being stable, and why that does not order escape"):
        literal.paragraph(
            "Near a minimum of curvature h with the preconditioner settled, the update is linear in the "
            "preconditioned sharpness S = lr h / sqrt(v). Adam is stable below S = 2(1+β1)/(1-β1) = 38; Adam+CM's "
            "buffer feeds old momenta back and its bound S* falls with C. Past its bound Adam+CM does not diverge: "
            "its preconditioner grows until S sits at the edge, and it oscillates there at the angle θ*, with the "
            "radius above. Every minimum reaches that edge, sharp or flat, so S* alone does not say which basins are "
            "left: C = 20 has the lowest S* yet escapes less than C = 5, because what a basin must hold is the "
            "radius (from C = 16 on the first unstable window is too weak to hold a run: docs/theory.md, "
            "sections 3 and 4).")
        st.dataframe(stability_table().round(3), hide_index=True, key="learn.stability")

    st.markdown("#### 3. A sharp basin is left because it is narrow")
    literal.paragraph(
        f"A basin whose edge lies within the oscillation's reach is left: the sharp basin's edge comes nearer as it "
        f"sharpens, while the reach stays {reach.iloc[2]:.2f} lr (C = 5).")
    st.latex(r"\text{left when}\quad \frac{2}{1+\sqrt{s}} \;<\; \hat r(C)\,\mathrm{lr}"
             r"\qquad (\texttt{two\_basin}\text{, sharpness } s)")
    st.vega_lite_chart(edge_spec(edge_table(reach)), key="learn.edge", width="stretch")
    literal.caption(
        f"Where an optimizer's line lies above the edge, its oscillation reaches out of the basin (lr {EDGE_LR:g}). "
        f"The kick of section 1 can leave earlier; the Escape lab's phase diagrams draw both boundaries.")


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
    reproduced_section()
