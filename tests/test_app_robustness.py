"""The app against whatever a user or a stranger's link throws at it: random links, random control values, many
reruns, and two sessions computing at once."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import random
import statistics
import threading
import tracemalloc

import psutil
import pytest
import streamlit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS
from tests.test_app import app, assert_clean, widget
from ui.pages.explorer import START_LABELS, VIEW_LABELS

RADIO_LABELS = {"ex.starts": START_LABELS, "ex.view": VIEW_LABELS}
CAP = 30_000  # a low work cap keeps every random configuration quick
LINK_CEILING = "3000000"  # the server's ceiling under random links: a heavy one is refused at once, not run for 3 s


def spec_text():
    """Spec-like strings: registered names with random parameters, and random text."""
    name = st.sampled_from(LANDSCAPES.names() + OPTIMIZERS.names() + ["", "nope", "custom", "true"])  # true: match
    key = st.sampled_from(["lr", "rho", "top_c", "sharpness", "dim", "formula", "seed", "noise", "b1", "x"])
    value = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                      st.text(max_size=12), st.sampled_from(["1e400", "-0", "x**2+y**2", "__import__('os')", ""]))
    params = st.lists(st.tuples(key, value).map(lambda kv: f"{kv[0]}={kv[1]}"), max_size=3).map(",".join)
    return st.one_of(st.tuples(name, params).map(lambda np_: f"{np_[0]}:{np_[1]}" if np_[1] else np_[0]),
                     st.text(max_size=30))


LINK_KEYS = ["page", "landscape", "optimizer", "starts", "points", "runs", "region", "steps", "noise", "seed", "view",
             "overlays", "run", "basin", "axis", "values", "axis2", "values2", "cells", "survival", "match",
             "resolution", "junk"]


@pytest.mark.parametrize("page", ["explorer", "escape", "basins", "learn"])  # one test per page: spread over cores
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(link=st.dictionaries(st.sampled_from(LINK_KEYS),
                            st.one_of(spec_text(), st.lists(spec_text(), min_size=1, max_size=3)), max_size=6))
def test_random_links_never_raise(page, link):
    link = {"page": page, "steps": "30", "runs": "20", "resolution": "8", **link}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CMX_MAX_WORK", LINK_CEILING)
        at = app(link)
    assert_clean(at)


def _random_value(rng: random.Random, control):
    kind = type(control).__name__
    if kind == "Radio":  # the options shown are labels: pick among the values behind them
        return rng.choice(list(RADIO_LABELS[control.key]))
    if kind == "Selectbox":
        return rng.choice(list(control.options))
    if kind == "SelectSlider":  # the app's select sliders are log scales of numbers
        return float(rng.choice(list(control.options)))
    if kind in ("Toggle", "Checkbox"):
        return rng.random() < 0.5
    if kind == "NumberInput":
        low = control.min if control.min is not None else -1e3
        high = control.max if control.max is not None else 1e3
        if isinstance(control.value, int) and not isinstance(control.value, bool):
            high = min(high, low + 2000)
            return rng.randint(int(low), int(high))
        edge = rng.random()
        if edge < 0.15:
            return float(low)
        if edge < 0.3:
            return float(high)
        if low > 0:
            return float(low * (high / low) ** rng.random())
        return rng.uniform(low, high)
    if kind in ("TextInput", "TextArea"):
        return rng.choice(["", "1,2", "0,0; 1,-1", "-1,1,-1,1", "3,2,1,0", "nan,1", "x**2 + y**2",
                           "sin(3*x)*cos(y) + 0.1*(x**2+y**2)", "9**9**9", "__import__('os')", "é" * 40])
    raise TypeError(kind)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_random_control_values_never_raise(seed):
    rng = random.Random(seed)
    at = app({"page": "explorer", "steps": "30"})
    widget(at, "settings.max_work").set_value(CAP).run()
    for _ in range(15):
        controls = [c for kind in ("selectbox", "radio", "select_slider", "toggle", "checkbox", "number_input",
                                   "text_input", "text_area") for c in getattr(at, kind)
                    if c.key and not c.key.startswith(("settings.", "nav."))]
        control = rng.choice(controls)
        control.set_value(_random_value(rng, control)).run()
        assert_clean(at)


def _rss() -> int:
    """Resident memory after a garbage collection, with freed heap handed back to the system where glibc allows."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return psutil.Process().memory_info().rss


@pytest.mark.slow
def test_two_hundred_reruns_do_not_grow_memory():
    """Growth per rerun, not the allocator's settling: Python's own allocations are traced exactly, and the resident
    size is compared as medians of samples (a single reading moves by several MiB as glibc's arenas settle)."""
    at = app({"page": "explorer", "steps": "40"})
    views = ["map", "surface"]
    for i in range(100):  # warm every cache, and let the allocator reach its working size
        widget(at, "ex.view").set_value(views[i % 2]).run()
    tracemalloc.start()
    try:
        traced_before = tracemalloc.get_traced_memory()[0]
        resident = []
        for i in range(200):
            widget(at, "ex.view").set_value(views[i % 2]).run()
            if i % 20 == 19:
                resident.append(_rss())
        traced_growth = (tracemalloc.get_traced_memory()[0] - traced_before) / 2**20
    finally:
        tracemalloc.stop()
    assert_clean(at)
    resident_growth = (statistics.median(resident[5:]) - statistics.median(resident[:5])) / 2**20
    assert traced_growth < 1, f"Python allocations grew by {traced_growth:.2f} MiB over 200 reruns"
    assert resident_growth < 5, f"resident memory grew by {resident_growth:.1f} MiB over 200 reruns"


def test_two_sessions_computing_at_once_get_what_each_gets_alone():
    """Two sessions' requests at once, through the app's compute layer and its shared cache (AppTest cannot run two
    scripts at once: the component registry is a process singleton), give what each gives alone."""
    from ui.pages import explorer
    from ui.url_state import UrlReader

    links = [{"page": "explorer", "steps": "61", "landscape": "ackley",
              "optimizer": ["adam_cm:lr=0.07", "adam_sam:lr=0.07"], "starts": "random", "runs": "25", "seed": "3"},
             {"page": "explorer", "steps": "63", "landscape": "two_basin:sharpness=20",
              "optimizer": ["adam_cm:lr=0.05", "adam_sam_cm:lr=0.05"], "starts": "random", "runs": "25",
              "noise": "0.2", "seed": "4"},
             {"page": "explorer", "steps": "65", "landscape": "custom:formula=sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)",
              "optimizer": ["adam:lr=0.05", "adam_cm:lr=0.05"], "starts": "random", "runs": "25", "seed": "5"}]
    states = [explorer.read_state(UrlReader(link)) for link in links]
    together: list = [None] * len(states)

    def session(i: int) -> None:
        together[i] = explorer.run_table(explorer.compute_view(states[i], 10**9))

    threads = [threading.Thread(target=session, args=(i,)) for i in range(len(states))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    streamlit.cache_resource.clear()  # the results cache lives in a resource
    for i, state in enumerate(states):
        alone = explorer.run_table(explorer.compute_view(state, 10**9))
        assert together[i] is not None and together[i].equals(alone)
