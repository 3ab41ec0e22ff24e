"""AppTest with the browser's memory of select boxes and radios, so tests see what a person's browser sends.

AppTest rebuilds every widget's value from session state before each run and sends it formatted with the newest
labels. A browser does not: a select box keeps the label it shows until the server sends it a value or the person
picks another option, and sends that label back on every rerun. When the labels change under it (a run labelled by
its optimizer's lr), the old label comes back as text: the crash of issue 18. `WireApp` sends what the browser
would, and lets a test send what a stale or hostile browser might.
"""

from __future__ import annotations

from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

LABELLED = ("selectbox", "radio")  # widgets whose value travels as the label of an option


class WireApp:
    """An AppTest run as a browser runs it (see the module's docstring)."""

    def __init__(self, at: AppTest) -> None:
        self.at = at
        self.shown: dict[str, str] = {}  # widget id -> the label the browser holds
        self._observe()

    def _observe(self) -> None:
        """After a run: a widget the server sent a value takes its label; a new one shows its default option."""
        seen = set()
        for kind in LABELLED:
            for element in getattr(self.at, kind):
                proto = element.proto
                seen.add(proto.id)
                if proto.set_value:
                    self.shown[proto.id] = proto.raw_value
                elif proto.id not in self.shown and proto.options and proto.HasField("default"):
                    self.shown[proto.id] = proto.options[proto.default]
        for stale in set(self.shown) - seen:  # a widget no longer drawn is forgotten, as the browser unmounts it
            del self.shown[stale]

    def element(self, key: str) -> Any:
        for kind in (*LABELLED, "number_input", "text_input", "text_area", "checkbox", "toggle", "select_slider",
                     "button", "button_group"):
            for element in getattr(self.at, kind):
                if element.key == key:
                    return element
        raise KeyError(key)

    def run(self, overrides: dict[str, dict[str, Any]] | None = None) -> WireApp:
        """Rerun with every widget's state as the browser sends it; `overrides` maps a widget's key to the fields
        of its wire state to send instead ({"string_value": "a stale label"})."""
        sent = self._sent_as_shown()
        for key, fields in (overrides or {}).items():
            element = self.element(key)
            for state in sent.widgets:
                if state.id == element.id:
                    state.Clear()
                    state.id = element.id
                    for name, value in fields.items():
                        if name.endswith("_array_value"):
                            getattr(state, name).data.extend(value)
                        else:
                            setattr(state, name, value)
        self.at._run(sent)
        if not any(element.key == "nav.page" for element in self.at.radio):
            # A fragment reran alone, and AppTest now holds only its part; the browser still shows the whole page.
            self.at._run(self._sent_as_shown())
        self._observe()
        return self

    def _sent_as_shown(self) -> WidgetStates:
        states = self.at._tree.get_widget_states()
        for state in states.widgets:
            if state.id in self.shown:
                state.string_value = self.shown[state.id]
        return states

    def pick(self, key: str, index: int) -> WireApp:
        """The person picks option `index` of a select box or radio: the browser sends its label."""
        element = self.element(key)
        self.shown[element.id] = element.options[index]
        return self.run()

    def set(self, key: str, value: Any) -> WireApp:
        """The person types or toggles a value in any other widget."""
        self.element(key).set_value(value)
        return self.run()

    def press(self, key: str) -> WireApp:
        self.element(key).click()
        return self.run()
