"""A minimal Streamlit script around the player component, for the browser test: it counts its own runs and
writes what the player sent back, so a test can tell a display-only interaction (no run) from an event."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project, whichever folder streamlit started in

from experiments.run import run
from experiments.teaching import teaching_trace
from export.player import basin_tracks, build_payload, landscape_picture
from landscapes import build_landscape
from ui.player_component import SENT_IMAGES, player


@st.cache_resource
def payload() -> dict:
    landscape = build_landscape("two_basin:sharpness=16")
    starts = np.array([[-1.25, 0.3], [-0.8, -0.25], [-1.1, -0.4]])
    results = {label: run(landscape, spec, starts, 120) for label, spec in
               (("Adam (lr=0.05)", "adam:lr=0.05"), ("Adam+CM (lr=0.05)", "adam_cm:lr=0.05"))}
    trace = teaching_trace(landscape, "adam_cm:lr=0.05", starts[0], 120)
    tracks = {label: basin_tracks(landscape, result) for label, result in results.items()}
    return build_payload(landscape, results, landscape_picture(landscape), teaching=trace,
                         follow=("Adam+CM (lr=0.05)", 0), basins=tracks, note="Watch Adam+CM leave the sharp basin.",
                         title="Two basins")


if "forget" in st.query_params and "runs" not in st.session_state:
    # As if the picture had been sent before and the browser had lost it (a reload): it must ask for it again.
    st.session_state[SENT_IMAGES] = {"map": {payload()["landscape"]["image_key"]}}
st.session_state.runs = st.session_state.get("runs", 0) + 1
events = player(payload(), key="map")
st.text(f"runs={st.session_state.runs}")
st.text(f"sent_image={events.sent_image}")
st.text(f"click={events.click}")
