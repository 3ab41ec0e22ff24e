"""The trajectory player as a Streamlit component (st.components.v2): player.js draws and plays in the browser, and
only a click on the map, Backspace (undo the last added start) or a missing picture comes back to Python.

Streamlit calls the component's JavaScript again, with the same element, whenever the payload changes (and not when
it is unchanged), so the player keeps its step, view and play state across reruns. The landscape's picture is sent
once per session and key: later payloads name it by `image_key`, and the browser asks for it (`need_image`) if it
does not have it, e.g. after a reload.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import streamlit as st

from export.player import without_image

SENT_IMAGES = "_cmx_player_sent_images"  # session state: component key -> image keys the browser has been sent



@functools.cache
def _component() -> Callable[..., Any]:
    """The component, registered on first use inside a running app (where Streamlit has read the project's component
    manifest): its names are files of the asset directory declared in pyproject.toml, which the server serves and
    the browser caches, so no update carries them again."""
    return st.components.v2.component("cmx.player", css="player.css", js="player.js")


IGNORED = "_cmx_player_ignored"  # session state: component key -> the browser sent a click that placed nothing


@dataclass(frozen=True)
class PlayerEvents:
    """What came back from the browser in this run: a clicked point (x, y) inside the landscape's box, or None;
    whether this run sent the landscape's picture; and whether a click was malformed (and ignored)."""

    click: tuple[float, float] | None
    sent_image: bool
    ignored_click: bool = False


def _noop() -> None:
    """A trigger needs a callback to be reported; the value is read from the component's result."""


def _clicked(key: str, box: list[float], on_click: Callable[[float, float], None]) -> None:
    """Before the rerun a click causes (so `on_click` may set the values of widgets drawn earlier on the page)."""
    point = valid_click(getattr(st.session_state.get(key), "click", None), box)
    if point is None:
        st.session_state.setdefault(IGNORED, set()).add(key)
    else:
        on_click(*point)


def _forget_images(key: str) -> None:
    """The browser lacks a picture (a reload): send the current one again."""
    st.session_state.get(SENT_IMAGES, {}).pop(key, None)


def valid_click(value: Any, box: list[float]) -> tuple[float, float] | None:
    """The click as (x, y) if it is two finite numbers inside the box, else None (whatever the browser sent)."""
    if not isinstance(value, Mapping):
        return None
    x, y = value.get("x"), value.get("y")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
        return None
    if not (box[0] <= x <= box[1] and box[2] <= y <= box[3]):
        return None
    return float(x), float(y)


def player(payload: Mapping[str, Any], key: str = "player",
           on_click: Callable[[float, float], None] | None = None,
           on_undo: Callable[[], None] | None = None) -> PlayerEvents:
    """Show the payload (from export.player.build_payload, with its picture) in the player. `on_click(x, y)`, if
    given, is called with a valid click before the rerun it causes; `on_undo()` when Backspace is pressed on the
    player (it offers undo only when given one)."""
    sent = st.session_state.setdefault(SENT_IMAGES, {}).setdefault(key, set())
    image_key = payload["landscape"].get("image_key")
    has_image = payload["landscape"].get("image") is not None
    send_image = has_image and image_key not in sent
    data = dict(payload) if send_image else without_image(payload)
    clicked = _noop if on_click is None else partial(_clicked, key, list(payload["landscape"]["box"]), on_click)
    data["can_undo"] = on_undo is not None
    result = _component()(key=key, data=data, on_click_change=clicked,
                          on_need_image_change=partial(_forget_images, key),
                          on_undo_change=_noop if on_undo is None else on_undo)
    if send_image:
        sent.add(image_key)
    click = valid_click(result.click, payload["landscape"]["box"])
    ignored = key in st.session_state.get(IGNORED, set()) or (result.click is not None and click is None)
    st.session_state.get(IGNORED, set()).discard(key)
    return PlayerEvents(click, send_image, ignored)
