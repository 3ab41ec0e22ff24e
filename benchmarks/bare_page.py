"""The yardstick of `make bench-app`: the least a Streamlit page can show, one image (the README's picture of the
Explorer), with no computation. The Explorer's first figure is timed against this page's, side by side."""

from pathlib import Path

import streamlit as st

st.image(str(Path(__file__).resolve().parents[1] / "docs" / "explorer.png"))
