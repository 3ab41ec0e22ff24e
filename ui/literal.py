"""Text on the page is text: anything that came from a user or a link (a formula, a spec, a label, a value) is shown
literally, never interpreted as Markdown or HTML.

Streamlit renders the body of notices, captions and help tooltips as Markdown (links, images, emphasis, `:red[...]`
colour directives, `:material/...:` icons, `$...$` maths). CommonMark lets a backslash make any ASCII punctuation
literal, so escaping every punctuation character leaves nothing for the renderer to interpret. Pages call these
helpers instead of `st.error`, `st.warning`, `st.info` and `st.caption` (a test holds every page to that).
"""

from __future__ import annotations

import string

import streamlit as st

_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


# GitHub-flavoured Markdown turns bare addresses into links after escapes are resolved: a zero-width space breaks
# each pattern it looks for (scheme://, www., user@host) without changing what the reader sees.
_AUTOLINK_BREAKS = (("://", ":\u200b//"), ("www.", "www\u200b."), ("@", "@\u200b"))


def plain(text: object) -> str:
    """`text` as Markdown source that renders exactly as `text` reads (one line, nothing linked or styled)."""
    line = " ".join(str(text).split())
    for pattern, broken in _AUTOLINK_BREAKS:
        line = line.replace(pattern, broken)
    return line.translate(_ESCAPES)


def error(text: object) -> None:
    st.error(plain(text), icon=":material/error:")


def warning(text: object, icon: str = ":material/warning:") -> None:
    st.warning(plain(text), icon=icon)


def info(text: object) -> None:
    st.info(plain(text), icon=":material/info:")


def caption(text: object) -> None:
    st.caption(plain(text))


def paragraph(text: object) -> None:
    st.markdown(plain(text))


def bold(text: object) -> None:
    st.markdown(f"**{plain(text)}**")


def help_text(text: object) -> str:
    """A widget's `help=` tooltip (rendered as Markdown too)."""
    return plain(text)
