"""Which page is shown: the `page` value of the link, and a sidebar choice that keeps each page's own link.

Leaving a page remembers its query parameters; coming back restores them, so switching pages loses nothing.
"""

from __future__ import annotations

from types import ModuleType

import streamlit as st

from specs import Field
from ui import literal
from ui.session_values import held
from ui.url_state import UrlReader
from ui.url_sync import current_params

_PAGE_KEY = "nav.page"
_REMEMBERED = "_nav.remembered"  # page -> its last query parameters


def page_field(pages: dict[str, tuple[str, ModuleType]]) -> Field:
    names = tuple(pages)
    return Field("page", "choice", names[0], "the page shown", choices=names)


def _switch(pages: dict[str, tuple[str, ModuleType]]) -> None:
    """On a change of page: remember the old page's link and put back the new page's."""
    remembered = st.session_state.setdefault(_REMEMBERED, {})
    params = current_params()
    old = (params.get("page") or [None])[-1]
    if old in pages:
        remembered[old] = params
    new = st.session_state[_PAGE_KEY]
    if new not in pages:  # not a page: chosen_page drops it with a notice, and the link stays
        return
    st.query_params.from_dict({**remembered.get(new, {}), "page": new})


def open_page(params: dict[str, str | list[str]]) -> None:
    """Show the page named in `params` with exactly that link (used by the Learn page's presets)."""
    st.session_state[_PAGE_KEY] = params["page"]
    st.query_params.from_dict(params)


def chosen_page(pages: dict[str, tuple[str, ModuleType]]) -> ModuleType:
    """The page to draw: the sidebar's choice (`page_choice`), set from the link on a fresh visit."""
    field = page_field(pages)
    if _PAGE_KEY not in st.session_state:
        reader = UrlReader(current_params())
        st.session_state[_PAGE_KEY] = reader.field("page", field)
        if reader.notices:
            st.session_state["_nav.notices"] = reader.notices
    held(_PAGE_KEY, field, "page")
    for notice in st.session_state.pop("_nav.notices", []):
        literal.warning(notice, icon=":material/link_off:")
    return pages[st.session_state[_PAGE_KEY]][1]


def page_choice(pages: dict[str, tuple[str, ModuleType]]) -> None:
    """The sidebar's choice of page (after `chosen_page`)."""
    st.sidebar.radio("page", tuple(pages), key=_PAGE_KEY, format_func=lambda name: pages[name][0],
                     label_visibility="collapsed", on_change=_switch, args=(pages,))
