"""A person's session is a sequence of edits: model-based tests of every page.

A hypothesis state machine drives each page through random sequences of edits, sent as a browser sends them
(tests/wire.py: a select box sends back the label it shows, however stale): every number, select box, radio, check
box and text box, adding and removing optimizers, switching to another page and back, following another run, and
hostile values a browser could send. After every step: no exception, the state is coherent, and a fresh session
opened on the page's link shows the same view. The first tests replay the sequences that once crashed the Explorer.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tests.test_app import app, shown
from tests.wire import WireApp
from ui.pages import basin_map, escape_lab, explorer
from ui.url_state import UrlReader

CAP = 30_000  # a low work cap keeps every random configuration quick (and tests the refusals on the way)
OPENING = {"explorer": {"steps": "30"}, "escape": {"steps": "30", "runs": "20"}, "basins": {"steps": "30",
           "resolution": "6"}, "learn": {}}
TEXTS = ["", "1,2", "0,0; 1,-1", "-1,1,-1,1", "1, 2, 4", "nan,1", "x**2 + y**2", "sin(3*x)*cos(y) + 0.1*(x**2+y**2)",
         "9**9**9", "__import__('os')", "*bold* [a](http://x)", "é" * 40]
HOSTILE_LABELS = ["Adam (lr=0.123), run 1", "", "<script>", "0", "none", "x" * 300]


def links(at) -> dict[str, list[str]]:
    """The page's link, every key with the list of its values."""
    return {key: at.query_params.get_all(key) if hasattr(at.query_params, "get_all") else
            [at.query_params[key]] if isinstance(at.query_params[key], str) else list(at.query_params[key])
            for key in at.query_params}


def tables(at) -> list:
    return [frame.value for frame in at.dataframe]


def assert_no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def fresh_session_on(params: dict[str, list[str]]):
    """A new session opened on `params` with the same work cap."""
    at = app({key: values if len(values) > 1 else values[0] for key, values in params.items()})
    if any(w.key == "settings.max_work" for w in at.number_input):
        [cap] = [w for w in at.number_input if w.key == "settings.max_work"]
        cap.set_value(CAP).run()
    return at


class PageSession(RuleBasedStateMachine):
    """One person on one page (subclasses name it and its module)."""

    page = "explorer"
    module = None
    display_only: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        at = app({"page": self.page, **OPENING[self.page]})
        self.app = WireApp(at)
        self.app.set("settings.max_work", CAP)
        self.edits: list[str] = []  # the sequence so far, printed when an assertion fails

    # -- what a person does --------------------------------------------------------------------------------------

    def controls(self, *kinds: str) -> list:
        return [c for kind in kinds for c in getattr(self.app.at, kind)
                if c.key and not c.key.startswith(("settings.", "nav.")) and not getattr(c, "disabled", False)]

    def draw_control(self, data, *kinds: str):
        """One of the controls of `kinds` shown now (drawn by key: hypothesis prints what it draws)."""
        key = data.draw(st.sampled_from(sorted(c.key for c in self.controls(*kinds))), label="control")
        return self.app.element(key)

    @precondition(lambda self: self.controls("number_input"))
    @rule(data=st.data())
    def edit_a_number(self, data) -> None:
        control = self.draw_control(data, "number_input")
        low = control.min if control.min is not None else -1e3
        high = control.max if control.max is not None else 1e3
        if isinstance(control.value, int) and not isinstance(control.value, bool):
            value = data.draw(st.sampled_from(sorted({int(low), int(low) + 1, int(min(high, low + 40)),
                                                      int(min(high, 2_000)), int(high)})), label="int")
        elif low > 0:
            value = data.draw(st.one_of(st.sampled_from([float(low), float(high)]),
                                        st.floats(math.log(low), math.log(high)).map(math.exp)), label="float")
        else:
            value = data.draw(st.floats(float(low), float(high), allow_nan=False), label="float")
        self.edits.append(f"set {control.key} = {value!r}")
        self.app.set(control.key, value)

    @rule(data=st.data())
    def retype_a_learning_rate(self, data) -> None:
        """The edit that once crashed: the same lr typed twice in a row (the labels carry it)."""
        rates = [c for c in self.controls("number_input") if c.key.endswith(".lr")]
        if not rates:
            return
        control = self.app.element(data.draw(st.sampled_from(sorted(c.key for c in rates)), label="lr"))
        for value in data.draw(st.lists(st.sampled_from([0.1, 0.02, 0.05, 0.3]), min_size=2, max_size=2)):
            self.edits.append(f"set {control.key} = {value!r}")
            self.app.set(control.key, value)

    @precondition(lambda self: self.controls("selectbox", "radio"))
    @rule(data=st.data())
    def pick_an_option(self, data) -> None:
        """A select box or radio (the optimizer, the landscape, the run the overlays follow, a sweep axis, ...)."""
        control = self.draw_control(data, "selectbox", "radio")
        index = data.draw(st.integers(0, len(control.options) - 1), label="option")
        self.edits.append(f"pick {control.key} = {control.options[index]!r}")
        self.app.pick(control.key, index)

    @precondition(lambda self: self.controls("checkbox", "toggle"))
    @rule(data=st.data())
    def flip_a_switch(self, data) -> None:
        control = self.draw_control(data, "checkbox", "toggle")
        self.edits.append(f"flip {control.key}")
        self.app.set(control.key, not control.value)

    @precondition(lambda self: self.controls("text_input", "text_area"))
    @rule(data=st.data())
    def type_text(self, data) -> None:
        control = self.draw_control(data, "text_input", "text_area")
        text = data.draw(st.sampled_from(TEXTS), label="text")
        self.edits.append(f"type {control.key} = {text!r}")
        self.app.set(control.key, text)

    @precondition(lambda self: any(b.key and b.key.endswith((".add", ".remove")) for b in self.controls("button")))
    @rule(data=st.data())
    def add_or_remove_an_optimizer(self, data) -> None:
        buttons = sorted(b.key for b in self.controls("button") if b.key and b.key.endswith((".add", ".remove")))
        key = data.draw(st.sampled_from(buttons), label="button")
        self.edits.append(f"press {key}")
        self.app.press(key)

    @rule(data=st.data())
    def visit_another_page_and_come_back(self, data) -> None:
        other = data.draw(st.sampled_from([p for p in OPENING if p != self.page]), label="page")
        self.edits.append(f"visit {other} and come back")
        self.app.pick("nav.page", list(OPENING).index(other))
        assert_no_exception(self.app.at)
        self.app.pick("nav.page", list(OPENING).index(self.page))

    @precondition(lambda self: self.controls("selectbox", "radio", "checkbox", "toggle"))
    @rule(data=st.data())
    def send_a_hostile_value(self, data) -> None:
        """What a stale or forged browser sends in place of a choice: a label the page does not offer (numbers are
        checked by Streamlit against their box's range before the page sees them: see the test below)."""
        control = self.draw_control(data, "selectbox", "radio", "checkbox", "toggle")
        kind = type(control).__name__
        if kind in ("Selectbox", "Radio"):
            wire = {"string_value": data.draw(st.sampled_from(HOSTILE_LABELS), label="label")}
        else:
            wire = {"bool_value": not control.value}  # a switch: the only value it can send is the other one
        self.edits.append(f"send {control.key} {wire!r}")
        self.app.run({control.key: wire})

    # -- what must hold after every step -------------------------------------------------------------------------

    @invariant()
    def no_exception_and_coherent(self) -> None:
        at = self.app.at
        assert_no_exception(at)
        assert links(at).get("page") == [self.page], self.edits
        for control in self.controls("selectbox", "radio"):
            assert control.index is not None and 0 <= control.index < len(control.options), (control.key, self.edits)
        self.coherent(at)

    def coherent(self, at) -> None:
        """What this page's controls, link and view must agree on (subclasses add theirs)."""

    @invariant()
    def the_link_names_the_state_shown(self) -> None:
        """The link read back is the state the page shows (its runs too, where the page has any): a link copied
        now restores this view. A fresh session opened on it checks the same at the end of each sequence."""
        shown_now = self.app.at.session_state[f"_{self.page}.shown"][0] if self.module else None
        if shown_now is None:
            return
        again = self.module.read_state(UrlReader(links(self.app.at)))
        assert self.kept(again.params()) == self.kept(shown_now.params()), self.edits
        if hasattr(shown_now, "runs_key"):
            assert again.runs_key() == shown_now.runs_key(), self.edits

    def kept(self, params: dict) -> dict:
        """`params` without the choices a page makes in a fragment after its full run (not in the state it keeps)."""
        return {key: value for key, value in params.items() if key not in self.display_only}

    def teardown(self) -> None:
        at = self.app.run().at  # a full run: a fragment's rerun shows only the fragment
        params = links(at)
        again = fresh_session_on(params)
        assert_no_exception(again)
        assert links(again) == params, self.edits
        for before, after in zip(tables(at), tables(again), strict=True):
            assert before.equals(after), self.edits


class ExplorerSession(PageSession):
    page = "explorer"
    module = explorer

    def coherent(self, at) -> None:
        optimizers = links(at)["optimizer"]
        if not at.error:  # every input valid: the controls show what the link says and the view ran
            assert len([s for s in at.selectbox if s.key.endswith(".name")]) == len(optimizers), self.edits
            [steps] = [w for w in at.number_input if w.key == "ex.steps"]
            assert steps.value == int(links(at).get("steps", ["300"])[0]), self.edits
        rows = at.dataframe[0].value if at.dataframe else None
        if rows is not None:
            assert len(rows) % len(optimizers) == 0 and rows["optimizer"].nunique() <= len(optimizers), self.edits
        notices = " ".join(shown(w) for w in at.warning)
        assert "Using  instead" not in notices


class EscapeLabSession(PageSession):
    page = "escape"
    module = escape_lab
    display_only = ("sample", "survival", "cells")

    def coherent(self, at) -> None:
        assert len(links(at)["optimizer"]) == len([s for s in at.selectbox if s.key.endswith(".name")]) or at.error


class BasinMapSession(PageSession):
    page = "basins"
    module = basin_map
    display_only = ("left",)


class LearnSession(PageSession):
    page = "learn"


SESSIONS = settings(max_examples=6, stateful_step_count=10, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.parametrize("machine", [ExplorerSession, EscapeLabSession, BasinMapSession, LearnSession],
                         ids=lambda machine: machine.page)
def test_random_sequences_of_edits_keep_every_page_whole(machine):
    run_state_machine_as_test(machine, settings=SESSIONS)


@pytest.mark.parametrize("values", [(0.1, 0.02), (0.1, 0.1), (0.02, 0.3)])
def test_editing_adam_cms_lr_twice_then_the_steps_keeps_the_explorer(values):
    """The crash of issue 18, as a browser sends it: the overlays' select box holds a label with the old lr."""
    session = WireApp(app({"page": "explorer", "steps": "30"}))
    for value in values:
        session.set("ex.O2.adam_cm.lr", value)
        assert_no_exception(session.at)
    session.set("ex.steps", 40)
    assert_no_exception(session.at)
    assert session.at.session_state["ex.follow"] == (2, 0)  # still Adam+CM's first run, by its slot
    assert links(session.at)["optimizer"][2] == f"adam_cm:lr={values[-1]}"


def test_the_followed_run_stays_with_its_optimizer_when_another_is_removed():
    session = WireApp(app({"page": "explorer", "steps": "30"}))
    session.pick("ex.follow", [o for o in session.element("ex.follow").options].index("Adam+CM (lr=0.05), run 2"))
    session.press("ex.O0.remove")
    assert_no_exception(session.at)
    assert session.element("ex.follow").value == (2, 1)  # slot 2 is now the second optimizer shown
    assert links(session.at)["follow"] == ["1,1"]


@pytest.mark.parametrize(("key", "wire", "words"), [
    ("ex.follow", {"string_value": "Adam+CM (lr=0.7), run 1"}, "overlays follow"),
    ("ex.O0.name", {"string_value": "shampoo"}, "optimizer 1"),
    ("ex.starts", {"string_value": "everywhere"}, "starts"),
    ("ex.landscape", {"string_value": "moon"}, "landscape"),
    ("nav.page", {"string_value": "admin"}, "page"),
])
def test_a_label_the_browser_sends_that_the_page_does_not_offer_is_dropped_with_a_notice(key, wire, words):
    session = WireApp(app({"page": "explorer", "steps": "30"}))
    before = links(session.at)
    session.run({key: wire})
    assert_no_exception(session.at)
    notices = [shown(w) for w in session.at.warning]
    assert any(f"The {words} control held" in n and "was not used" in n for n in notices), notices
    assert links(session.at) == before  # the default it fell back to is what the link already said


@pytest.mark.parametrize(("key", "wire"), [("ex.steps", {"double_value": 1e9}), ("ex.steps", {"double_value": 2.5}),
                                           ("ex.O0.adam.lr", {"double_value": math.inf}),
                                           ("ex.O0.adam.b1", {"double_value": -1.0}),
                                           ("ex.O0.adam.b1", {"double_value": math.nan})])
def test_a_number_the_browser_forges_never_reaches_a_run(key, wire):
    """A number box's own range is enforced before the page sees it: out of range, not finite or not a number
    falls back to the box's value; whatever arrives is a number the box offers."""
    session = WireApp(app({"page": "explorer", "steps": "30"}))
    session.run({key: wire})
    assert_no_exception(session.at)
    control = session.element(key)
    assert isinstance(control.value, (int, float)) and math.isfinite(control.value)
    assert control.min is None or control.value >= control.min
    assert control.max is None or control.value <= control.max


@pytest.mark.parametrize(("page", "key", "instead"), [("explorer", "follow", "The overlays follow the default run."),
                                                      ("escape", "sample", "default configuration"),
                                                      ("escape", "survival", "default value")])
def test_an_over_long_link_value_says_what_the_page_does_instead(page, key, instead):
    at = app({"page": page, **OPENING[page], key: "1," * 40})
    assert_no_exception(at)
    [notice] = [shown(w) for w in at.warning if f"{key}=" in shown(w)]
    assert instead in notice and "Using  instead" not in notice


@pytest.mark.parametrize(("page", "key", "value", "words"), [("explorer", "follow", "7,0", "optimizer 8 of 3"),
                                                             ("explorer", "follow", "0,99", "optimizer 1, run 100"),
                                                             ("escape", "sample", "9,0", "optimizer 10 at value 1"),
                                                             ("escape", "survival", "50", "value 51")])
def test_an_index_past_what_is_shown_falls_back_to_the_default_with_a_notice(page, key, value, words):
    at = app({"page": page, **OPENING[page], "axis": "sharpness", "values": "8,16", key: value})
    assert_no_exception(at)
    assert any(words in shown(w) and "default" in shown(w) for w in at.warning), [shown(w) for w in at.warning]
