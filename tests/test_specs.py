"""The spec-string language and the Field validator."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from specs import Field, Record, SpecError, parse_spec
from specs.language import Registry

LR = Field("lr", "float", 0.001, "step", low=0.0, high=10.0, low_open=True)
COUNT = Field("count", "int", 3, "how many", low=1, high=9)
MODE = Field("mode", "choice", "a", "which", choices=("a", "b"))
FLAG = Field("flag", "bool", False, "on or off")
TEXT = Field("formula", "text", "x", "a formula", max_length=50)


def test_parse_splits_name_and_values():
    assert parse_spec("adam") == ("adam", {})
    assert parse_spec(" adam_cm : lr = 0.01 , top_c=5 ") == ("adam_cm", {"lr": "0.01", "top_c": "5"})


def test_text_keys_take_the_rest_of_the_string():
    assert parse_spec("custom:seed=1,formula=sin(x), y", text_keys=["formula"]) == (
        "custom", {"seed": "1", "formula": "sin(x), y"})


@pytest.mark.parametrize("text, message", [
    ("", "a spec must start with a name"),
    (":lr=1", "a spec must start with a name"),
    ("adam:lr", "'lr' in spec 'adam' must be written key=value"),
    ("adam:lr=1,lr=2", "parameter 'lr' is given twice in spec 'adam'"),
    ("adam:" + "x" * 6000, "a spec must be at most 5000 characters"),
])
def test_malformed_specs_are_refused(text, message):
    with pytest.raises(SpecError, match=message):
        parse_spec(text)


@pytest.mark.parametrize("field, raw, value", [
    (LR, "1e-3", 0.001), (LR, 10, 10.0), (COUNT, "4", 4), (COUNT, 4.0, 4), (MODE, " b ", "b"),
    (FLAG, "true", True), (FLAG, "0", False), (TEXT, "x*y", "x*y"),
])
def test_valid_values_are_converted(field, raw, value):
    assert field.check(raw) == value


@pytest.mark.parametrize("field, raw, message", [
    (LR, 0, "lr must be a number in (0, 10] (got 0)"),
    (LR, "11", "lr must be a number in (0, 10] (got 11)"),
    (LR, "inf", "lr must be a number in (0, 10] (got inf)"),
    (LR, "fast", "lr must be a number in (0, 10] (got fast)"),
    (LR, True, "lr must be a number in (0, 10] (got true)"),
    (COUNT, "2.5", "count must be an integer in [1, 9] (got 2.5)"),
    (COUNT, 10, "count must be an integer in [1, 9] (got 10)"),
    (MODE, "c", "mode must be one of a, b (got c)"),
    (FLAG, "maybe", "flag must be true or false (got maybe)"),
    (TEXT, "x" * 51, "formula must be text of at most 50 characters (got 51 characters)"),
])
def test_invalid_values_name_the_field_and_the_range(field, raw, message):
    with pytest.raises(SpecError) as error:
        field.check(raw)
    assert str(error.value) == message


@given(st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=80) | st.integers())
def test_check_either_accepts_in_range_or_raises_spec_error(value):
    try:
        checked = LR.check(value)
    except SpecError as error:
        assert str(error).startswith("lr must be a number in (0, 10]")
    else:
        assert isinstance(checked, float) and 0 < checked <= 10 and math.isfinite(checked)


def test_registry_fills_defaults_and_checks_keywords():
    registry = Registry("thing", Record, stamp=lambda built, name, params, spec: (built, spec))

    @registry.register("box", (LR, COUNT), "a box", Record("Box", "docs/things.md#box", 1))
    def make_box(*, lr, count):
        return (lr, count)

    assert make_box() == ((0.001, 3), "box")
    assert make_box(count="7") == ((0.001, 7), "box:count=7")
    assert registry.build("box:lr=2") == ((2.0, 3), "box:lr=2")
    assert registry.canonical("box:lr=0.001,count=5") == "box:count=5"
    with pytest.raises(SpecError, match="count must be an integer"):
        make_box(count=0)


def test_a_registry_lists_its_entries_by_their_records_ranks():
    registry = Registry("thing", Record)
    for name, rank in (("late", 30), ("early", 10), ("middle", 20)):
        registry.register(name, (), name, Record(name.title(), "docs/things.md", rank))(lambda: None)
    assert registry.names() == ["early", "middle", "late"]
    assert registry.record("middle") == Record("Middle", "docs/things.md", 20)


def test_an_entry_without_a_record_of_its_kind_or_with_a_taken_rank_is_refused_when_registered():
    registry = Registry("thing", Record)
    registry.register("first", (), "first", Record("First", "docs/things.md", 1))(lambda: None)
    with pytest.raises(TypeError, match="'second' needs a Record"):
        registry.register("second", (), "second", None)
    with pytest.raises(ValueError, match="'second' takes rank 1, which is first's"):
        registry.register("second", (), "second", Record("Second", "docs/things.md", 1))


def test_fields_mean_the_same_whatever_their_defaults_and_titles_but_not_across_meanings():
    other_default = Field("lr", "float", 1e-4, "step", low=0.0, high=10.0, low_open=True, title="lr (step)")
    assert LR.means_same_as(other_default) and other_default.means_same_as(LR)
    assert not LR.means_same_as(Field("lr", "float", 1e-3, "another rate", low=0.0, high=10.0, low_open=True))
    assert not LR.means_same_as(Field("lr", "float", 1e-3, "step", low=0.0, high=1.0, low_open=True))


def test_a_lenient_resolve_keeps_the_default_of_each_refused_parameter_and_names_it():
    registry = Registry("thing", Record)
    registry.register("box", (LR, COUNT), "a box", Record("Box", "docs/things.md#box", 1))(lambda **values: values)
    name, values, refused = registry.resolve_lenient("box:lr=-1,count=4,size=9")
    assert (name, values) == ("box", {"lr": 0.001, "count": 4})
    assert [(key, str(error)) for key, error in refused] == [
        ("lr", "lr must be a number in (0, 10] (got -1)"),
        ("size", "box has no parameter 'size'; its parameters are: lr, count")]
    with pytest.raises(SpecError, match="unknown thing 'bag'"):
        registry.resolve_lenient("bag:lr=1")
    with pytest.raises(SpecError, match="lr must be"):
        registry.resolve("box:lr=-1,count=4")
