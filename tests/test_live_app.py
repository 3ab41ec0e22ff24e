"""The app's end of the player's live controls: settings from the browser are checked like a link's values
(ui.player_component.valid_live), and become the Explorer's state (ui.pages.explorer.live_state) with exact starts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ui.pages.explorer import ExplorerState, live_state, read_state
from ui.player_component import LiveChange, valid_live
from ui.presets import EXPLORER_DEFAULT
from ui.url_state import UrlReader

BOX = [-2.0, 2.0, -1.5, 1.5]
LIVE = {"series": [{"kind": "adam", "fields": [{"name": "lr", "knob": True}, {"name": "b1", "knob": True},
                                               {"name": "seed", "knob": False}]},
                   {"kind": "adam_cm", "fields": [{"name": "lr", "knob": True}, {"name": "top_c", "knob": True},
                                                  {"name": "priority", "knob": True}]}],
        "max_starts": 3, "max_steps": 1000}
SENT = {"optimizers": [{"name": "adam", "values": {"lr": 0.02, "b1": 0.8}},
                       {"name": "adam_cm", "values": {"lr": 0.05, "top_c": 3, "priority": "fifo"}}],
        "starts": [[-1.0, 0.5], [1, 1]], "steps": 200, "drawn": True}


def test_settings_the_live_part_offers_are_taken_with_their_fields_types():
    change = valid_live(SENT, LIVE, BOX)
    assert change == LiveChange((("adam", {"lr": 0.02, "b1": 0.8}), ("adam_cm", {"lr": 0.05, "top_c": 3,
                                                                                  "priority": "fifo"})),
                                ((-1.0, 0.5), (1.0, 1.0)), 200, True)


def _with(**changes) -> dict:
    return {**SENT, **changes}


def _knob(k: int, **values) -> dict:
    optimizers = [dict(o) for o in SENT["optimizers"]]
    optimizers[k] = {**optimizers[k], "values": {**optimizers[k]["values"], **values}}
    return _with(optimizers=optimizers)


@pytest.mark.parametrize("sent", [
    None, "text", _with(steps=0), _with(steps=1001), _with(steps=20.0), _with(steps=True), _with(drawn="yes"),
    _with(starts=[]), _with(starts=[[0, 0]] * 4), _with(starts=[[3.0, 0.0]]), _with(starts=[[float("nan"), 0]]),
    _with(starts=[[0, True]]), _with(optimizers=SENT["optimizers"][:1]),
    _with(optimizers=[{"name": "sgd", "values": {}}, SENT["optimizers"][1]]),
    _knob(0, lr=-1.0), _knob(0, lr=0.0), _knob(0, lr="0.1"), _knob(0, lr=True), _knob(0, b1=1.0), _knob(0, seed=3),
    _knob(0, rho=0.1), _knob(1, top_c=2.5), _knob(1, priority="loudest"), _knob(1, priority=1),
])
def test_anything_else_from_the_browser_is_refused_whole(sent):
    assert valid_live(sent, LIVE, BOX) is None


@pytest.fixture
def state() -> ExplorerState:
    return read_state(UrlReader(EXPLORER_DEFAULT.link()))


def _change(state: ExplorerState, starts, **values) -> LiveChange:
    optimizers = tuple((name, dict(values) if name == "adam_cm" else {}) for name, _ in state.optimizers)
    return LiveChange(optimizers, tuple(map(tuple, starts)), 150, True)


def _shown_starts(state):
    from ui import compute
    from ui.pages.explorer import start_points

    return start_points(state, compute.landscape(state.landscape_spec)).tolist()


def test_a_knob_changed_in_the_player_is_the_states_value_and_the_starts_stay_preset(state):
    changed = live_state(state, _change(state, _shown_starts(state), lr=0.03))
    assert changed == replace(state, optimizers=tuple((name, {**values, "lr": 0.03} if name == "adam_cm" else values)
                                                      for name, values in state.optimizers))
    assert changed.params()["optimizer"][-1] == "adam_cm:lr=0.03" and changed.params()["starts"] == "preset"


def test_a_start_added_in_the_player_is_an_added_start_and_a_moved_one_makes_the_starts_points(state):
    shown = _shown_starts(state)
    added = live_state(state, _change(state, [*shown, [0.5, 0.25]]))
    assert added.starts == "preset" and added.added == ((0.5, 0.25),)
    moved = live_state(added, _change(added, [[-1.5, 0.125], *shown[1:], [0.5, 0.25]]))
    assert moved.starts == "points" and moved.added == () and moved.points == ((-1.5, 0.125), *map(tuple, shown[1:]),
                                                                                (0.5, 0.25))
    assert moved.params()["points"].startswith("-1.5,0.125;")


def test_the_number_of_each_live_change_is_kept_even_when_the_change_is_refused(monkeypatch):
    """Payloads name the last change the page heard of (`live_seq`), so the player can tell one built before its
    change from the answer to it; a refused change was heard too, or the player would wait for its answer forever."""
    from types import SimpleNamespace

    import ui.player_component as component

    monkeypatch.setattr(component.st, "session_state", {})
    taken = []
    for sent, heard in (({**SENT, "seq": 3}, 3), ({"seq": 4, "steps": "x"}, 4), ({**SENT, "seq": -1}, 4),
                        ({**SENT, "seq": True}, 4), ({**SENT, "seq": 2**60}, 4), (SENT, 4), ("text", 4)):
        component.st.session_state["key"] = SimpleNamespace(live=sent)
        component._live_changed("key", LIVE, BOX, taken.append)
        assert component.st.session_state[component.LIVE_HEARD]["key"] == heard
    assert len(taken) == 5  # SENT with any number, or none, is taken; the rest is refused whole
