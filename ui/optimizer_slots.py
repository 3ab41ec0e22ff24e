"""A list of optimizer controls: each slot picks an optimizer and sets its hyperparameters from its schema.

Slots can be added and removed; the same optimizer may appear twice (Adam at two learning rates). Switching a slot
to another optimizer keeps the hyperparameters that mean the same in both (lr stays lr; Adam's b2 does not become
Lion's, which decays another average).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from optimizers import OPTIMIZERS
from specs import Field, SpecError
from specs.language import Entry
from ui import literal
from ui.schema_widgets import entry_label, field_controls, field_key, put_values
from ui.session_values import held, held_by
from ui.url_state import MAX_SPECS


def slot_list(value: Any) -> list[int]:
    """The kept list of slot numbers: 1 to MAX_SPECS distinct small non-negative integers (SpecError otherwise)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_SPECS:
        raise SpecError(f"the optimizers must be 1 to {MAX_SPECS} slots")
    if not all(type(slot) is int and 0 <= slot < 10_000 for slot in value) or len(set(value)) != len(value):
        raise SpecError("each optimizer slot must be a distinct whole number")
    return value


def _slots_key(prefix: str) -> str:
    return f"{prefix}.slots"


def _name_key(prefix: str, slot: int) -> str:
    return f"{prefix}.O{slot}.name"


def _values_prefix(prefix: str, slot: int, name: str) -> str:
    return f"{prefix}.O{slot}.{name}"


def put_slots(prefix: str, optimizers: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Fill the slots with (name, values) pairs (before they are drawn)."""
    st.session_state[_slots_key(prefix)] = list(range(len(optimizers)))
    for slot, (name, values) in enumerate(optimizers):
        st.session_state[_name_key(prefix, slot)] = name
        put_values(_values_prefix(prefix, slot, name), OPTIMIZERS.entry(name).fields, values)


def _carry_over(prefix: str, slot: int, previous: dict[str, str]) -> None:
    """After a slot's optimizer changes, give the new one the values of the fields that mean the same in both."""
    old = previous.get(str(slot))
    new = st.session_state[_name_key(prefix, slot)]
    if old not in OPTIMIZERS or new not in OPTIMIZERS or old == new:  # a name the page cannot use is dropped later
        return
    new_fields = {field.name: field for field in OPTIMIZERS.entry(new).fields}
    shared = {}
    for field in OPTIMIZERS.entry(old).fields:
        key = field_key(_values_prefix(prefix, slot, old), field)
        if key in st.session_state and field.name in new_fields and field.means_same_as(new_fields[field.name]):
            shared[field.name] = st.session_state[key]
    put_values(_values_prefix(prefix, slot, new), OPTIMIZERS.entry(new).fields, shared)


ALWAYS_SHOWN = ("lr",)  # fields drawn beside the optimizer's name, not in its section


def _add(prefix: str) -> None:
    """A new slot with the first kind in the registry's order (its records' ranks) not shown yet, and the learning
    rate of the last slot (the page's lr), so that it neither repeats nor diverges where the others do not."""
    slots = st.session_state[_slots_key(prefix)]
    slot = max(slots, default=-1) + 1
    used = [st.session_state.get(_name_key(prefix, s)) for s in slots]
    names = OPTIMIZERS.names()
    name = next((n for n in names if n not in used), names[0])
    st.session_state[_name_key(prefix, slot)] = name
    lr = st.session_state.get(f"{_values_prefix(prefix, slots[-1], used[-1])}.lr") if slots else None
    if lr is not None:
        put_values(_values_prefix(prefix, slot, name), OPTIMIZERS.entry(name).fields, {"lr": lr})
    st.session_state[_slots_key(prefix)] = [*slots, slot]


def _remove(prefix: str, slot: int) -> None:
    st.session_state[_slots_key(prefix)] = [s for s in st.session_state[_slots_key(prefix)] if s != slot]


def slot_controls(prefix: str, shared: Sequence[str] = (), default: str = "adam"
                  ) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """Draw every slot; return the chosen (name, values) pairs and any error sentences.

    Fields named in `shared` are set once for the whole page and are not drawn per slot.
    """
    if _slots_key(prefix) not in st.session_state:
        put_slots(prefix, [OPTIMIZERS.resolve(default)])
    names = OPTIMIZERS.names()
    chosen: list[tuple[str, dict[str, Any]]] = []
    errors: list[str] = []
    slots = held_by(_slots_key(prefix), slot_list, [0], "optimizer list", "one optimizer")
    name_field = Field("optimizer", "choice", default, "the optimizer", choices=tuple(names))
    previous = {str(s): st.session_state.get(_name_key(prefix, s)) for s in slots}
    for number, slot in enumerate(slots, start=1):
        name_key = _name_key(prefix, slot)
        held(name_key, name_field, f"optimizer {number}")
        head, tail = st.columns([5, 1], vertical_alignment="bottom")
        with head:
            name = st.selectbox(f"optimizer {number}", names, key=name_key, on_change=_carry_over,
                                args=(prefix, slot, previous), format_func=entry_label(OPTIMIZERS),
                                help="its name in specs and links follows the ·")
        with tail:
            st.button("", icon=":material/close:", key=f"{prefix}.O{slot}.remove", help="remove this optimizer",
                      on_click=_remove, args=(prefix, slot), disabled=len(slots) == 1)
        entry: Entry = OPTIMIZERS.entry(name)
        fields = [field for field in entry.fields if field.name not in shared]
        # The step size decides most of what happens: it stays in sight; the rest waits in the section. Not in a
        # popover, which the browser draws only when opened: its inputs then start from their defaults, not from the
        # values they hold (a popover opened after a rerun sent γ = 0, refused).
        values, slot_errors = field_controls([f for f in fields if f.name in ALWAYS_SHOWN], _values_prefix(
            prefix, slot, name))
        with st.expander(f"{entry.record.label} hyperparameters"):
            literal.caption(entry.help)
            more, more_errors = field_controls([f for f in fields if f.name not in ALWAYS_SHOWN],
                                               _values_prefix(prefix, slot, name))
        values |= more
        slot_errors += more_errors
        if not slot_errors:
            try:  # values that each hold alone may not hold together (Adam+CM's replacement and priority)
                OPTIMIZERS.build({"name": name, **values})
            except SpecError as error:
                slot_errors.append(str(error))
                literal.error(error)
        chosen.append((name, values))
        errors += slot_errors
    st.button("add optimizer", icon=":material/add:", key=f"{prefix}.add", on_click=_add, args=(prefix,),
              disabled=len(slots) >= MAX_SPECS)
    return chosen, errors


def slot_specs(optimizers: Sequence[tuple[str, dict[str, Any]]], shared_values: dict[str, Any]) -> list[str]:
    """Canonical spec strings of the chosen optimizers, with the page-wide values of shared fields filled in."""
    specs = []
    for name, values in optimizers:
        entry = OPTIMIZERS.entry(name)
        full = {**entry.defaults(), **values}
        full.update({k: v for k, v in shared_values.items() if k in full})
        specs.append(OPTIMIZERS.format(name, full))
    return specs
