"""The Explorer's first view in a session draws its figure before anything else.

The browser draws all of a run's elements in one pass once the script's messages arrive, and it fetches the code of
each kind of element first (Streamlit loads each widget's code on first use, six files at a time). The Explorer's
sidebar (about 40 inputs) and the widgets around the figure held the player back by 0.6 s. So when a browser
session's first run shows the Explorer, that run draws the title and the figure from the link, and fills the
controls' values without drawing them; the player asks for the next run once its first figure is on screen, and that
run draws everything. Should the player never ask (its script failed to load), a timer asks after FALLBACK_SECONDS.
A run with no browser behind it (AppTest) draws everything at once: nothing there would ask for the next run.
"""

from __future__ import annotations

import streamlit as st

_HAD_FIRST_RUN = "_first_look.had_first_run"  # session state: the session has run once
_FIGURE_FIRST = "_first_look.figure_first"  # session state: this run draws the figure alone
_TIMER_SET = "_first_look.timer_set"  # session state: the run that drew the figure alone has ended, its timer set
FALLBACK_SECONDS = 3


def begin(page_draws_figure_first: bool) -> bool:
    """Decide, once at the top of every run, whether this run draws the figure alone: the session's first run, in a
    browser, of a page that can (the Explorer)."""
    first = _HAD_FIRST_RUN not in st.session_state
    st.session_state[_HAD_FIRST_RUN] = True
    alone = first and page_draws_figure_first and bool(st.context.headers)  # AppTest has no request headers
    st.session_state[_FIGURE_FIRST] = alone
    return alone


def figure_first() -> bool:
    """Whether this run draws the figure alone (`begin` decided)."""
    return bool(st.session_state.get(_FIGURE_FIRST))


@st.fragment(run_every=FALLBACK_SECONDS)
def _ask_for_the_rest() -> None:
    # drawn with the figure (no rerun then); on its timer, a whole run if that run has not come yet
    if figure_first() and st.session_state.get(_TIMER_SET):
        st.rerun(scope="app")


def wait_for_figure() -> None:
    """End the run that drew the figure alone: the rest comes with the next run, asked for by the player or, after
    FALLBACK_SECONDS, by a timer."""
    _ask_for_the_rest()
    st.session_state[_TIMER_SET] = True


def no_figure() -> None:
    """The page has no figure to show first (its link asks for another view, or fails): draw everything now."""
    st.rerun()  # the next run is not the session's first: it draws everything
