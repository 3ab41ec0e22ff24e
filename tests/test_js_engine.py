"""The JS engine (export/player/engine.js) against the NumPy engine, run by node through tests/js/harness.mjs.

Surfaces fall in three tiers by the arithmetic their steps need (engine.js's header says why):
- EXACT: + - * / and squares only: the JS runs are NumPy's bit for bit (positions, losses, stops);
- POWERS: x**k for k >= 3, the browser's pow: 1e-12 at every step over 300 steps;
- FUNCTIONS: exp, log, cos, tan: 1e-12 over the first 50 steps and 1e-9 over 300.
An error is relative to the coordinate's size, or to 1 below it (tests.js.node_engine.step_errors). SAM's runs
bouncing in a minimum are chaotic: there one last bit grows past the 300-step bound in NumPy alone
(test_sam_in_a_minimum_amplifies_a_last_bit), so off the EXACT tier they are held to the 50-step bound only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from experiments.run import RunResult, advance, run
from export.player.engine_spec import engine_optimizers, landscape_program, optimizer_program, run_program
from export.player.formula_program import formula_program
from landscapes import LANDSCAPES, Custom, Landscape, build_landscape
from optimizers import OPTIMIZERS, build_optimizer, counter_rng
from optimizers.schedule import SCHEDULE_NAMES
from specs import Field, SpecError
from tests.js.node_engine import MODULES, NodeEngine, node_path, step_errors
from tests.test_reference import CASES, TOLERANCE, landscape_of, optimizer_spec

if node_path() is None:
    if os.environ.get("CI"):  # .ci/run installs node: its absence there is a failure, not a reason to skip
        raise RuntimeError("node is missing on CI: .ci/run must install Debian's nodejs")
    pytest.skip("node is missing: install Debian's nodejs (apt-get install nodejs) to run the JS engine's tests",
                allow_module_level=True)

ENGINE_JS = Path(__file__).parents[1] / "export" / "player" / "engine.js"
PLAYER_JS = ENGINE_JS.with_name("player.js")

# Registered optimizers engine.js does not run yet (they are being added to optimizers/ now); the first test prints
# which of them are registered.
NOT_YET_IN_JS = ("rmsprop", "adagrad", "adamw", "nadam", "lion", "sgd_sam", "momentum_sam")
# Knobs every optimizer has that engine.js does not apply yet (the lr warm-up and schedules of optimizers/schedule.py):
# the parity runs keep them at their defaults, and a program that sets one is refused.
NOT_YET_IN_JS_KNOBS = SCHEDULE_NAMES
CHAOTIC = ("adam_sam", "adam_sam_cm")
RUN_OPTIMIZERS = [name for name in OPTIMIZERS.names() if name in engine_optimizers()]

EXACT, POWERS, FUNCTIONS = "exact", "powers", "functions"
BOUNDS = {POWERS: (1e-12, 1e-12), FUNCTIONS: (1e-12, 1e-9)}  # (first 50 steps, all 300)
SURFACES = {"goldstein_price": EXACT, "quadratic": EXACT, "rosenbrock": EXACT, "himmelblau": EXACT,
            "beale": POWERS, "six_hump_camel": POWERS,
            "ackley": FUNCTIONS, "rastrigin": FUNCTIONS, "two_basin": FUNCTIONS, "random_basins": FUNCTIONS,
            # turned surfaces: Python turns the bowls and the box, the program carries them as turned
            "quadratic:rotation=20": EXACT, "two_basin:rotation=30": FUNCTIONS, "random_basins:rotation=-45": FUNCTIONS}
# Custom surfaces cost autograd's gradients in NumPy (a millisecond a step): two optimizers run on them.
CUSTOM_SURFACES = {"custom": EXACT, "custom:formula=exp(-x**2) * cos(3*y) + 0.1*log(1 + x**2 + y**2)": FUNCTIONS}
STEPS = 300
ADAPTIVE_LR = 0.05  # the app's and the CLI's default
PLAIN_LR = {"goldstein_price": 1e-5, "rosenbrock": 1e-4}  # sgd and momentum (1e-3 elsewhere): some runs diverge


@pytest.fixture(scope="module")
def engine():
    with NodeEngine() as running:
        yield running


def lr_for(optimizer: str, surface: str) -> float:
    plain = optimizer.startswith(("sgd", "momentum"))
    return PLAIN_LR.get(surface.partition(":")[0], 1e-3) if plain else ADAPTIVE_LR


def starts_in(landscape: Landscape, count: int, seed: int) -> np.ndarray:
    """Seeded starts in the middle 80% of the domain."""
    low, high = landscape.domain.low, landscape.domain.high
    margin = 0.1 * (high - low)
    return np.random.default_rng(seed).uniform(low + margin, high - margin, (count, landscape.dim))


def growth(errors: np.ndarray) -> str:
    """The largest error up to a few steps: how it grows."""
    marks = [t for t in (1, 10, 50, 100, 200, 300) if t < len(errors)] + [len(errors) - 1]
    return ", ".join(f"step {t}: {errors[: t + 1].max():.1e}" for t in dict.fromkeys(marks))


def assert_parity(result: RunResult, reply: dict, tier: str, chaotic: bool = False) -> None:
    """The JS run matches NumPy's within its tier: stops, positions and losses at every recorded step."""
    assert reply["recorded_steps"] == result.recorded_steps.tolist()
    assert reply["stopped_at"] == result.stopped_at.tolist(), "runs stop at other steps"
    assert reply["stop_reason"] == result.stop_reason.tolist(), "runs stop for other reasons"
    assert reply["grad_evals"] == result.grad_evals.tolist()
    for what, expected, actual in (("positions", result.positions, reply["positions"]),
                                   ("losses", result.losses, reply["losses"])):
        errors = step_errors(expected, actual)
        message = f"{what} differ; largest relative error {growth(errors)}"
        if tier == EXACT:
            assert np.array_equal(expected, actual, equal_nan=True), message
        else:
            first, whole = BOUNDS[tier]
            assert errors[:51].max() <= first, message
            assert chaotic or errors.max() <= whole, message


def both_runs(engine: NodeEngine, landscape, optimizer, starts: np.ndarray, steps: int) -> tuple[RunResult, dict]:
    return run(landscape, optimizer, starts, steps), engine.run(run_program(landscape, optimizer, starts, steps))


# -- what the engine declares ----------------------------------------------------------------------------------------
def test_the_engine_runs_every_registered_optimizer_but_the_listed_few(engine):
    declared = engine.ask({"op": "kinds"})["optimizers"]
    assert tuple(declared) == engine_optimizers(), "engine_spec reads another table than node runs"
    missing = [name for name in OPTIMIZERS.names() if name not in declared]
    print(f"registered optimizers not yet in the JS engine: {', '.join(missing) or 'none'}")
    unlisted = sorted(set(missing) - set(NOT_YET_IN_JS))
    assert not unlisted, f"add {', '.join(unlisted)} to engine.js's OPTIMIZERS (or, for now, to NOT_YET_IN_JS)"
    stale = sorted(set(declared) & set(NOT_YET_IN_JS))
    assert not stale, f"engine.js runs {', '.join(stale)}: take them out of NOT_YET_IN_JS"


@pytest.mark.parametrize("name", LANDSCAPES.names())
def test_every_registered_landscape_has_a_program_the_engine_runs(engine, name):
    program = landscape_program(build_landscape(name))
    assert program["kind"] in engine.ask({"op": "kinds"})["landscapes"]


def test_programs_refuse_what_the_engine_cannot_run_in_one_sentence():
    unregistered = dataclasses.replace(build_optimizer("adam:lr=0.01"), name="custom")  # a name the engine lacks
    refusals = [lambda: landscape_program(build_landscape("ackley:dim=3")),
                lambda: landscape_program(build_landscape("random_basins:dim=3")),
                lambda: optimizer_program(unregistered),
                lambda: landscape_program(build_landscape("valley:samples=4,batch=2")),
                lambda: optimizer_program(build_optimizer("adam:noise=0.1,noise_shape=hessian")),
                lambda: optimizer_program(build_optimizer("adam_cm:warmup=10")),
                lambda: run_program("two_basin", "adam", [[0.0, 0.0]], 10, every=0)]
    for refuse in refusals:
        with pytest.raises(SpecError) as refused:
            refuse()
        assert str(refused.value).count(". ") == 0 and "\n" not in str(refused.value)


def test_engine_names_do_not_clash_with_the_players_so_both_files_can_be_inlined_together():
    top_level = re.compile(r"^(?:export )?(?:default )?(?:function|const|let|class) +([A-Za-z_$][\w$]*)", re.MULTILINE)
    names = {path: set(top_level.findall(path.read_text(encoding="utf-8"))) for path in (ENGINE_JS, PLAYER_JS)}
    assert not names[ENGINE_JS] & names[PLAYER_JS]


# -- runs against NumPy's --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", RUN_OPTIMIZERS)
@pytest.mark.parametrize("surface", SURFACES)
def test_runs_match_numpy_at_every_step(engine, surface, optimizer):
    landscape = build_landscape(surface)
    spec = OPTIMIZERS.replace(optimizer, lr=lr_for(optimizer, surface))
    result, reply = both_runs(engine, landscape, spec, starts_in(landscape, 4, seed=len(surface)), STEPS)
    assert_parity(result, reply, SURFACES[surface], chaotic=optimizer in CHAOTIC)


@pytest.mark.parametrize("optimizer", ["adam_cm", "adam_sam"])
@pytest.mark.parametrize("surface", CUSTOM_SURFACES)
def test_runs_on_custom_formulas_match_numpy(engine, surface, optimizer):
    landscape = build_landscape(surface)
    starts = starts_in(landscape, 4, seed=8)
    result, reply = both_runs(engine, landscape, f"{optimizer}:lr={ADAPTIVE_LR}", starts, STEPS)
    assert_parity(result, reply, CUSTOM_SURFACES[surface], chaotic=optimizer in CHAOTIC)


@pytest.mark.parametrize("surface", ["valley", "valley:samples=6,residual=1,seed=2"])
def test_the_valleys_full_loss_runs_as_in_numpy(engine, surface):
    landscape = build_landscape(surface)
    result, reply = both_runs(engine, landscape, f"adam_cm:lr={ADAPTIVE_LR}", starts_in(landscape, 4, seed=5), STEPS)
    assert_parity(result, reply, FUNCTIONS)


def knob_specs() -> list[str]:
    """Every value of every choice and switch of every optimizer the engine runs (its other values at defaults)."""
    specs = []
    for name in RUN_OPTIMIZERS:
        for field in OPTIMIZERS.entry(name).fields:
            if field.name in NOT_YET_IN_JS_KNOBS:
                continue
            values = field.choices if field.kind == "choice" else (True, False) if field.kind == "bool" else ()
            for value in values:
                with contextlib.suppress(SpecError):  # a pair of knobs the optimizer refuses
                    specs.append(OPTIMIZERS.replace(name, lr=ADAPTIVE_LR, **{field.name: value}, top_c=3))
    return sorted(set(specs))


@pytest.mark.parametrize("spec", knob_specs())
@pytest.mark.parametrize("surface", ["goldstein_price", "two_basin:sharpness=30,depth=0.5"])
def test_every_knob_value_matches_numpy(engine, surface, spec):
    landscape = build_landscape(surface)
    result, reply = both_runs(engine, landscape, spec, starts_in(landscape, 4, seed=1), STEPS)
    assert_parity(result, reply, EXACT if surface == "goldstein_price" else FUNCTIONS)


@pytest.mark.parametrize("spec", ["adam:noise=0.5,seed=3", "adam_sam_cm:noise=0.2", "adam_cm:noise=1,priority=random",
                                  "adam_cg:noise=2,seed=9", "momentum:lr=1e-5,noise=50,nesterov=true"])
def test_gradient_noise_matches_numpy(engine, spec):
    landscape = build_landscape("himmelblau")
    spec = spec if "lr=" in spec else spec + f",lr={ADAPTIVE_LR}"
    result, reply = both_runs(engine, landscape, spec, starts_in(landscape, 5, seed=2), STEPS)
    assert_parity(result, reply, FUNCTIONS)  # the normals take the browser's log and cos


def test_stopped_runs_stop_where_when_and_why_numpy_stops_them(engine):
    # x → 0 from the right crosses into log's undefined half; some plain steps on Goldstein-Price diverge
    for landscape, spec in ((build_landscape("custom:formula=log(x) + y**2"), "sgd:lr=0.3"),
                            (build_landscape("goldstein_price"), "momentum:lr=3e-5")):
        starts = starts_in(landscape, 8, seed=3)
        result, reply = both_runs(engine, landscape, spec, starts, 100)
        assert result.stopped.any()
        assert_parity(result, reply, EXACT)


def test_recording_every_kth_step_keeps_the_same_rows(engine):
    landscape = build_landscape("two_basin")
    starts = starts_in(landscape, 3, seed=4)
    result = run(landscape, "adam_cm:lr=0.05", starts, 100, record=7)
    reply = engine.run(run_program(landscape, "adam_cm:lr=0.05", starts, 100, every=7))
    assert_parity(result, reply, EXACT)


def test_run_ids_name_the_noise_streams_as_in_numpy(engine):
    landscape, method = build_landscape("rosenbrock"), build_optimizer("adam:lr=0.01,noise=1")
    starts, ids = starts_in(landscape, 3, seed=5), np.array([7, 100, 3])
    result = advance(landscape, method, starts, 50, np.arange(51), run_ids=ids)
    reply = engine.run(run_program(landscape, method, starts, 50, run_ids=ids))
    assert_parity(result, reply, FUNCTIONS)


@pytest.mark.parametrize("optimizer, surface", [("adam_sam", "ackley"), ("adam_sam", "six_hump_camel"),
                                               ("adam_sam_cm", "six_hump_camel")])
def test_sam_in_a_minimum_amplifies_a_last_bit(optimizer, surface):
    """Why CHAOTIC exists: in NumPy alone, the parity test's starts and starts one ulp away end further apart than
    the surface's 300-step bound."""
    landscape = build_landscape(surface)
    starts = starts_in(landscape, 4, seed=len(surface))
    spec = f"{optimizer}:lr={ADAPTIVE_LR}"
    apart = [run(landscape, spec, x, STEPS).positions for x in (starts, np.nextafter(starts, np.inf))]
    assert step_errors(*apart).max() > BOUNDS[SURFACES[surface]][1]


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_reference_cases_are_reproduced(engine, case):
    start = np.array([case["start"]])
    result, reply = both_runs(engine, landscape_of(case), optimizer_spec(case), start, case["steps"])
    np.testing.assert_allclose(reply["positions"][:, 0], case["trajectory"], rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(reply["losses"][: case["steps"], 0], case["loss"], rtol=0, atol=TOLERANCE)
    assert_parity(result, reply, FUNCTIONS)


# Narrower than their fields allow: most runs then live for a while, and a buffer stays cheap. Noise stays off, so
# every run is NumPy's bit for bit: its draws' last bits are the browser's (test_gradient_noise_matches_numpy).
def powers_round_as_pythons(b: float, steps: int = 41) -> bool:
    """Whether Python's b**t is b^t correctly rounded for every t up to `steps`, as engine.js computes it. Not where
    b^t is an exact tie between two doubles, as for b = 493/512 at t = 6 (54 significant bits), which glibc's pow
    rounds up and engine.js to even: a decay of so few bits is one no user types, and no pow both sides share exists."""
    return all(b**t == float(Fraction(b) ** t) for t in range(1, steps + 1))


DECAY = st.floats(0.0, 1.0, exclude_max=True).filter(powers_round_as_pythons)
NARROW = {"lr": st.floats(-4.0, 0.0).map(lambda exponent: 10.0**exponent), "noise": st.just(0.0),
          "b1": DECAY, "b2": DECAY,
          "top_c": st.integers(1, 8),
          **{field.name: st.just(field.default) for entry in OPTIMIZERS.entries() for field in entry.fields
             if field.name in NOT_YET_IN_JS_KNOBS}}


def field_values(field: Field) -> st.SearchStrategy:
    """Any value the field accepts (NARROW's for the fields it names)."""
    if field.name in NARROW:
        return NARROW[field.name]
    if field.kind == "float":
        return st.floats(field.low, field.high, exclude_min=field.low_open, exclude_max=field.high_open)
    if field.kind == "int":
        return st.integers(int(field.low), int(field.high))
    if field.kind == "choice":
        return st.sampled_from(field.choices)
    return st.booleans()


@settings(max_examples=30)
@given(data=st.data())
def test_generated_specs_and_starts_match_numpy(engine, data):
    name = data.draw(st.sampled_from(RUN_OPTIMIZERS))
    params = {field.name: data.draw(field_values(field), label=field.name) for field in OPTIMIZERS.entry(name).fields}
    try:
        method = build_optimizer({"name": name, **params})
    except SpecError:  # a pair of knobs the optimizer refuses
        reject()
    landscape = build_landscape(data.draw(st.sampled_from([s for s, tier in SURFACES.items() if tier == EXACT])))
    low, high = landscape.domain.low, landscape.domain.high
    count = data.draw(st.integers(1, 4), label="runs")
    # Starts within 1e-100 of 0 but not 0 are left out: their squared gradients are subnormal, and emulating
    # OpenBLAS's fused multiply-add by Dekker's split, as engine.js does, is exact for normal numbers only.
    starts = np.array([[data.draw(st.floats(low[j], high[j]).filter(lambda v: v == 0 or abs(v) > 1e-100),
                                  label="start")
                        for j in range(landscape.dim)]
                       for _ in range(count)])
    result, reply = both_runs(engine, landscape, method, starts, 40)
    assert_parity(result, reply, EXACT)


# -- the random stream ------------------------------------------------------------------------------------------------
@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), stream=st.sampled_from([counter_rng.NOISE_STREAM, counter_rng.BUFFER_STREAM]),
       counter=st.integers(0, 2**45), runs=st.lists(st.integers(0, 2**50), min_size=1, max_size=6),
       width=st.integers(1, 4), high=st.integers(1, 200))
def test_the_random_stream_is_numpys_bit_for_bit(engine, seed, stream, counter, runs, width, high):
    ids = np.array(runs, dtype=np.int64)
    reply = engine.ask({"op": "random", "seed": seed, "stream": stream, "runs": runs, "counter": counter,
                        "width": width, "high": high})
    words = np.array(reply["words"], dtype=np.uint64).reshape(len(runs), width, 2)
    keys = (words[..., 0] << np.uint64(32)) | words[..., 1]
    np.testing.assert_array_equal(keys, counter_rng._keys(seed, stream, ids, counter, width))
    np.testing.assert_array_equal(reply["uniform"].reshape(len(runs), width),
                                  counter_rng.uniform(seed, stream, ids, counter, width))
    assert reply["integers"] == counter_rng.integers(seed, stream, ids, counter, high).tolist()
    # Box-Muller's log and cos are the browser's: about 6% of normals differ, by 1 ulp, a few in 10^4 by 3
    np.testing.assert_array_max_ulp(reply["normal"].reshape(len(runs), width),
                                    counter_rng.normal(seed, stream, ids, counter, width), maxulp=4)


# -- custom formulas -------------------------------------------------------------------------------------------------
FORMULAS = ["(x**2 - 1)**2 + y**2", "sin(x) * cos(y) + tan(x / 4)", "asin(x / 4) + acos(y / 4) + atan(x * y)",
            "sinh(x / 2) - cosh(y / 3) + tanh(x - y)",
            "exp(-(x**2 + y**2)) + log(1 + x**2) + log2(2 + y**2) + log10(3 + x**2 * y**2)",
            "sqrt(x**2 + y**2 + 1) + abs(x - y) + abs(y)", "-x**3 / 3 + y * 2**x - pi * e ** (y / 5) + (+2)",
            "x ** y", "1 / x + y**-2", "2 ** 3 + x * (4 - 1) / 2", "7", "log(x) + y**2", "x**2.5 + (x*y)**0.5"]
OPERATIONS = {"x", "y", "const", "neg", "pos", "add", "sub", "mul", "div", "pow", "sin", "cos", "tan", "asin", "acos",
              "atan", "sinh", "cosh", "tanh", "exp", "log", "log2", "log10", "sqrt", "abs"}


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_instructions_give_autograds_values_and_gradients(engine, text):
    landscape = Custom(text, extent=3.0)
    points = np.concatenate([starts_in(landscape, 300, seed=6), [[0.5, -1.0], [2.0, 0.25]]])
    reply = engine.ask({"op": "evaluate", "landscape": landscape_program(landscape), "points": points.tolist()})
    values, grads = reply["values"], reply["grads"].reshape(-1, 2)
    np.testing.assert_allclose(values, landscape.f(points), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(grads, landscape.grad(points), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_instructions_are_data_not_text(text):
    for index, (operation, *operands) in enumerate(formula_program(text)):
        assert operation in OPERATIONS
        if operation == "const":
            assert len(operands) == 1 and isinstance(operands[0], float)
        else:
            assert all(isinstance(i, int) and 0 <= i < index for i in operands)


HOSTILE = ["__import__('os').system('true')", "x.__class__", "(lambda: 1)()", "x if y else 1", "[x for x in y]",
           "open('/etc/passwd')", "x; y", "x @ y", "x**1000", "1e400 * x", "exp(1000)", "-(" * 200 + "x" + ")" * 200,
           "+".join(["x"] * 150), "9" * 30, "sin(x, y)", "sin", "𝑥 + y", "x = 1", "eval('x')", "`x`", ""]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_formulas_are_refused_before_any_instruction(monkeypatch, text):
    def never(*args, **kwargs):
        raise AssertionError(f"instructions were compiled for {text[:40]!r}")

    monkeypatch.setattr("export.player.formula_program.Compiler.program", never)
    with pytest.raises(SpecError):
        formula_program(text)


# -- the tests fail on a wrong step -----------------------------------------------------------------------------------
MUTANTS = {  # what is broken: (the file, its text, what it becomes)
    "Adam's bias correction off by one step": ("engine.js", "scale = lr / (1.0 - powerOfInteger(b1, t))",
                                               "scale = lr / (1.0 - powerOfInteger(b1, t + 1))"),
    "Adam+CM's first call moves": ("engine.js", 'held = firstStep === "hold" && state.t === 0', "held = false"),
    "Adam+CM's v of the gradient": ("engine.js", 'secondMoment === "gradient" ? g', 'secondMoment !== "gradient" ? g'),
    "SAM's two noisy gradients share a draw": ("engine.js", "state.evals + calls,", "state.evals,"),
    "a stopped run moves on": ("engine.js", "xNew.set(x.subarray(r * d, r * d + d), r * d); // frozen", "// frozen"),
    "the power rule's exponent": ("surfaces.js", "vb * va ** (vb === 0 ? 1 : vb - 1)", "vb * va ** vb"),
}
MUTANT_CASES = [("goldstein_price", "adam:lr=0.05"), ("goldstein_price", "adam_cm:lr=0.05"),
                ("himmelblau", "adam_sam:lr=0.05,noise=0.5"), ("goldstein_price", "momentum:lr=3e-5"),
                ("custom:formula=(x**3 - 1)**2 + y**2", "adam:lr=0.05")]


@pytest.fixture(scope="module")
def numpy_cases() -> list[tuple[dict, RunResult]]:
    cases = []
    for surface, spec in MUTANT_CASES:
        landscape = build_landscape(surface)
        starts = starts_in(landscape, 4, seed=7)
        cases.append((run_program(landscape, spec, starts, 100), run(landscape, spec, starts, 100)))
    return cases


@pytest.mark.parametrize("mutant", MUTANTS)
def test_the_parity_checks_fail_on_a_wrong_step(tmp_path, numpy_cases, mutant):
    name, original, broken = MUTANTS[mutant]
    for module in MODULES:
        source = (ENGINE_JS.parent / module).read_text(encoding="utf-8")
        if module == name:
            assert source.count(original) == 1, f"the mutant's text is not in {name} once: {original}"
            source = source.replace(original, broken)
        (tmp_path / module).write_text(source, encoding="utf-8")
    caught = []
    with NodeEngine(tmp_path) as broken_engine:
        for program, result in numpy_cases:
            try:
                assert_parity(result, broken_engine.run(program), FUNCTIONS)
            except AssertionError:
                caught.append(program["optimizer"]["kind"])
    assert caught, f"no parity check noticed: {mutant}"
