"""The player as HTML that needs nothing else: a standalone file (opens from file://), a notebook cell's output, and
an article of text and several players (`cmx lesson`).

Everything is inline: the CSS in a <style>, the player's modules joined into one <script type="module"> followed by
the few lines that mount the players, and each payload in a <script type="application/json"> whose '<', '>' and '&'
are JSON escapes, so no text in it can close the script or open a comment. An article's text is escaped: plain text.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from export.player.payload import to_json

# The player's modules, each after the ones it imports; in the app the browser imports them itself.
MODULES = ("surfaces.js", "engine.js", "live.js", "model.js", "canvas.js", "map.js", "tracks.js", "overlays.js",
           "words.js", "controls.js", "player.js")
PLAYER_ASSETS = (*MODULES, "player.css")  # inlined in every page
_IMPORT = re.compile(r'^import (\{[^}]*\} from )?"\./[a-z]+\.js";\n', re.MULTILINE)
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


def player_root(payload: Mapping[str, Any], root_id: str) -> str:
    """The element a player mounts on and its payload (ids unique per instance)."""
    return (f'<div class="cmxp-host" id="{root_id}">'
            "<noscript>The trajectory player needs JavaScript.</noscript></div>\n"
            f'<script type="application/json" id="{root_id}-data">{script_json(payload)}</script>\n')


def players_script(root_ids: Sequence[str]) -> str:
    """The one module that defines the player and mounts it on each root, from the payload beside it."""
    boot = "".join(f"\nmountPlayer(document.getElementById({root_id!r}), "
                   f"document.getElementById({root_id + '-data'!r}).textContent);"  # parsed there: it says if it cannot
                   for root_id in root_ids)
    return f'<script type="module">\n{player_script()}{boot}\n</script>\n'


def player_markup(payload: Mapping[str, Any], root_id: str) -> str:
    """The root element, the payload and the module that mounts the player on them."""
    return player_root(payload, root_id) + players_script([root_id])


def new_root_id() -> str:
    return f"cmxp-{uuid.uuid4().hex[:12]}"


def page_html(title: str, body: str, style: str = "") -> str:
    """A self-contained page: `body` (markup) under the player's style and `style`, titled `title` (plain text)."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            # Nothing outside this file may load: a data: image is the only source besides inline code.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
            f"<title>{html.escape(title)}</title>\n<style>\nbody {{ margin: 16px; }}\n{style}{asset('player.css')}"
            f"</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


def standalone_html(payload: Mapping[str, Any]) -> str:
    """One self-contained HTML file that plays the payload offline (nothing is fetched)."""
    title = payload.get("title") or payload["landscape"].get("label") or "cmx trajectories"
    return page_html(title, player_markup(payload, new_root_id()))


@dataclass(frozen=True)
class Section:
    """A part of an article: a heading, paragraphs and, under them, a player (or none), a line of things to try in
    it and the sources of its numbers; all plain text."""

    heading: str
    paragraphs: tuple[str, ...]
    payload: Mapping[str, Any] | None = None
    try_this: str = ""
    sources: tuple[str, ...] = ()


ARTICLE_STYLE = """.cmx-article { max-width: 1200px; margin: 0 auto; font: 16px/1.5 system-ui, sans-serif; }
.cmx-article h2 { margin: 1.6em 0 0.4em; }
.cmx-article p { max-width: 52em; }
.cmx-try { font-style: italic; }
.cmx-sources { font-size: 0.85em; color: #4D4D4D; }
"""


def article_html(title: str, intro: Sequence[str], sections: Sequence[Section]) -> str:
    """One self-contained page of text and live players (opens from file://, fetches nothing): a title, paragraphs,
    then each section. The player's code is in the page once, whatever the number of players."""
    roots: list[str] = []
    parts = [f"<h1>{html.escape(title)}</h1>\n", *(f"<p>{html.escape(p)}</p>\n" for p in intro)]
    for section in sections:
        parts.append(f"<section>\n<h2>{html.escape(section.heading)}</h2>\n")
        parts += [f"<p>{html.escape(p)}</p>\n" for p in section.paragraphs]
        if section.payload is not None:
            roots.append(new_root_id())
            parts.append(player_root(section.payload, roots[-1]))
        if section.try_this:
            parts.append(f'<p class="cmx-try">{html.escape(section.try_this)}</p>\n')
        if section.sources:
            parts.append(f'<p class="cmx-sources">Numbers: {html.escape("; ".join(section.sources))}.</p>\n')
        parts.append("</section>\n")
    body = f'<main class="cmx-article">\n{"".join(parts)}</main>\n{players_script(roots) if roots else ""}'
    return page_html(title, body, ARTICLE_STYLE)


def notebook_html(payload: Mapping[str, Any]) -> str:
    """A notebook output: the player with its own root id, its style scoped under .cmxp."""
    return f"<style>\n{asset('player.css')}</style>\n{player_markup(payload, new_root_id())}"
