"""Learn: each optimizer's update in LaTeX, what every knob does (from its schema), and one-click demonstrations
that open the Explorer on a configuration showing the effect."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimizers import OPTIMIZERS
from ui import literal, url_sync
from ui.navigation import open_page
from ui.presets import DEMOS
from ui.settings import Settings

ADAM_STEP = r"x_{t+1} = x_t - \frac{\mathrm{lr}}{1-\beta_1^{t+1}}\,\frac{d_{t+1}}{\sqrt{v_{t+1}}/\sqrt{1-\beta_2^{t+1}} + \epsilon}"

# The update of each optimizer (SPEC §2); an optimizer without an entry shows its one-line description only.
UPDATES: dict[str, tuple[str, list[str]]] = {
    "sgd": ("Gradient descent: step against the gradient.", [r"x_{t+1} = x_t - \mathrm{lr}\; g_t,\qquad g_t = \nabla f(x_t)"]),
    "momentum": ("Heavy-ball momentum (torch.optim.SGD): a velocity that accumulates gradients.",
                 [r"b_{t+1} = \mu\, b_t + g_t \quad (b_1 = g_0)",
                  r"x_{t+1} = x_t - \mathrm{lr}\,\big(g_t + \mu\, b_{t+1}\ \text{if Nesterov, else}\ b_{t+1}\big)"]),
    "adam": ("Adam: momentum m divided by the root of the running mean square v of the gradients.",
             [r"m_{t+1} = \beta_1 m_t + (1-\beta_1)\, g_t", r"v_{t+1} = \beta_2 v_t + (1-\beta_2)\, g_t^2",
              ADAM_STEP.replace("d_{t+1}", "m_{t+1}")]),
    "adam_sam": ("SAM around Adam: the gradient is taken at an ascent point a distance ρ uphill.",
                 [r"e_t = \rho\, \frac{\nabla f(x_t)}{\lVert \nabla f(x_t) \rVert}",
                  r"g_t = \nabla f(x_t + e_t) \quad\text{(two gradient evaluations per step)}",
                  r"\text{then Adam's update with } g_t"]),
    "adam_cm": ("Adam with critical momenta: a buffer keeps the C momenta seen with the largest gradient norms "
                "(priorities decay by λ each step); their mean is added to the momentum.",
                [r"m_{t+1} = \beta_1 m_t + (1-\beta_1)\, g_t",
                 r"a_{t+1} = m_{t+1} + \operatorname{mean}(\text{buffer}) \qquad (a_1 = 0,\ \text{buffer} \leftarrow g_0)",
                 r"\text{buffer.offer}(\lVert g_t \rVert,\ m_{t+1}); \quad \text{priorities} \leftarrow \lambda\cdot\text{priorities}",
                 r"v_{t+1} = \beta_2 v_t + (1-\beta_2)\, a_{t+1}^2", ADAM_STEP.replace("d_{t+1}", "a_{t+1}")]),
    "adam_sam_cm": ("SAM around Adam+CM: critical momenta fed with the gradient at SAM's ascent point.",
                    [r"g_t = \nabla f\Big(x_t + \rho\, \tfrac{\nabla f(x_t)}{\lVert \nabla f(x_t) \rVert}\Big)",
                     r"\text{then Adam+CM's update with } g_t"]),
    "adam_cg": ("Adam with critical gradients (the authors' Adam_C): the buffer keeps gradients, and their mean is "
                "added to the gradient Adam sees.",
                [r"h_t = g_t + \operatorname{mean}(\text{buffer}) \qquad (h_0 = g_0)",
                 r"\text{buffer.offer}(\lVert g_t \rVert,\ g_t); \quad \text{priorities} \leftarrow \lambda\cdot\text{priorities}",
                 r"\text{then Adam's update with } h_t"]),
}


def knob_table(name: str) -> pd.DataFrame:
    """Every hyperparameter of an optimizer: default, allowed values and what it does (from its schema)."""
    return pd.DataFrame([{"knob": f.name, "default": f.format(f.default), "allowed": f.range_text(), "what it does": f.help}
                         for f in OPTIMIZERS.entry(name).fields])


def render(settings: Settings) -> None:
    st.title("Learn")
    url_sync.read_link_if_changed(lambda reader: None)
    url_sync.write_link({"page": "learn"})
    st.subheader("See it happen")
    columns = st.columns(2)
    for number, demo in enumerate(DEMOS):
        with columns[number % 2], st.container(border=True):
            literal.bold(demo.title)
            literal.caption(demo.note)
            st.button("Open in the Explorer", key=f"learn.demo.{demo.id}", on_click=open_page, args=(demo.link(),),
                      icon=":material/play_arrow:")
    st.subheader("The update rules")
    for entry in OPTIMIZERS.entries():
        with st.expander(f"{entry.name} — {entry.help}"):
            text, equations = UPDATES.get(entry.name, (entry.help, []))
            literal.paragraph(text)
            for equation in equations:
                st.latex(equation)
            st.dataframe(knob_table(entry.name), hide_index=True)
