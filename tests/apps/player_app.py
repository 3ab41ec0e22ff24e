"""A minimal Streamlit script around the player component, for the browser test: it counts its own runs and
writes what the player sent back, so a test can tell a display-only interaction (no run) from an event."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project, whichever folder streamlit started in

from tests.browser_support import two_basin_payload
from ui.player_component import SENT_IMAGES, player


@st.cache_resource
def payload() -> dict:
    return two_basin_payload(note="Watch Adam+CM leave the sharp basin.", title="Two basins")


if "forget" in st.query_params and "runs" not in st.session_state:
    # As if the picture had been sent before and the browser had lost it (a reload): it must ask for it again.
    st.session_state[SENT_IMAGES] = {"map": {payload()["landscape"]["image_key"]}}
st.session_state.runs = st.session_state.get("runs", 0) + 1
events = player(payload(), key="map")
st.text(f"runs={st.session_state.runs}")
st.text(f"sent_image={events.sent_image}")
st.text(f"click={events.click}")
