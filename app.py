"""cmx in the browser: `streamlit run app.py`. This file only lays out and wires the pages; see ui/."""

from pathlib import Path

import streamlit as st

from ui import first_look
from ui.navigation import chosen_page, page_choice
from ui.pages import basin_map, escape_lab, explorer, learn
from ui.settings import current_settings, settings_controls

ASSETS = Path(__file__).parent / "ui" / "assets"
ICON = str(ASSETS / "cmx-icon.png")  # a local file: the app fetches nothing
PAGES = {
    "explorer": (":material/explore: Explorer", explorer),
    "escape": (":material/trending_up: Escape lab", escape_lab),
    "basins": (":material/grid_on: Basin map", basin_map),
    "learn": (":material/school: Learn", learn),
}

st.set_page_config(page_title="cmx — the critical-momenta explorer", page_icon=ICON, layout="wide")
st.sidebar.markdown("## cmx\nthe critical-momenta explorer")
page = chosen_page(PAGES)
if first_look.begin(page is explorer):  # the figure alone, the rest on the next run (ui/first_look.py)
    settings = current_settings()
else:
    page_choice(PAGES)
    settings = settings_controls()
page.render(settings)
