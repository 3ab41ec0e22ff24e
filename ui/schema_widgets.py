"""Controls rendered from a schema: one widget per `Field`, so adding a knob to a schema needs no app change.

A widget's key is `<prefix>.<field name>`; its value lives in `st.session_state`, set before the widget is drawn,
so a link can fill the controls. Floats marked `log` get a log-scale slider and an exact number box kept in step: the
slider's stops are a 1-2-5 ladder plus the exact value in use, so it always shows the number used, never a rounded
neighbour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import streamlit as st

from specs import Field, SpecError
from specs.language import Entry, Registry
from ui import literal
from ui.session_values import held

EXACT_FORMAT = "%.12g"  # number boxes show what is used (to 12 digits), not a 6-digit rounding


def entry_label(registry: Registry) -> Callable[[str], str]:
    """How a choice of registry entries reads: 'Adam+CM · adam_cm', its record's label and its name in specs."""
    return lambda name: f"{registry.record(name).label} · {name}"


def field_key(prefix: str, field: Field) -> str:
    return f"{prefix}.{field.name}"


def _scale_key(prefix: str, field: Field) -> str:
    return f"{prefix}.{field.name}.scale"


def log_ladder(field: Field) -> list[float]:
    """The 1-2-5 values a log slider offers: eight decades around the default, inside the field's range."""
    centre = math.floor(math.log10(field.default)) if field.default and field.default > 0 else 0
    values = [m * 10.0 ** e for e in range(centre - 5, centre + 5) for m in (1.0, 2.0, 5.0)]
    return [v for v in values if _in_range(field, v)]


def _in_range(field: Field, value: float) -> bool:
    try:
        field.check(value)
        return True
    except SpecError:
        return False


def ladder_with(field: Field, value: float) -> list[float]:
    """The slider's stops: the 1-2-5 ladder and `value` itself, in order."""
    return sorted({*log_ladder(field), float(value)})


def _number_type(field: Field, value: Any) -> Any:
    return int(value) if field.kind == "int" else float(value)


def put_values(prefix: str, fields: Iterable[Field], values: Mapping[str, Any]) -> None:
    """Set the controls of `fields` under `prefix` to `values` (before they are drawn)."""
    for field in fields:
        if field.name not in values:
            continue
        value = values[field.name]
        key = field_key(prefix, field)
        numeric = field.kind in ("int", "float") and value is not None
        st.session_state[key] = _number_type(field, value) if numeric else value
        if field.kind == "float" and field.log and value is not None:
            st.session_state[_scale_key(prefix, field)] = float(value)


def _hold(prefix: str, field: Field) -> None:
    """Check what `field`'s controls keep (ui.session_values) before they are drawn; a log slider's position must be
    a number too (its stops are built around it), else it follows the number box."""
    value = held(field_key(prefix, field), field)
    if field.kind == "float" and field.log:
        held(_scale_key(prefix, field), field, f"{field.name} slider", default=value)


def _sync_number_from_scale(prefix: str, field: Field) -> None:
    st.session_state[field_key(prefix, field)] = float(st.session_state[_scale_key(prefix, field)])


def _sync_scale_from_number(prefix: str, field: Field) -> None:
    put_values(prefix, [field], {field.name: st.session_state[field_key(prefix, field)]})


def _step(field: Field) -> float | int:
    if field.kind == "int":
        return 1
    if field.log:
        return 10.0 ** math.floor(math.log10(field.default)) if field.default and field.default > 0 else 0.01
    if field.low is not None and field.high is not None:
        return 10.0 ** math.floor(math.log10((field.high - field.low) / 100))
    return 0.1


def _field_widget(prefix: str, field: Field) -> Any:
    key, label = field_key(prefix, field), field.shown_name
    code = f" (in specs and links: {field.name})" if field.title else ""
    help_text = f"{field.help}{code} — {field.range_text()}, default {field.format(field.default)}"
    if field.kind == "choice":
        return st.selectbox(label, field.choices, key=key, help=literal.help_text(help_text))
    if field.kind == "bool":
        return st.checkbox(label, key=key, help=literal.help_text(help_text))
    if field.kind == "text":
        return st.text_area(label, key=key, help=literal.help_text(help_text), max_chars=field.max_length, height=80)
    bounds = {}
    number = (lambda v: _number_type(field, v))
    if field.low is not None and not field.low_open:
        bounds["min_value"] = number(field.low)
    if field.high is not None and not field.high_open:
        bounds["max_value"] = number(field.high)
    if field.kind == "float" and field.log:
        stops = ladder_with(field, st.session_state.get(_scale_key(prefix, field), field.default))
        left, right = st.columns([3, 2])
        with left:
            st.select_slider(label, stops, key=_scale_key(prefix, field),
                             help=literal.help_text(help_text + " (log scale)"), format_func=field.format,
                             on_change=_sync_number_from_scale, args=(prefix, field))
        with right:
            return st.number_input(f"{label} (exact)", key=key, step=_step(field), format=EXACT_FORMAT,
                                   on_change=_sync_scale_from_number, args=(prefix, field), **bounds)
    return st.number_input(label, key=key, step=_step(field), format="%d" if field.kind == "int" else EXACT_FORMAT,
                           help=literal.help_text(help_text), **bounds)


def entry_controls(entry: Entry, prefix: str, hidden: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """Draw a control for every field of `entry` except `hidden`; return (checked values, error sentences)."""
    hidden = set(hidden)
    return field_controls([field for field in entry.fields if field.name not in hidden], prefix)


def field_controls(fields: Iterable[Field], prefix: str) -> tuple[dict[str, Any], list[str]]:
    """Draw a control for each of `fields`; return (checked values, error sentences).

    A value the schema refuses (an open bound typed exactly, a formula too long) is reported, never clamped.
    """
    values: dict[str, Any] = {}
    errors: list[str] = []
    for field in fields:
        _hold(prefix, field)
        raw = _field_widget(prefix, field)
        try:
            values[field.name] = field.check(raw)
        except SpecError as error:
            errors.append(str(error))
            literal.error(error)
    return values, errors
