"""Validation in one place: every schema field, start point, step count, run count and work limit is checked the same
way through every door of the Python API (spec strings, keywords, mappings, the registered builders, `run`) and the
CLI. A value outside its range is refused with one sentence naming the field, the value and the range (on the CLI:
one line on stderr, exit 2, never a traceback); the edges of every range are accepted and compute."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import math
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from experiments.run import EVERY, STEPS, run
from experiments.work import DEFAULT_MAX_WORK, MAX_WORK, fixed_step_work, step_work
from landscapes import LANDSCAPES, build_landscape
from optimizers import OPTIMIZERS
from specs import SpecError

REGISTRIES = {"optimizer": OPTIMIZERS, "landscape": LANDSCAPES}
FIELDS = [(kind, entry.name, field) for kind, registry in REGISTRIES.items() for entry in registry.entries()
          for field in entry.fields]


def fields_of(*kinds: str) -> list:
    return [pytest.param(kind, name, field, id=f"{name}.{field.name}") for kind, name, field in FIELDS
            if field.kind in kinds]


# Fields that must be set together so that an edge of one stays consistent with the other (lambda_min <= lambda_max).
COMPANIONS = {"lambda_min": "lambda_max", "lambda_max": "lambda_min"}


@contextlib.contextmanager
def no_warnings():
    """Any warning (NumPy's RuntimeWarning, autograd's UserWarning, ...) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def cmx(*args: str) -> tuple[int, str, str]:
    """`cmx ARGS` in this process: exit status, stdout, stderr. Any other exception propagates (a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def assert_refused_in_one_line(code: int, out: str, err: str, message: str = "") -> None:
    assert code == 2, (out, err)
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, err
    assert message in err, err


def spec_text(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def start_text(dim: int) -> str:
    return ",".join(["0.5"] * dim)


def spec_with(kind: str, name: str, field, value) -> str:
    """`name:key=value`, with a companion field set to the same value where the pair must stay ordered."""
    parts = [f"{field.name}={spec_text(value)}"]
    entry_fields = {f.name for f in REGISTRIES[kind].entry(name).fields}
    if field.name in COMPANIONS and COMPANIONS[field.name] in entry_fields:
        parts.insert(0, f"{COMPANIONS[field.name]}={spec_text(value)}")
    return f"{name}:{','.join(parts)}"


def registered_builder(kind: str, name: str):
    """The checked builder an entry's module defines under the entry's name (`optimizers.adam.adam`)."""
    return getattr(importlib.import_module(REGISTRIES[kind].entry(name).build.__module__), name)


def python_doors(kind: str, name: str, key: str, value: object) -> list:
    """Every way the Python API accepts a parameter value, each as (label, call)."""
    registry = REGISTRIES[kind]

    def spec() -> str:  # only the text doors need the value as text (str() of a huge int raises)
        return f"{name}:{key}={spec_text(value)}"

    doors = [
        ("spec string", lambda: registry.build(spec())),
        ("keyword", lambda: registry.build(name, **{key: value})),
        ("mapping", lambda: registry.build({"name": name, key: value})),
        ("registered builder", lambda: registered_builder(kind, name)(**{key: value})),
    ]
    if kind == "optimizer":
        doors.append(("run", lambda: run("two_basin", spec(), np.zeros((1, 2)), 1)))
    else:
        doors.append(("run", lambda: run(spec(), "sgd", np.zeros((1, 2)), 1)))
    return doors


def cmx_run_with(kind: str, spec: str, dim: int = 2, *extra: str) -> tuple[int, str, str]:
    if kind == "optimizer":
        return cmx("run", "--landscape", "two_basin", "--optimizer", spec, "--start", "-1,0", "--steps", "2", *extra)
    return cmx("run", "--landscape", spec, "--optimizer", "sgd:lr=0.01", "--start", start_text(dim), "--steps", "2",
               *extra)


# -- numbers outside their range --------------------------------------------------------------------------------

def outside(field) -> st.SearchStrategy:
    """Numbers outside the field's range (its open edges included), nan and the infinities."""
    options = [st.sampled_from([math.nan, math.inf, -math.inf])]
    if field.low is not None:
        options.append(st.floats(max_value=field.low, exclude_max=not field.low_open, allow_nan=False,
                                 allow_infinity=False))
        if field.kind == "int":
            options.append(st.integers(max_value=int(field.low) - 1))
    if field.high is not None:
        options.append(st.floats(min_value=field.high, exclude_min=not field.high_open, allow_nan=False,
                                 allow_infinity=False))
        if field.kind == "int":
            options.append(st.integers(min_value=int(field.high) + 1))
    if field.kind == "int":
        options.append(st.floats(field.low, field.high).filter(lambda v: not v.is_integer()))
    return st.one_of(options)


@pytest.mark.parametrize("kind, name, field", fields_of("float", "int"))
@given(data=st.data())
@settings(max_examples=8)  # per field of every entry: hundreds of fields
def test_numbers_outside_the_range_are_refused_through_every_door(kind, name, field, data):
    value = data.draw(outside(field), label="value")
    expected = f"{field.name} must be {field.range_text()} (got "
    for label, call in python_doors(kind, name, field.name, value):
        with pytest.raises(SpecError) as error:
            call()
        assert str(error.value).startswith(expected), label
    assert_refused_in_one_line(*cmx_run_with(kind, f"{name}:{field.name}={spec_text(value)}"), expected)


@pytest.mark.parametrize("kind, name, field", fields_of("choice", "bool"))
@given(text=st.text(st.characters(blacklist_characters=",=", blacklist_categories=("Cs",)), max_size=20))
@settings(max_examples=8)  # per field of every entry: hundreds of fields
def test_words_outside_the_choices_are_refused_through_every_door(kind, name, field, text):
    allowed = field.choices if field.kind == "choice" else ("true", "false", "1", "0", "yes", "no")
    word = text.strip() if field.kind == "choice" else text.strip().lower()
    if word in allowed:
        return
    expected = f"{field.name} must be {field.range_text()} (got "
    for label, call in python_doors(kind, name, field.name, text):
        with pytest.raises(SpecError) as error:
            call()
        assert str(error.value).startswith(expected) or "must be written key=value" in str(error.value), label
    code, out, err = cmx_run_with(kind, f"{name}:{field.name}={text}")
    assert_refused_in_one_line(code, out, err)


@pytest.mark.parametrize("kind, name, field", fields_of("float", "int", "choice", "bool", "text"))
@pytest.mark.parametrize("value", [None, [], {}, object(), 1j, b"1", np.array([1.0, 2.0]), np.True_, math.nan,
                                   10**5000], ids=lambda v: type(v).__name__)
def test_python_values_of_the_wrong_type_are_refused(kind, name, field, value):
    for label, call in python_doors(kind, name, field.name, value)[1:4]:  # the doors that take Python objects
        with pytest.raises(SpecError) as error:
            call()
        assert str(error.value).startswith(f"{field.name} must be "), label


def test_an_unknown_parameter_is_refused_through_every_door():
    message = ("adam has no parameter 'lrr'; its parameters are: lr, b1, b2, eps, noise, noise_shape, seed, warmup, "
               "schedule, schedule_steps, schedule_gamma, lr_floor")
    for label, call in python_doors("optimizer", "adam", "lrr", 0.1):
        with pytest.raises(SpecError) as error:
            call()
        assert str(error.value) == message, label
    assert_refused_in_one_line(*cmx_run_with("optimizer", "adam:lrr=0.1"), message)


def test_a_formula_longer_than_its_limit_is_refused_through_every_door():
    field = LANDSCAPES.entry("custom").field("formula")
    text = "x+" * (field.max_length // 2) + "y"
    for label, call in python_doors("landscape", "custom", "formula", text):
        with pytest.raises(SpecError) as error:
            call()
        assert str(error.value) == f"formula must be text of at most {field.max_length} characters (got " \
                                   f"{len(text)} characters)", label
    assert_refused_in_one_line(*cmx("run", "--formula", text, "--optimizer", "sgd", "--start", "0,0"),
                               "formula must be text of at most")


# -- the edges of every range ------------------------------------------------------------------------------------

def edges(field) -> list:
    if field.kind == "choice":
        return list(field.choices)
    if field.kind == "bool":
        return [True, False]
    if field.kind == "text":
        return [field.default, field.default.replace("+", " " * (field.max_length - len(field.default)) + "+", 1)]
    if field.kind == "int":
        return [int(field.low), int(field.high)]
    low = np.nextafter(field.low, math.inf) if field.low_open else field.low
    high = np.nextafter(field.high, -math.inf) if field.high_open else field.high
    return [float(low), float(high)]


SLOW_EDGES = {("quadratic", "dim", 1000)}  # a 1000-dimensional random rotation takes seconds to draw
EDGES = [pytest.param(kind, name, field, value, id=f"{name}.{field.name}={spec_text(value)[:12]}",
                      marks=[pytest.mark.slow] if (name, field.name, value) in SLOW_EDGES else [])
         for kind, name, field in FIELDS for value in edges(field)]


@pytest.mark.parametrize("kind, name, field, value", EDGES)
def test_the_edges_of_every_range_are_accepted_through_every_door_and_compute(kind, name, field, value):
    registry = REGISTRIES[kind]
    spec = spec_with(kind, name, field, value)
    values = registry.resolve(spec)[1]
    assert values[field.name] == value
    keywords = {key: values[key] for key in (field.name, COMPANIONS.get(field.name)) if key in values}
    # The spec, keyword and mapping doors validate in `resolve` and then build; the registered builder validates itself.
    assert registry.resolve(name, **keywords) == registry.resolve({"name": name, **keywords}) == (name, values)
    with no_warnings():
        built = registered_builder(kind, name)(**keywords)
        if kind == "landscape":
            landscape = built
            assert landscape.spec == registry.canonical(spec)
            low, high = landscape.domain.low, landscape.domain.high
            X = low + np.linspace(0.1, 0.9, 4)[:, None] * (high - low)
            assert landscape.f(X).shape == (4,) and landscape.grad(X).shape == X.shape
            result = run(landscape, "adam:lr=0.01", X, 3)
            dim = landscape.dim
        else:
            result = run("two_basin", spec, np.array([[-1.0, 0.0], [0.3, 0.2], [1.5, -1.5]]), 5)
            dim = 2
    assert result.stopped_at.shape == (result.n_runs,)
    code, out, err = cmx_run_with(kind, spec, dim, "--format", "csv" if dim > 2 else "json")
    assert code == 0 and err == "", err
    if dim == 2:
        json.loads(out, parse_constant=lambda token: pytest.fail(f"{token} in JSON output"))


# -- start points -------------------------------------------------------------------------------------------------

BAD_STARTS = st.one_of(
    st.integers(0, 4).filter(lambda d: d != 2).flatmap(
        lambda d: st.lists(st.lists(st.floats(-5, 5), min_size=d, max_size=d), min_size=1, max_size=3)),
    st.just([]),
    st.lists(st.tuples(st.floats(-5, 5), st.sampled_from([math.nan, math.inf, -math.inf])), min_size=1, max_size=3),
    st.lists(st.lists(st.floats(-5, 5), min_size=1, max_size=3), min_size=2, max_size=3).filter(
        lambda rows: len({len(r) for r in rows}) > 1 or len(rows[0]) != 2),
    st.sampled_from([None, "abc", {"x": 1}, [[1.0, "a"]], np.zeros((2, 2, 2)), [[1 + 1j, 0.0]], [[object(), 1.0]]]),
)


@given(starts=BAD_STARTS)
@settings(max_examples=150)
def test_starts_of_the_wrong_shape_or_not_finite_are_refused(starts):
    with pytest.raises(SpecError, match=r"^starts must be"):
        run("himmelblau", "sgd", starts, 1)


@given(starts=st.lists(st.tuples(st.floats(allow_nan=False, allow_infinity=False),
                                 st.floats(allow_nan=False, allow_infinity=False)), min_size=1, max_size=6))
@settings(max_examples=150)
def test_any_finite_start_runs_and_far_ones_are_flagged_not_refused(starts):
    with no_warnings():
        result = run("goldstein_price", "adam:lr=0.1", starts, 4)
    far = np.abs(np.array(starts)).max(axis=1) > 1e3
    assert np.all(result.diverged[far])
    assert np.all((result.stopped_at == -1) | ((result.stopped_at >= 1) & (result.stopped_at <= 4)))


@given(text=st.text(max_size=40))
@settings(max_examples=150)
def test_any_start_text_on_the_cli_runs_or_is_refused_in_one_line(text):
    code, out, err = cmx("run", "--landscape", "himmelblau", "--optimizer", "sgd", "--start", text, "--steps", "1")
    if code == 0:
        start = json.loads(out)["runs"][0]["start"]
        assert start == [float(part) for part in text.split(",")]
    else:
        assert_refused_in_one_line(code, out, err)


# -- steps, recording and the work limit ---------------------------------------------------------------------------

@given(steps=st.one_of(st.integers(max_value=-1), st.integers(min_value=10_000_001),
                       st.floats(0, 1e7).filter(lambda v: not v.is_integer()), st.sampled_from([math.nan, "ten"])))
@settings(max_examples=60)
def test_step_counts_outside_the_range_are_refused(steps):
    with pytest.raises(SpecError, match=r"^steps must be an integer in \[0, 10000000\]"):
        run("himmelblau", "sgd", np.zeros((1, 2)), steps)
    if isinstance(steps, int):
        assert_refused_in_one_line(*cmx("run", "--landscape", "himmelblau", "--optimizer", "sgd", "--start", "0,0",
                                        "--steps", str(steps)), "steps must be an integer in [0, 10000000]")


def test_the_largest_step_count_passes_validation_and_meets_the_work_limit():
    with pytest.raises(SpecError, match=r"^this request would take about 24,000,000,000 run-steps of work \(runs x "
                                        r"steps = 1 x 10,000,000, each step counting its fixed part, 2,400: "
                                        r"24,000,000,000\), more than the limit of 10;"):
        run("himmelblau", "sgd", np.zeros((1, 2)), STEPS.high, max_work=10)


@given(every=st.one_of(st.integers(max_value=0), st.integers(min_value=10_000_001), st.sampled_from([True, 2.5, "x"])))
@settings(max_examples=40)
def test_recording_intervals_outside_the_range_are_refused(every):
    with pytest.raises(SpecError, match="^(" + re.escape(f"every must be {EVERY.range_text()}") + "|record must be one "
                                        "of all, final or a whole number of steps)"):
        run("himmelblau", "sgd", np.zeros((1, 2)), 3, record=every)
    if isinstance(every, int) and not isinstance(every, bool):
        assert_refused_in_one_line(*cmx("run", "--landscape", "himmelblau", "--optimizer", "sgd", "--start", "0,0",
                                        "--every", str(every)), "every must be")


@given(limit=st.one_of(st.integers(max_value=0), st.integers(min_value=10**12 + 1), st.sampled_from([1.5, "lots"])))
@settings(max_examples=40)
def test_work_limits_outside_the_range_are_refused(limit):
    with pytest.raises(SpecError, match=r"^max_work must be an integer in \[1, 1000000000000\]"):
        run("himmelblau", "sgd", np.zeros((1, 2)), 3, max_work=limit)
    if isinstance(limit, int):
        assert_refused_in_one_line(*cmx("run", "--landscape", "himmelblau", "--optimizer", "sgd", "--start", "0,0",
                                        "--max-work", str(limit)), "max_work must be")


@given(runs=st.integers(1, 300), steps=st.integers(0, 30), limit=st.integers(1, 20_000),
       optimizer=st.sampled_from(["sgd", "adam_sam", "adam_sam_cm"]))
@settings(max_examples=80)
def test_the_work_limit_refuses_exactly_the_requests_above_it(runs, steps, limit, optimizer):
    surface, method = build_landscape("himmelblau"), OPTIMIZERS.build(optimizer)
    work = steps * max(runs * step_work(surface, method), fixed_step_work(surface, method))
    starts = np.zeros((runs, 2))
    if work > limit:
        with pytest.raises(SpecError, match=f"about {work:,.0f} run-steps of work .*more than the limit of {limit:,};"):
            run("himmelblau", optimizer, starts, steps, max_work=limit)
    else:
        assert run("himmelblau", optimizer, starts, steps, record="final", max_work=limit).n_runs == runs
    code, out, err = cmx("run", "--landscape", "himmelblau", "--optimizer", optimizer, *["--start=0,0"] * runs,
                         "--steps", str(steps), "--max-work", str(limit), "--every", "1000")
    if work > limit:
        assert_refused_in_one_line(code, out, err, f"more than the limit of {limit:,}")
    else:
        assert code == 0 and len(json.loads(out)["runs"]) == runs


def test_the_default_work_limit_is_the_schema_default():
    assert MAX_WORK.default == DEFAULT_MAX_WORK
    with pytest.raises(SpecError, match=f"more than the limit of {DEFAULT_MAX_WORK:,}"):
        run("himmelblau", "sgd", np.zeros((DEFAULT_MAX_WORK // 1000 + 1, 2)), 1000)


# -- whole specs and formulas as random text -------------------------------------------------------------------

SPEC_PIECES = st.lists(st.sampled_from(
    [*OPTIMIZERS.names(), *LANDSCAPES.names(), ":", ",", "=", "lr", "dim", "top_c", "formula", "sharpness", "1", "0",
     "-1", "1e9", "0.5", "nan", "x", "x**2", " ", "true", "fifo"]), max_size=12).map("".join)


@given(text=st.one_of(st.text(max_size=60), SPEC_PIECES))
@settings(max_examples=300)
def test_any_spec_text_builds_or_is_refused_with_a_spec_error(text):
    for registry in REGISTRIES.values():
        name = text.partition(":")[0].strip()
        if registry is LANDSCAPES and name == "quadratic" and "dim" in text:
            continue  # a 1000-dimensional rotation takes seconds; the edge test covers it
        try:
            with no_warnings():
                registry.build(text)
        except SpecError as error:
            assert "\n" not in str(error)


@given(text=st.one_of(st.text(max_size=60), SPEC_PIECES), where=st.sampled_from(["--optimizer", "--landscape",
                                                                              "--formula"]))
@settings(max_examples=200)
def test_any_spec_or_formula_on_the_cli_runs_or_is_refused_in_one_line(text, where):
    if "quadratic" in text and "dim" in text:
        return  # see above
    args = {"--optimizer": "sgd", "--landscape": "himmelblau", "--formula": None}
    args[where] = text
    if where == "--formula":
        del args["--landscape"]
    else:
        del args["--formula"]
    flat = [part for key, value in args.items() for part in (key, value)]
    code, out, err = cmx("run", *flat, "--start", "0.5,0.5", "--steps", "2")
    if code != 0:
        assert_refused_in_one_line(code, out, err)


# -- the real command, in its own process -------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--optimizer", "adam_cm:top_c=0"], "top_c must be an integer in [1, 100] (got 0)"),
    (["--formula", "__import__('os').system('echo pwned')"], "unknown name '__import__'"),
    (["--start", "nan,0"], "--start must be 2 comma-separated finite numbers"),
    (["--max-work", "0"], "max_work must be an integer in [1, 1000000000000] (got 0)"),
    (["--steps", "20000000"], "steps must be an integer in [0, 10000000] (got 20000000)"),
])
def test_the_installed_command_refuses_in_one_line_without_a_traceback(args, message):
    defaults = {"--landscape": "two_basin", "--optimizer": "adam", "--start": "-1,0", "--steps": "3"}
    for key in args[::2]:
        defaults.pop(key, None)
        if key == "--formula":
            defaults.pop("--landscape")
    argv = [part for pair in defaults.items() for part in pair] + args
    out = subprocess.run([sys.executable, "-m", "cli", "run", *argv], capture_output=True, text=True,
                         timeout=120)
    assert_refused_in_one_line(out.returncode, out.stdout, out.stderr, message)
