"""The landscape control shared by the pages: a choice of surface and its parameters from its schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from landscapes import LANDSCAPES
from specs import Field
from ui import literal
from ui.schema_widgets import entry_controls, entry_label, put_values
from ui.session_values import held

FIXED = {"dim": 2}  # the pages draw the plane


def put_landscape(prefix: str, name: str, values: Mapping[str, Any]) -> None:
    st.session_state[f"{prefix}.landscape"] = name
    put_values(f"{prefix}.L.{name}", LANDSCAPES.entry(name).fields, values)


def landscape_controls(prefix: str, default: str) -> tuple[tuple[str, dict[str, Any]], list[str]]:
    """Draw the landscape choice and its parameters; return ((name, values), error sentences)."""
    held(f"{prefix}.landscape", Field("landscape", "choice", LANDSCAPES.resolve(default)[0], "the surface",
                                      choices=tuple(LANDSCAPES.names())))
    name = st.selectbox("landscape", LANDSCAPES.names(), key=f"{prefix}.landscape", label_visibility="collapsed",
                        format_func=entry_label(LANDSCAPES),
                        help="the surface the optimizers descend (its name in specs and links after the ·)")
    entry = LANDSCAPES.entry(name)
    literal.caption(entry.help)
    values, errors = entry_controls(entry, f"{prefix}.L.{name}", hidden=FIXED)
    values.update({k: v for k, v in FIXED.items() if any(f.name == k for f in entry.fields)})
    return (name, values), errors
