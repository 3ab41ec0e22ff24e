"""Settings that belong to the server and the session, not to a view: the cap on work per request.

The server's ceiling comes from the environment (CMX_MAX_WORK, default experiments.run.DEFAULT_MAX_WORK); a session
starts at a lower cap that keeps the app responsive and may raise it up to the ceiling. Neither is in the URL: a
shared link cannot make someone's browser start a huge computation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from experiments.work import DEFAULT_MAX_WORK, MAX_WORK, Limit
from specs import Field, SpecError
from ui.session_values import held

_KEY = "settings.max_work"
SESSION_DEFAULT_WORK = DEFAULT_MAX_WORK  # about 3 s of work at the measured 30 ns a run-step (experiments.work)


@dataclass(frozen=True)
class Settings:
    max_work: Limit  # run-steps one request may cost, and the server's ceiling (a refusal advises only what can rise)


def server_ceiling() -> int:
    """CMX_MAX_WORK from the environment when it is a valid cap, else DEFAULT_MAX_WORK."""
    try:
        return int(MAX_WORK.check(os.environ.get("CMX_MAX_WORK", DEFAULT_MAX_WORK)))
    except SpecError:
        return DEFAULT_MAX_WORK


def _work_field(ceiling: int) -> Field:
    return Field("work limit", "int", min(SESSION_DEFAULT_WORK, ceiling), "run-steps per request", low=1,
                 high=ceiling)


def current_settings() -> Settings:
    """The session's settings, without drawing their controls."""
    ceiling = server_ceiling()
    return Settings(Limit(int(held(_KEY, _work_field(ceiling))), ceiling))


def settings_controls() -> Settings:
    ceiling = server_ceiling()
    with st.sidebar.expander("Settings", icon=":material/settings:"):
        held(_KEY, _work_field(ceiling))
        max_work = st.number_input(
            "work limit per request", min_value=1, max_value=ceiling, step=1_000_000, key=_KEY,
            help="runs × steps × gradient evaluations per step that one change may start (SAM counts 2); "
                 f"this server allows at most {ceiling:,}")
    return Settings(Limit(int(max_work), ceiling))
