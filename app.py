"""cmx in the browser: `streamlit run app.py`. This file only lays out and wires the pages; see ui/."""

from pathlib import Path

import streamlit as st

from ui.navigation import chosen_page
from ui.pages import basin_map, escape_lab, explorer, learn
from ui.settings import settings_controls

ASSETS = Path(__file__).parent / "ui" / "assets"
ICON = str(ASSETS / "cmx-icon.png")  # a local file: the app fetches nothing
PAGES = {
    "explorer": (":material/explore: Explorer", explorer),
    "escape": (":material/trending_up: Escape lab", escape_lab),
    "basins": (":material/grid_on: Basin map", basin_map),
    "learn": (":material/school: Learn", learn),
}

st.set_page_config(page_title="cmx — the critical-momenta explorer", page_icon=ICON, layout="wide")
st.html(f"<style>{(ASSETS / 'app.css').read_text(encoding='utf-8')}</style>")
st.sidebar.markdown("## cmx\nthe critical-momenta explorer")
page = chosen_page(PAGES)
settings = settings_controls()
page.render(settings)
