"""Every registry entry is whole: its record (label, docs, rank, and what its kind adds) beside its code, its fields'
symbols, and the costs its built object declares. A new optimizer or landscape missing any piece fails here by
name, whatever else it touched (docs/extending.md)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from export.labels import display_name, optimizer_labels, parameter_symbol
from landscapes import LANDSCAPES
from optimizers import OPTIMIZERS, build_optimizer
from optimizers.base import STEP_FLOATS
from tests.browser_support import ROOT

RUNS, DIM = 7, 3  # a batch whose runs and coordinates tell the state's arrays apart


def anchors(path: str) -> set[str]:
    """The anchors of a Markdown file's headings, as GitHub makes them: lower case, punctuation but - and _ dropped,
    spaces turned into hyphens."""
    headings = re.findall(r"^#+ (.+)$", (ROOT / path).read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def documented(docs: str) -> bool:
    path, _, anchor = docs.partition("#")
    return (ROOT / path).is_file() and anchor in anchors(path)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_has_a_label_a_palette_family_learn_equations_and_a_documented_section(name):
    record = OPTIMIZERS.record(name)
    assert record.label and record.palette_family and record.summary.endswith(".")
    assert record.equations and all(equation.strip() for equation in record.equations)
    assert documented(record.docs), f"{name}'s docs {record.docs} name no heading of that file"


@pytest.mark.parametrize("name", LANDSCAPES.names())
def test_every_landscape_has_a_label_a_documented_section_and_its_measured_basin_costs(name):
    record = LANDSCAPES.record(name)
    assert record.label and record.basin_work_anywhere > 0 and record.basin_work_near_minimum > 0
    assert documented(record.docs), f"{name}'s docs {record.docs} name no heading of that file"


@pytest.mark.parametrize("registry", [OPTIMIZERS, LANDSCAPES], ids=["optimizers", "landscapes"])
def test_labels_are_distinct_and_the_registry_lists_entries_by_rank(registry):
    records = [registry.record(name) for name in registry.names()]
    assert len({record.label for record in records}) == len(records)
    assert [record.rank for record in records] == sorted(record.rank for record in records)


def test_the_palette_families_are_the_kinds_own_names():
    # export.palette gives each family one colour and dash; until it reads the records every kind is its own family
    assert [OPTIMIZERS.record(name).palette_family for name in OPTIMIZERS.names()] == OPTIMIZERS.names()


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_labels_name_an_optimizer_by_its_record_and_its_settings_by_their_symbols(name):
    assert display_name(name) == OPTIMIZERS.record(name).label
    values = OPTIMIZERS.resolve(name)[1]
    changed = {f.name: f.check(f.high) for f in OPTIMIZERS.entry(name).fields
               if f.symbol and f.kind in ("int", "float") and not f.high_open and f.high != f.default}
    label = optimizer_labels([(name, {**values, **changed})])[0]
    assert label.startswith(OPTIMIZERS.record(name).label + " (")
    for field in OPTIMIZERS.entry(name).fields:
        if field.name in changed:
            assert f"{field.symbol}={field.format(changed[field.name])}" in label


def test_every_field_of_a_name_writes_one_symbol_and_its_title_starts_with_it():
    symbols: dict[str, set[str]] = {}
    for entry in OPTIMIZERS.entries():
        for field in entry.fields:
            symbols.setdefault(field.name, set()).add(field.symbol)
            assert not (field.symbol and field.title) or field.title.startswith(field.symbol), field
    assert {name: found for name, found in symbols.items() if len(found) > 1} == {}
    assert parameter_symbol("top_c") == "C" and parameter_symbol("lr") == "lr"


def vector_floats(state: object) -> int:
    """Floats per run in the state's arrays of a run's shape ((N, d), (C, N, d)): what grows with the dimension."""
    if isinstance(state, np.ndarray):
        return state.size // RUNS if state.ndim >= 2 and state.shape[-1] == DIM and RUNS in state.shape else 0
    if isinstance(state, tuple):
        return sum(vector_floats(part) for part in state)
    return 0


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_declares_the_memory_of_its_state_and_step(name):
    optimizer = build_optimizer(f"{name}:noise=1")
    x = np.random.default_rng(0).normal(size=(RUNS, DIM))
    state = optimizer.init(x)
    for _ in range(3):
        x, state = optimizer.step(state, x, lambda y: 2 * y)
    needed = 2 * vector_floats(state) + 3 * DIM  # the state given and returned; x, the gradient and the new x
    assert needed <= optimizer.memory(DIM) <= needed + 2 * STEP_FLOATS * DIM


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_declares_its_buffer_and_its_extra_work(name):
    optimizer = build_optimizer(name)
    x = np.random.default_rng(1).normal(size=(RUNS, DIM))
    state = optimizer.init(x)
    for _ in range(2):
        x, state, aux = optimizer.update(state, x, lambda y: 2 * y)
    assert ("stored" in aux) == (optimizer.buffer_capacity > 0)
    assert "stored" not in aux or 0 < len(aux["stored"]) <= optimizer.buffer_capacity
    assert optimizer.extra_work(DIM) >= 0 and build_optimizer(f"{name}:noise=1").extra_work(DIM) > \
        optimizer.extra_work(DIM)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_takes_the_noise_knob(name):
    x = np.random.default_rng(2).normal(size=(RUNS, DIM))
    ends = []
    for noise in (0, 1):
        optimizer = build_optimizer(f"{name}:lr=0.1,noise={noise}")
        y, state = x, optimizer.init(x)
        for _ in range(3):
            y, state = optimizer.step(state, y, lambda z: 2 * z)
        ends.append(y)
    assert not np.allclose(ends[0], ends[1])
