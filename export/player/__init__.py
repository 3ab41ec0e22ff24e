"""The in-browser trajectory player: one player.js for the Streamlit app, a standalone HTML file and notebooks.

`build_payload` turns RunResults into the player's JSON payload (see payload.py for its format), `standalone_html`
and `notebook_html` wrap it with the player, and `explore` runs optimizers and returns a notebook-ready player.
"""

from export.player.explore import (
    Exploration,
    check_page,
    default_follow,
    explore,
    player_payload,
    player_work,
    record_every,
)
from export.player.html import asset, notebook_html, standalone_html
from export.player.payload import basin_names, basin_tracks, build_payload, to_json, without_image
from export.player.picture import Picture, landscape_picture

__all__ = ["Exploration", "Picture", "asset", "basin_names", "basin_tracks", "build_payload", "check_page",
           "default_follow", "explore", "landscape_picture", "notebook_html", "player_payload", "player_work",
           "record_every", "standalone_html", "to_json", "without_image"]
