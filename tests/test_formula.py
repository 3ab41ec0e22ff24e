"""Custom formulas: what is accepted computes what it says; the rest is refused quickly; nothing typed ever runs."""

from __future__ import annotations

import ast
import builtins
import contextlib
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from experiments.run import run
from landscapes import LANDSCAPES, build_landscape, formula_function
from landscapes.formula import FUNCTIONS, MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_LITERAL, MAX_OPERATIONS
from specs import SpecError

POINTS = np.array([[0.3, -1.2], [2.0, 0.5], [-1.5, 1.5], [0.0, 0.0], [-0.7, -0.2]])
X, Y = POINTS[:, 0], POINTS[:, 1]

# Independent references, written with NumPy directly.
REFERENCE_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "exp": np.exp, "log": np.log, "log2": np.log2,
    "log10": np.log10, "sqrt": np.sqrt, "abs": np.abs,
}


def evaluate(text: str, x: np.ndarray = X, y: np.ndarray = Y) -> np.ndarray:
    with np.errstate(all="ignore"):
        return formula_function(text)(x, y)


# -- what is accepted computes what it says ---------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("x**2 + y**2", X**2 + Y**2),
    ("(x**2 - 1)**2 + y**2", (X**2 - 1) ** 2 + Y**2),
    ("3*sin(x) - cos(2*y)/4", 3 * np.sin(X) - np.cos(2 * Y) / 4),
    ("-x + +y", -X + Y),
    ("2**-x", 2.0**-X),
    ("e**x * pi", np.e**X * np.pi),
    ("abs(x)**y**2", np.abs(X) ** (Y**2)),  # ** is right-associative, as in Python
    ("-x**2", -(X**2)),  # unary minus binds looser than **, as in Python
    ("1_000 * 1.5e-3 * x", 1.5 * X),
    ("7", np.full(5, 7.0)),
    ("  x\n  + y\t", X + Y),  # line breaks and tabs are spaces
])
def test_accepted_formulas_compute_what_they_say(text, expected):
    np.testing.assert_allclose(evaluate(text), expected, rtol=1e-15)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_whitelisted_function_is_the_numpy_function(name):
    x = np.linspace(0.05, 0.95, 7)
    np.testing.assert_array_equal(evaluate(f"{name}(x)", x, x), REFERENCE_FUNCTIONS[name](x))


# Random formulas from the grammar, each paired with its NumPy reference.
LEAVES = st.one_of(
    st.sampled_from([("x", lambda x, y: x), ("y", lambda x, y: y), ("pi", lambda x, y: np.pi),
                     ("e", lambda x, y: np.e)]),
    st.floats(0.0, 1e3, allow_subnormal=False).map(lambda v: (repr(v), lambda x, y: v)),
)


def _binary(parts):
    (a, fa), op, (b, fb) = parts
    ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
    return f"({a} {op} {b})", lambda x, y: ops[op](fa(x, y), fb(x, y))


def _power(parts):
    (a, fa), k = parts
    return f"({a})**{k}", lambda x, y: np.power(fa(x, y), float(k))


def _call(parts):
    name, (a, fa) = parts
    return f"{name}({a})", lambda x, y: REFERENCE_FUNCTIONS[name](fa(x, y))


def _negate(part):
    a, fa = part
    return f"-({a})", lambda x, y: -fa(x, y)


FORMULAS = st.recursive(LEAVES, lambda children: st.one_of(
    st.tuples(children, st.sampled_from("+-*/"), children).map(_binary),
    st.tuples(children, st.integers(-4, 4)).map(_power),
    st.tuples(st.sampled_from(sorted(FUNCTIONS)), children).map(_call),
    children.map(_negate),
), max_leaves=10)


@given(formula=FORMULAS, points=st.lists(st.floats(-3, 3), min_size=4, max_size=4))
@settings(max_examples=300)
def test_random_grammatical_formulas_match_their_numpy_reference(formula, points):
    text, reference = formula
    x, y = np.array(points[:2]), np.array(points[2:])
    try:
        got = evaluate(text, x, y)
    except SpecError as error:  # a constant part such as log(0.0) is refused, never silently kept
        assert "is not a finite number" in str(error)
        return
    with np.errstate(all="ignore"):
        expected = np.broadcast_to(reference(x, y), x.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0, equal_nan=True)


def test_gradient_and_hessian_are_the_hand_derived_ones():
    landscape = build_landscape("custom:formula=x**2*y + 3*sin(y)")
    np.testing.assert_allclose(landscape.grad(POINTS), np.stack([2 * X * Y, X**2 + 3 * np.cos(Y)], axis=1),
                               rtol=1e-14, atol=1e-15)
    H = np.stack([np.stack([2 * Y, 2 * X], axis=1), np.stack([2 * X, -3 * np.sin(Y)], axis=1)], axis=1)
    np.testing.assert_allclose(landscape.hessian(POINTS), H, rtol=1e-14, atol=1e-15)


def test_unary_plus_differentiates_as_its_operand():
    # found by the JS engine's parity tests: '+x' compiled to anp.positive, which autograd cannot differentiate
    plus = build_landscape("custom", formula="+x**2 * +y + -(+y)")
    plain = build_landscape("custom", formula="x**2*y - y")
    np.testing.assert_array_equal(plus.grad(POINTS), plain.grad(POINTS))
    np.testing.assert_array_equal(plus.hessian(POINTS), plain.hessian(POINTS))


@pytest.mark.parametrize("text", ["4", "x", "x + y**2", "2*x - y"])
def test_constant_and_linear_parts_differentiate_without_warnings(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # autograd's "Output seems independent of input" is a UserWarning
        landscape = build_landscape("custom", formula=text)
        assert landscape.f(POINTS).shape == (5,)
        assert np.all(np.isfinite(landscape.grad(POINTS)))
        assert np.all(np.isfinite(landscape.hessian(POINTS)))


# -- the custom landscape ---------------------------------------------------------------------------------------

def test_custom_is_registered_with_a_formula_text_field_and_an_extent():
    entry = LANDSCAPES.entry("custom")
    assert [(f.name, f.kind) for f in entry.fields] == [("extent", "float"), ("formula", "text")]
    assert entry.field("formula").max_length == MAX_LENGTH


def test_the_formula_is_written_last_and_may_contain_commas_and_spaces():
    landscape = build_landscape("custom:extent=5,formula=(x - 1)**2 + y**2")
    assert landscape.spec == "custom:extent=5,formula=(x - 1)**2 + y**2"
    np.testing.assert_array_equal(landscape.domain.high, [5.0, 5.0])
    assert build_landscape(landscape.spec).spec == landscape.spec


def test_minima_of_a_double_well_are_found():
    landscape = build_landscape("custom:formula=(x**2 - 1)**2 + 2*y**2")
    locations = sorted(tuple(np.round(m.location, 9)) for m in landscape.minima)
    assert locations == [(-1.0, 0.0), (1.0, 0.0)]
    for minimum in landscape.minima:
        np.testing.assert_allclose(minimum.eigenvalues, [4.0, 8.0], rtol=1e-9)
        assert minimum.label == "global"


def test_minima_far_outside_the_box_are_not_listed():
    # 1/x + y² decreases towards x -> inf; Newton may settle far out, which is no basin a user can see.
    assert build_landscape("custom:formula=1/x + y**2").minima == ()


@pytest.mark.parametrize("text", ["log(x)", "1/x + y**2", "sqrt(x*y)", "log(x*y) + tan(y)", "x**x**x", "-exp(x**2)"])
def test_formulas_that_are_not_finite_everywhere_do_not_crash_anything(text):
    landscape = build_landscape("custom", formula=text)
    assert isinstance(landscape.minima, tuple)
    starts = np.array([[-1.0, 0.5], [0.0, 0.0], [1.0, 1.0], [2.5, -2.5]])
    result = run(landscape, "adam:lr=0.1", starts, 50)
    finite = np.isfinite(result.positions[:-1].reshape(-1, 2)).all()
    assert result.diverged.any() or finite


def test_a_run_started_where_the_formula_is_undefined_stops_with_an_undefined_gradient():
    result = run(build_landscape("custom:formula=log(x) + y**2"), "sgd:lr=0.1", np.array([[-1.0, 0.0], [1.0, 1.0]]), 5)
    assert result.undefined.tolist() == [True, False] and not result.diverged.any()
    assert result.stopped_at[0] == 1
    np.testing.assert_array_equal(result.final[0], [-1.0, 0.0])  # frozen at its last finite point


def test_a_run_started_at_a_kink_is_undefined_not_diverged():
    result = run(build_landscape("custom:formula=sqrt(x**2 + y**2)"), "adam:lr=0.1", np.array([[0.0, 0.0], [1.0, 1.0]]),
                 5)
    assert result.stop_reason.tolist() == [2, 0] and result.undefined[0] and not result.diverged[0]


def test_the_cli_takes_a_formula(capsys):
    assert main(["run", "--formula", "(x - 1)**2 + (y + 2)**2", "--optimizer", "sgd:lr=0.25", "--start", "0,0",
                 "--steps", "40", "--format", "csv"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1].split(",")
    assert float(last[2]) == pytest.approx(1.0) and float(last[3]) == pytest.approx(-2.0)


def test_the_cli_refuses_a_bad_formula_in_one_line(capsys):
    assert main(["run", "--formula", "__import__('os')", "--optimizer", "sgd", "--start", "0,0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "unknown name '__import__'" in captured.err


# -- what is refused, and how ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("x + z", "formula: unknown name 'z'; use numbers, x, y, pi, e, + - * / **, parentheses and the functions sin, "),
    ("x^2", "formula: '^' (character 2) is not allowed; write powers as x**2"),
    ("f = x", "formula: unknown name 'f'"),
    ("x = 1", "formula: '=' (character 3) is not allowed; write only the expression"),
    ("sin", "formula: sin is a function; write it as sin(...)"),
    ("sin(x, y)", "formula: sin takes exactly one argument, as in sin(x)"),
    ("x // 2", "formula: 'x // 2' is not allowed"),
    ("x(2)", "formula: 'x(2)' is not allowed"),
    ("x, y", "formula: '(x, y)' is not allowed"),
    ("2x", "formula: cannot read '2x' (invalid decimal literal"),
    ("log(0) + x", "formula: 'log(0)' is not a finite number"),
    (f"x**{MAX_EXPONENT + 1}", f"formula: the exponent {MAX_EXPONENT + 1} in 'x ** {MAX_EXPONENT + 1}' is too large"),
    ("1e16 * x", "formula: the number 1e16 is too large; numbers must be at most 1e+15 in size"),
    ("", "formula must not be empty"),
    ("x" * (MAX_LENGTH + 1),
     f"formula must be text of at most {MAX_LENGTH} characters (got {MAX_LENGTH + 1} characters)"),
    ("+".join(["x"] * (MAX_DEPTH + 1)), f"formula: nested more than {MAX_DEPTH} operations deep"),
    ("+".join(["x*y"] * (MAX_OPERATIONS // 2)) + "+x+y", f"formula: more than {MAX_OPERATIONS} operations"),
])
def test_refusals_are_one_sentence_naming_the_problem(text, message):
    with pytest.raises(SpecError) as error:
        formula_function(text)
    assert str(error.value).startswith(message)


def test_limits_are_edges_not_approximations():
    formula_function("+".join(["x"] * MAX_DEPTH))
    formula_function("+".join(["x*y"] * (MAX_OPERATIONS // 2)) + "+x")  # 49 + 50 + 1 operations, 52 deep
    formula_function(f"x**{MAX_EXPONENT} + x**-{MAX_EXPONENT}")
    formula_function(f"{MAX_LITERAL:.0f} * x")
    formula_function(" " * (MAX_LENGTH - 1) + "x")


ESCAPES = [
    "__import__('os').system('echo pwned')",
    "__import__",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__.__mro__[1].__subclasses__()",
    "(1).__class__",
    "1 .real",
    "x.__globals__",
    "sin.__self__.__dict__",
    "sin.__call__(x)",
    "getattr(x, '__class__')",
    "eval('1+1')",
    "exec('import os')",
    "compile('1', 'f', 'eval')",
    "open('/etc/passwd').read()",
    "globals()",
    "locals()['__builtins__']",
    "vars()",
    "__builtins__",
    "breakpoint()",
    "input()",
    "lambda: 1",
    "(lambda x: x)(2)",
    "[x for x in range(10)]",
    "{x: y for x in y}",
    "(x for x in y)",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "(z := 3)",
    "(x := 3)",
    "x if y else 1",
    "x and y",
    "not x",
    "x < y",
    "x[0]",
    "x @ y",
    "'abc'",
    "b'abc'",
    "f'{x}'",
    "\"x\"",
    "sin(x=1)",
    "sin(*[x])",
    "sin(**{'x': 1})",
    "import os",
    "x; import os",
    "x\nimport os",
    "# comment",
    "...",
    "None",
    "True + x",
    "1j * x",
    "9**9**9**9",
    "9**9**9",
    "x**10**10",
    "10**10**10 * x",
    "2**2**2**2**2**2",
    "(10**300)**(10**300)",
    "exp(exp(exp(exp(1000))))",
    "9" * 400,
    "1e999",
    "-" * 200 + "x",
    "(" * 500 + "x" + ")" * 500,
    "sin(" * 300 + "x" + ")" * 300,
    "+".join(["x"] * 400),
    "x" * 100_000,
    "x + " * 25_000 + "x",
    "\x00",
    "x\x00",
    "𝑥**2",  # a mathematical italic x, which Python's parser would read as x
    "ｘ",
    "\u202ex",
]


@pytest.mark.parametrize("text", ESCAPES, ids=range(len(ESCAPES)))
def test_known_escapes_are_refused_within_100_ms(text):
    started = time.perf_counter()
    with no_execution() as calls, pytest.raises(SpecError):
        formula_function(text)
    # A hang guard with a thousandfold margin (a refusal takes well under a millisecond), not a speed target.
    assert time.perf_counter() - started < 0.1
    assert calls == []


class Executed(Exception):
    """Raised by the guarded builtins: something tried to execute, import or open."""


@contextlib.contextmanager
def no_execution():
    """Make eval, exec, open, __import__, breakpoint, input and non-parsing compile raise (and record the attempt)."""
    calls: list[str] = []
    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "open", "__import__", "breakpoint", "input",
                                                        "compile")}

    def refuse(name):
        def guarded(*args, **kwargs):
            calls.append(name)
            raise Executed(name)
        return guarded

    def parse_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:  # ast.parse compiles to a tree only; anything else is execution
            calls.append("compile")
            raise Executed("compile")
        return saved["compile"](source, filename, mode, flags, *args, **kwargs)

    for name in saved:
        setattr(builtins, name, parse_only_compile if name == "compile" else refuse(name))
    try:
        yield calls
    finally:
        for name, original in saved.items():
            setattr(builtins, name, original)


VALID_TOKENS = ["x", "y", "pi", "e", "sin", "log", "sqrt", "abs", "1", "2.5", "1e3", "0", "+", "-", "*", "**", "/",
                "(", ")", " "]
HOSTILE_TOKENS = [",", ".", "__import__", "__class__", "os", "eval", "open", "lambda", ":", "[", "]", "'", "\"", "=",
                  ":=", "for", "in", "if", "else", "^", "%", "//", "@", "9**9**9", "\n", ";", "#", "\\", "{", "}", "~",
                  "<", "&", "j", "_", "𝑥", "\x00"]
TOKENS = VALID_TOKENS * 3 + HOSTILE_TOKENS  # mostly grammatical, so that many soups compile


def _formula_or_refusal(text: str) -> None:
    """Compile `text` and evaluate it, or check its refusal is one line; nothing may execute meanwhile."""
    with no_execution() as calls:
        try:
            function = formula_function(text)
        except SpecError as error:
            message = str(error)
            assert message.startswith("formula") and "\n" not in message
            function = None
        if function is not None:
            with np.errstate(all="ignore"):
                values = function(X, Y)
            assert np.shape(values) == X.shape
    assert calls == []


@given(text=st.text(max_size=300))
@settings(max_examples=500)
def test_random_text_compiles_or_is_refused_and_never_executes(text):
    _formula_or_refusal(text)


@given(text=st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
@settings(max_examples=1500)
def test_random_token_soup_compiles_or_is_refused_and_never_executes(text):
    _formula_or_refusal(text)


@given(formula=FORMULAS, junk=st.sampled_from(TOKENS), where=st.floats(0, 1))
@settings(max_examples=500)
def test_formulas_with_one_token_inserted_compile_or_are_refused(formula, junk, where):
    text = formula[0]
    cut = int(where * len(text))
    _formula_or_refusal(text[:cut] + junk + text[cut:])
