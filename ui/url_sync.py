"""Keeping the page's widgets and the URL in step: a changed link is read into the widgets once; every change of
a widget is written back to the link, so a copied link restores the same view."""

from __future__ import annotations

from typing import Callable, Mapping, Sequence
from urllib.parse import urlencode

import streamlit as st

from ui.url_state import UrlReader
from ui import literal

_WRITTEN = "_url.written"  # the query string the app last wrote
_NOTICES = "_url.notices"  # (query string they belong to, notices) from the last link read


def current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def query_string(params: Mapping[str, str | Sequence[str]]) -> str:
    return urlencode([(key, value) for key, values in params.items()
                      for value in ([values] if isinstance(values, str) else values)])


def read_link_if_changed(apply: Callable[[UrlReader], object]) -> None:
    """If the link is not the one the app last wrote (a fresh visit, a shared link, a preset), read it into the
    widgets with `apply(reader)` and keep the reader's notices to show."""
    params = current_params()
    if st.session_state.get(_WRITTEN) == query_string(params):
        return
    reader = UrlReader(params)
    apply(reader)
    st.session_state[_NOTICES] = (None, reader.notices)


def write_link(params: Mapping[str, str | Sequence[str]]) -> None:
    """Make the URL say `params` (no-op when it already does) and show any notices from the link just read."""
    text = query_string(params)
    if query_string(current_params()) != text:
        st.query_params.from_dict({key: value for key, value in params.items()})
    st.session_state[_WRITTEN] = text
    owner, notices = st.session_state.get(_NOTICES, (None, []))
    if owner is None:  # first write after reading a link: the notices belong to this state
        st.session_state[_NOTICES] = (text, notices)
        owner = text
    if notices and owner == text:
        for notice in notices:
            literal.warning(notice, icon=":material/link_off:")


def copy_link_control(params: Mapping[str, str | Sequence[str]]) -> None:
    """The link to this exact view, in a code box with a copy button."""
    base = (st.context.url or "").split("?")[0] if hasattr(st, "context") else ""
    with st.popover("Link", icon=":material/link:", help="a link that opens this exact view"):
        st.code(f"{base}?{query_string(params)}", language=None, wrap_lines=True)


def synced_state(read_state: Callable[[UrlReader], object], put_state: Callable[[object], None],
                 controls: Callable[[], tuple[object | None, list[str]]]) -> object | None:
    """A page's state kept in step with the link: a new link is read into the widgets, the widgets are drawn, and
    their state is written back to the link. None (with the errors shown) when the inputs are not valid."""
    read_link_if_changed(lambda reader: put_state(read_state(reader)))
    state, errors = controls()
    if state is None:
        literal.error("Fix the inputs in the sidebar: " + " ".join(errors))
        return None
    write_link(state.params())
    return state
