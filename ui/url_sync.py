"""Keeping the page's widgets and the URL in step: a changed link is read into the widgets once; every change of
a widget is written back to the link, so a copied link restores the same view."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar
from urllib.parse import urlencode

import streamlit as st

from specs import SpecError
from ui import literal
from ui.url_state import UrlReader

T = TypeVar("T")

_WRITTEN = "_url.written"  # the query string the app last wrote
_NOTICES = "_url.notices"  # (query string they belong to, notices) from the last link read


def current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def query_string(params: Mapping[str, str | Sequence[str]]) -> str:
    return urlencode([(key, value) for key, values in params.items()
                      for value in ([values] if isinstance(values, str) else values)])


def read_link_if_changed(apply: Callable[[UrlReader], T]) -> T | None:
    """If the link is not the one the app last wrote (a fresh visit, a shared link, a preset), read it with
    `apply(reader)`, keep the reader's notices to show and return what `apply` returned; else None."""
    params = current_params()
    if st.session_state.get(_WRITTEN) == query_string(params):
        return None
    reader = UrlReader(params)
    read = apply(reader)
    st.session_state[_NOTICES] = (None, reader.notices)
    return read


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


def follow_choice(params: Mapping[str, str | Sequence[str]]) -> None:
    """In a fragment: make the URL say `params` when a choice made there since the page's run changed them (an
    unchanged link is left alone, so the run's notices are not shown twice)."""
    if query_string(params) != query_string(current_params()):
        write_link(params)


def copy_link_control(params: Mapping[str, str | Sequence[str]]) -> None:
    """The link to this exact view, in a code box with a copy button."""
    base = (st.context.url or "").split("?")[0] if hasattr(st, "context") else ""
    with st.popover("Link", icon=":material/link:", help="a link that opens this exact view"):
        st.code(f"{base}?{query_string(params)}", language=None, wrap_lines=True)


def synced_state(read_state: Callable[[UrlReader], object], put_state: Callable[[object], None],
                 controls: Callable[[], tuple[object | None, list[str]]], controls_later: bool = False
                 ) -> tuple[object | None, list[str]]:
    """A page's state kept in step with the link: a new link is read into the widgets, then the widgets are drawn;
    returns the state they describe (None when an input is not valid: its message is drawn beside it) and the
    errors. With `controls_later`, a new link's state is returned and its widgets, filled, wait for a later run
    (ui.first_look). `shown_view` decides what the page draws and writes the link."""
    linked = read_link_if_changed(read_state)
    if linked is not None:
        put_state(linked)
        if controls_later:
            return linked, []
    return controls()


def shown_view(page: str, state: object | None, errors: list[str], compute: Callable[[object], T]
               ) -> tuple[object, T] | None:
    """What the page draws: `compute(state)` when the inputs are valid and the request runs; otherwise the last view
    the page drew, kept with every other setting, and the reason in one notice. The link always names what is drawn.

    None when there is nothing to draw yet (the first view of a session failed).
    """
    kept = f"_{page}.shown"
    shown_before = kept in st.session_state
    still = " The page shows the last settings that ran, and so does its link." if shown_before else ""
    if state is not None:
        try:
            view = compute(state)
        except SpecError as error:
            literal.error(f"{error}.{still}".replace("..", "."))
        else:
            st.session_state[kept] = (state, view)
            write_link(state.params())
            return state, view
    elif errors:
        # Each error is said beside its input; here one short line, so the figure below does not move.
        literal.caption(f"Fix the marked input ({len(errors)} in the sidebar).{still}")
    if not shown_before:
        return None
    previous_state, view = st.session_state[kept]
    write_link(previous_state.params())
    return previous_state, view
