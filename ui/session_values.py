"""Values kept in session state are input from the browser: each is checked on every rerun, like a link's value.

A widget's value comes back from the browser on every rerun, and the browser can hold one the page no longer offers:
a select box whose option labels changed (a run labelled by its optimizer's lr) sends back the old label as text,
and Streamlit hands that text over in place of an option. Pages read kept values through `held` (or `held_by` for a
value no Field describes) before a widget draws them or a computation uses them: a value that fails its check is
dropped for the default, with one notice naming the control, the value and why; it is never used, never clamped.
`labelled_selectbox` removes the usual cause: it sends the browser the current label whenever it changes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

from specs import Field, SpecError
from ui import literal

T = TypeVar("T")
_LABELS = "_kept.labels"  # select box key -> the label of its value the browser was last sent


def _shown(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def widget_value(field: Field, value: Any) -> Any:
    """`value` as a widget of `field` can hold it, or SpecError: a finite number inside the bounds a number box
    enforces (its closed ones: a value at or past an open bound is the page's to report beside the box), a listed
    choice, a bool, text within its length."""
    if field.kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise SpecError(f"{field.name} must be {field.range_text()} (got {type(value).__name__})")
        if not math.isfinite(value) or (field.kind == "int" and not float(value).is_integer()):
            raise SpecError(f"{field.name} must be {field.range_text()} (got {_shown(value)})")
        below = field.low is not None and not field.low_open and value < field.low
        above = field.high is not None and not field.high_open and value > field.high
        if below or above:
            raise SpecError(f"{field.name} must be {field.range_text()} (got {_shown(value)})")
        return int(value) if field.kind == "int" else float(value)
    if field.kind == "bool" and not isinstance(value, bool):
        raise SpecError(f"{field.name} must be true or false (got {type(value).__name__})")
    if field.kind in ("choice", "text") and not isinstance(value, str):
        raise SpecError(f"{field.name} must be {field.range_text()} (got {type(value).__name__})")
    return field.check(value)


def held_by(key: str, check: Callable[[Any], T], default: T, what: str, instead: str | None = None) -> T:
    """The value kept under `key` as `check` returns it; when absent, `default`; when `check` raises SpecError (or
    TypeError/ValueError), `default` is kept instead and a notice says so. `instead` words the default."""
    if key not in st.session_state:
        st.session_state[key] = default
        return default
    try:
        value = st.session_state[key]  # Streamlit reads the browser's value here, and may fail on a forged one
    except (OverflowError, TypeError, ValueError) as error:
        value = f"a value it could not read ({error})"
    try:
        checked = check(value)
    except (SpecError, TypeError, ValueError) as error:
        literal.warning(f"The {what} control held {_shown(value)}, which was not used: {error}. "
                        f"It is back to {instead if instead is not None else _shown(default)}.")
        st.session_state[key] = default
        return default
    if type(checked) is not type(value) or checked != value:  # normalised (3.0 kept for a whole-number box is 3)
        st.session_state[key] = checked
    return checked


def optional_index(value: Any) -> int | None:
    """A kept index: None, or a whole number >= 0 (SpecError otherwise)."""
    if value is not None and not (type(value) is int and value >= 0):
        raise SpecError("it must be the index of a value shown")
    return value


def optional_pair(value: Any) -> tuple[int, int] | None:
    """A kept pair of indices (an optimizer and a run, or a value): None, or two whole numbers >= 0."""
    if value is None:
        return None
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and all(type(v) is int and v >= 0 for v in value)):
        raise SpecError("it must be two indices: an optimizer and a run or value")
    return value[0], value[1]


def held(key: str, field: Field, what: str | None = None, default: Any = None) -> Any:
    """The value kept under `key`, checked by `field` as its widget holds it (see `widget_value`); the field's
    default (or `default`) when absent or refused."""
    default = field.default if default is None else default
    fallback = widget_value(field, default)
    return held_by(key, lambda value: widget_value(field, value), fallback, what or field.name,
                   field.format(fallback) if field.kind in ("int", "float", "bool") else repr(fallback))


def labelled_selectbox(label: str, options: Sequence[T], key: str, format_func: Callable[[T], str],
                       default: T, what: str, **kwargs: Any) -> T:
    """A select box over `options` whose labels may change while its value stays: the kept value must be one of the
    options (else `default`, with a notice), and when its label changed since the browser was sent one, the value is
    set again so the browser holds the new label (it would send the old one back as text on the next rerun)."""
    options = list(options)

    def listed(value: Any) -> T:
        if value not in options:
            raise SpecError(f"it is not one of the {len(options)} choices offered")
        return options[options.index(value)]

    value = held_by(key, listed, default, what)
    labels = st.session_state.setdefault(_LABELS, {})
    label_now = format_func(value)
    if labels.get(key) != label_now:
        st.session_state[key] = value  # set by the page: Streamlit sends the browser the value with its new label
        labels[key] = label_now
    return st.selectbox(label, options, key=key, format_func=format_func, **kwargs)
