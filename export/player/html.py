"""The player as HTML that needs nothing else: a standalone file (opens from file://) and a notebook cell's output.

Everything is inline: the CSS in a <style>, the player's modules joined into one <script type="module"> followed by
the few lines that mount it, and the payload in a <script type="application/json"> whose '<', '>' and '&' are JSON
escapes, so no text in it can close the script or open a comment.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Mapping
from importlib import resources
from typing import Any

from export.player.payload import to_json

# The player's modules, each after the ones it imports; in the app the browser imports them itself.
MODULES = ("surfaces.js", "engine.js", "live.js", "model.js", "canvas.js", "map.js", "tracks.js", "overlays.js",
           "words.js", "controls.js", "player.js")
PLAYER_ASSETS = (*MODULES, "player.css")  # inlined in every page
_IMPORT = re.compile(r'^import \{[^}]*\} from "\./[a-z]+\.js";\n', re.MULTILINE)
_EXPORT = re.compile(r"^export (default )?(?=function |class |const )", re.MULTILINE)
_RE_EXPORT = re.compile(r"^export \{[^}]*\};.*\n", re.MULTILINE)  # a name passed on: one scope holds it already


def asset(name: str) -> str:
    """The text of one of the package's files (player.css, a module)."""
    return resources.files("export.player").joinpath(name).read_text(encoding="utf-8")


def player_script() -> str:
    """The player's modules as one script: their imports of each other and the names they pass on dropped (one scope
    holds them all) and their exports made plain declarations."""
    return "\n".join(_EXPORT.sub("", _RE_EXPORT.sub("", _IMPORT.sub("", asset(name)))) for name in MODULES)


def script_json(payload: Mapping[str, Any]) -> str:
    """The payload's JSON, safe inside a <script> element."""
    return to_json(payload).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def player_markup(payload: Mapping[str, Any], root_id: str) -> str:
    """The root element, the payload and the module that mounts the player on them (ids unique per instance)."""
    data_id = f"{root_id}-data"
    boot = (f"\nmountPlayer(document.getElementById({root_id!r}), "
            f"document.getElementById({data_id!r}).textContent);\n")  # the player parses it and says if it cannot
    return (f'<div class="cmxp-host" id="{root_id}">'
            "<noscript>The trajectory player needs JavaScript.</noscript></div>\n"
            f'<script type="application/json" id="{data_id}">{script_json(payload)}</script>\n'
            f'<script type="module">\n{player_script()}{boot}</script>\n')


def new_root_id() -> str:
    return f"cmxp-{uuid.uuid4().hex[:12]}"


def standalone_html(payload: Mapping[str, Any]) -> str:
    """One self-contained HTML file that plays the payload offline (nothing is fetched)."""
    title = html.escape(payload.get("title") or payload["landscape"].get("label") or "cmx trajectories")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            # Nothing outside this file may load: a data: image is the only source besides inline code.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
            f"<title>{title}</title>\n<style>\nbody {{ margin: 16px; }}\n{asset('player.css')}</style>\n</head>\n"
            f"<body>\n{player_markup(payload, new_root_id())}</body>\n</html>\n")


def notebook_html(payload: Mapping[str, Any]) -> str:
    """A notebook output: the player with its own root id, its style scoped under .cmxp."""
    return f"<style>\n{asset('player.css')}</style>\n{player_markup(payload, new_root_id())}"
