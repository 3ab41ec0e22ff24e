"""The trajectory player as a Streamlit component (st.components.v2): player.js draws and plays in the browser, and
only a click on the map, Backspace (undo the last added start), a missing picture, the settings changed in the
player's live controls (which it may already have drawn) and, when asked, its first figure on screen come back to
Python.

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
from export.player.html import MODULES
from optimizers import OPTIMIZERS
from specs import SpecError

COMPONENT = "cmx.player"
SENT_IMAGES = "_cmx_player_sent_images"  # session state: component key -> image keys the browser has been sent


def _module_preloads() -> str:
    """Links that have the browser fetch all of the player's modules at once, player.js first. Without them it fetches
    player.js, reads it, and only then fetches the modules it imports: the app's first figure came 0.05 s later.
    The addresses are the ones Streamlit serves the component's files at, relative to the page."""
    names = ("player.js", *(name for name in MODULES if name != "player.js"))
    return "".join(f'<link rel="modulepreload" href="_stcore/bidi-components/{COMPONENT}/{name}">' for name in names)


@functools.cache
def _component() -> Callable[..., Any]:
    """The component, registered on first use inside a running app (where Streamlit has read the project's component
    manifest): its names are files of the asset directory declared in pyproject.toml, which the server serves and
    the browser caches, so no update carries them again."""
    return st.components.v2.component(COMPONENT, css="player.css", js="player.js", html=_module_preloads())


IGNORED = "_cmx_player_ignored"  # session state: component key -> the browser sent a click that placed nothing
IGNORED_LIVE = "_cmx_player_ignored_live"  # session state: component key -> the browser sent settings it cannot have
LIVE_HEARD = "_cmx_player_live_heard"  # session state: component key -> the number of the last live change heard of


@dataclass(frozen=True)
class PlayerEvents:
    """What came back from the browser in this run: a clicked point (x, y) inside the landscape's box, or None;
    whether this run sent the landscape's picture; and whether a click was malformed (and ignored)."""

    click: tuple[float, float] | None
    sent_image: bool
    ignored_click: bool = False
    ignored_live: bool = False


@dataclass(frozen=True)
class LiveChange:
    """Settings changed in the player's live controls, checked: per series its optimizer's name and the knobs' values,
    the starts (N, 2), the steps, and whether the browser has drawn their runs (False: the server computes them)."""

    optimizers: tuple[tuple[str, dict[str, Any]], ...]
    starts: tuple[tuple[float, float], ...]
    steps: int
    drawn: bool


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


def _live_changed(key: str, live: Mapping[str, Any], box: list[float], on_live: Callable[[LiveChange], None]) -> None:
    """Before the rerun a change in the live controls causes (so `on_live` may set the page's controls to it). Its
    number is kept whatever it holds: payloads say which change they answer (`live_seq`)."""
    sent = getattr(st.session_state.get(key), "live", None)
    number = sent.get("seq") if isinstance(sent, Mapping) else None
    if type(number) is int and 0 < number < 2**53:
        st.session_state.setdefault(LIVE_HEARD, {})[key] = number
    change = valid_live(sent, live, box)
    if change is None:
        st.session_state.setdefault(IGNORED_LIVE, set()).add(key)
    else:
        on_live(change)


def _real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _knob_value(name: str, knob: str, value: Any) -> Any:
    """A knob's value from the browser, as its field takes it from a widget (a number for a number, a listed choice,
    a bool), or SpecError."""
    field = OPTIMIZERS.entry(name).field(knob)
    number = field.kind in ("int", "float")
    if (number and not _real(value)) or (field.kind == "bool" and not isinstance(value, bool)) or (
            field.kind == "choice" and not isinstance(value, str)) or field.kind == "text":
        raise SpecError(f"{knob} cannot be {value!r}")
    return field.check(value)


def valid_live(value: Any, live: Mapping[str, Any] | None, box: list[float]) -> LiveChange | None:
    """The live controls' settings as a LiveChange if they are ones the payload's live part offers (each series' own
    optimizer, only its knobs, each value one its field takes; 1 to max_starts finite starts inside the box; whole
    steps in [1, max_steps]), else None (whatever the browser sent)."""
    if not isinstance(value, Mapping) or not live or "series" not in live:
        return None
    optimizers, starts, steps = value.get("optimizers"), value.get("starts"), value.get("steps")
    series = live["series"]
    if not (isinstance(optimizers, list) and len(optimizers) == len(series) and isinstance(starts, list)
            and 1 <= len(starts) <= live["max_starts"] and type(steps) is int and 1 <= steps <= live["max_steps"]
            and isinstance(value.get("drawn"), bool)):
        return None
    if not all(isinstance(p, list) and len(p) == 2 and all(_real(v) for v in p) and box[0] <= p[0] <= box[1]
               and box[2] <= p[1] <= box[3] for p in starts):
        return None
    checked = []
    for part, sent in zip(series, optimizers):
        knobs = {f["name"] for f in part["fields"] if f["knob"]}
        if not (isinstance(sent, Mapping) and sent.get("name") == part["kind"]
                and isinstance(sent.get("values"), Mapping) and set(sent["values"]) <= knobs):
            return None
        try:
            checked.append((part["kind"], {k: _knob_value(part["kind"], k, v) for k, v in sent["values"].items()}))
        except SpecError:
            return None
    return LiveChange(tuple(checked), tuple((float(x), float(y)) for x, y in starts), steps, value["drawn"])


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
           on_undo: Callable[[], None] | None = None,
           on_live: Callable[[LiveChange], None] | None = None, report_shown: bool = False) -> PlayerEvents:
    """Show the payload (from export.player.build_payload, with its picture) in the player. `on_click(x, y)`, if
    given, is called with a valid click before the rerun it causes; `on_undo()` when Backspace is pressed on the
    player (it offers undo only when given one); `on_live(change)` with the settings changed in its live controls
    (checked by `valid_live`) before the rerun they cause. With `report_shown`, the player asks for a rerun once its
    first figure (or the sentence saying why there is none) is on screen."""
    sent = st.session_state.setdefault(SENT_IMAGES, {}).setdefault(key, set())
    image_key = payload["landscape"].get("image_key")
    has_image = payload["landscape"].get("image") is not None
    send_image = has_image and image_key not in sent
    data = dict(payload) if send_image else without_image(payload)
    clicked = _noop if on_click is None else partial(_clicked, key, list(payload["landscape"]["box"]), on_click)
    data["can_undo"] = on_undo is not None
    data["live_seq"] = st.session_state.get(LIVE_HEARD, {}).get(key, 0)
    if report_shown:
        data["report_shown"] = True
    box = list(payload["landscape"]["box"])
    live = _noop if on_live is None else partial(_live_changed, key, payload.get("live"), box, on_live)
    result = _component()(key=key, data=data, on_click_change=clicked,
                          on_need_image_change=partial(_forget_images, key),
                          on_undo_change=_noop if on_undo is None else on_undo, on_live_change=live,
                          on_shown_change=_noop)
    if send_image:
        sent.add(image_key)
    click = valid_click(result.click, payload["landscape"]["box"])
    ignored = key in st.session_state.get(IGNORED, set()) or (result.click is not None and click is None)
    st.session_state.get(IGNORED, set()).discard(key)
    ignored_live = key in st.session_state.get(IGNORED_LIVE, set())
    st.session_state.get(IGNORED_LIVE, set()).discard(key)
    return PlayerEvents(click, send_image, ignored, ignored_live)
