"""Custom landscapes: a formula in x and y, checked against a whitelist and turned into autograd operations.

Nothing a user types is executed. The text is first scanned for allowed tokens (numbers, known names, + - * / **,
parentheses, commas), then parsed with `ast` (which only parses), every node is checked against a small grammar,
and the checked tree becomes nested closures over autograd.numpy functions. Length, nesting depth, the number of
operations (the cost of every step), literal size and constant exponents are bounded, so a hostile formula is refused
in well under a millisecond instead of running.
"""

from __future__ import annotations

import ast
import math
import re
import threading
from collections.abc import Callable

import autograd.numpy as anp
import numpy as np
from autograd import make_vjp

from landscapes.base import AUTOGRAD_LOCK, Domain, Landscape, Minimum, box
from landscapes.registry import LANDSCAPES, LandscapeRecord
from specs import Field, SpecError

FUNCTIONS: dict[str, Callable] = {
    "sin": anp.sin, "cos": anp.cos, "tan": anp.tan, "asin": anp.arcsin, "acos": anp.arccos, "atan": anp.arctan,
    "sinh": anp.sinh, "cosh": anp.cosh, "tanh": anp.tanh, "exp": anp.exp, "log": anp.log, "log2": anp.log2,
    "log10": anp.log10, "sqrt": anp.sqrt, "abs": anp.abs,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")
BINARY = {ast.Add: anp.add, ast.Sub: anp.subtract, ast.Mult: anp.multiply, ast.Div: anp.true_divide, ast.Pow: anp.power}
UNARY = {ast.USub: anp.negative}

MAX_LENGTH = 1000  # characters
MAX_DEPTH = 100  # nested operations
MAX_OPERATIONS = 100  # + - * / ** and calls: each costs a pass over every run at every step (Goldstein-Price has 38)
MAX_LITERAL = 1e15  # size of a number written in the formula
MAX_EXPONENT = 100  # size of a constant exponent (x**c, c**d)

DEFAULT_FORMULA = "(x**2 - 1)**2 + y**2"
ALLOWED = (f"use numbers, x, y, pi, e, + - * / **, parentheses and the functions {', '.join(FUNCTIONS)}")

# One token at a time; re.ASCII keeps look-alike letters (𝑥, which Python would read as x) out.
_TOKEN = re.compile(r"\s+|(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
                    r"|\*\*|[-+*/(),]", re.ASCII)
_HINTS = {"^": "; write powers as x**2", "=": "; write only the expression (and put formula= last in a spec)"}

# CPython 3.11 keeps the AST constructor's recursion depth in state shared by threads: two parses at once can fail
# with "SystemError: AST constructor recursion depth mismatch" (two app sessions typing formulas). One at a time.
_PARSE_LOCK = threading.Lock()

# A compiled part of a formula: a constant, or a function of the coordinate arrays x (N,) and y (N,).
Part = float | Callable


def formula_function(text: str) -> Callable:
    """The function (x (N,), y (N,)) -> (N,) that `text` describes, built from autograd.numpy; SpecError if refused."""
    if not isinstance(text, str):
        raise SpecError(f"formula must be text (got {type(text).__name__})")
    if len(text) > MAX_LENGTH:
        raise SpecError(f"formula must be text of at most {MAX_LENGTH} characters (got {len(text)} characters)")
    text = " ".join(text.split())  # line breaks and tabs are spaces, so a pasted multi-line formula reads as one
    if not text:
        raise SpecError("formula must not be empty; write an expression in x and y such as x**2 + y**2")
    check_tokens(text)
    try:
        with _PARSE_LOCK:
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        where = f" at character {error.offset}" if error.offset else ""
        raise SpecError(f"formula: cannot read '{_shorten(text)}' ({error.msg}{where})") from None
    except (ValueError, MemoryError, RecursionError):
        raise SpecError(f"formula: cannot read '{_shorten(text)}'; {ALLOWED}") from None
    check_size(tree.body)
    compiled = _compile(tree.body)
    return compiled if callable(compiled) else (lambda x, y: compiled + 0.0 * x)  # one value per point


def check_tokens(text: str) -> None:
    """Refuse any character, name or number outside the whitelist (before Python's parser sees the text)."""
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            raise SpecError(f"formula: {char!r} (character {position + 1}) is not allowed"
                            f"{_HINTS.get(char, '; ' + ALLOWED)}")
        name, number = match.group("name"), match.group("number")
        if name is not None and name not in FUNCTIONS and name not in CONSTANTS and name not in VARIABLES:
            raise SpecError(f"formula: unknown name '{_shorten(name, 30)}'; {ALLOWED}")
        if number is not None and _number_size(number) > MAX_LITERAL:
            raise SpecError(f"formula: the number {_shorten(number, 30)} is too large; numbers must be at most "
                            f"{MAX_LITERAL:g} in size")
        position = match.end()


def _number_size(token: str) -> float:
    """|value| of a number token (inf when it overflows); 0 for a malformed one, which the parser then refuses."""
    try:
        return abs(float(token))
    except ValueError:
        return 0.0


def check_size(root: ast.expr) -> None:
    """Refuse trees nested deeper than MAX_DEPTH or with more than MAX_OPERATIONS operations (walked iteratively,
    so a deep tree cannot exhaust the stack)."""
    stack, operations = [(root, 1)], 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SpecError(f"formula: nested more than {MAX_DEPTH} operations deep; simplify it")
        operations += isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call))
        if operations > MAX_OPERATIONS:
            raise SpecError(f"formula: more than {MAX_OPERATIONS} operations (+ - * / ** and functions); simplify it")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))


def _compile(node: ast.expr) -> Part:
    """A checked node as a constant (folded now) or a closure over its compiled children."""
    if isinstance(node, ast.Constant):
        return _literal(node.value)
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in VARIABLES:
            return (lambda x, y: x) if node.id == "x" else (lambda x, y: y)
        if node.id in FUNCTIONS:
            raise SpecError(f"formula: {node.id} is a function; write it as {node.id}(...)")
        raise SpecError(f"formula: unknown name '{_shorten(node.id, 30)}'; {ALLOWED}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
        # '+a' is a itself: autograd has no derivative rule for anp.positive
        return _compile(node.operand)
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return _apply(UNARY[type(node.op)], node, _compile(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _compile(node.left), _compile(node.right)
        if isinstance(node.op, ast.Pow) and not callable(right) and abs(right) > MAX_EXPONENT:
            raise SpecError(f"formula: the exponent {_format(right)} in '{_shorten(ast.unparse(node))}' is too large; "
                            f"a constant exponent must be at most {MAX_EXPONENT} in size")
        return _apply(BINARY[type(node.op)], node, left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        name = node.func.id
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise SpecError(f"formula: {name} takes exactly one argument, as in {name}(x)")
        return _apply(FUNCTIONS[name], node, _compile(node.args[0]))
    raise SpecError(f"formula: '{_shorten(ast.unparse(node))}' is not allowed; {ALLOWED}")


def _literal(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"formula: only real numbers are allowed (got {_shorten(repr(value), 30)})")
    if (isinstance(value, int) and abs(value) > MAX_LITERAL) or not abs(float(value)) <= MAX_LITERAL:
        raise SpecError(f"formula: the number {_shorten(repr(value), 30)} is too large; numbers must be at most "
                        f"{MAX_LITERAL:g} in size")
    return float(value)


def _apply(operation: Callable, node: ast.expr, *parts: Part) -> Part:
    """`operation` of the parts: folded to a finite constant when every part is constant, else a closure."""
    if not any(callable(part) for part in parts):
        with np.errstate(all="ignore"):
            value = float(operation(*parts))
        if not math.isfinite(value):
            raise SpecError(f"formula: '{_shorten(ast.unparse(node))}' is not a finite number")
        return value
    functions = [part if callable(part) else (lambda x, y, c=part: c) for part in parts]
    if len(functions) == 1:
        (inner,) = functions
        return lambda x, y: operation(inner(x, y))
    left, right = functions
    return lambda x, y: operation(left(x, y), right(x, y))


def _format(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _shorten(text: str, limit: int = 60) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Custom(Landscape):
    """A surface typed by the user: f(x, y) from a whitelisted formula; gradient and Hessian by autograd.

    Values may be nan or inf somewhere (log(x) for x < 0, 1/x at 0): a run that reaches such a point stops there,
    its gradient undefined.
    """

    # autograd's tracing makes a gradient cost 3-4 times a closed form at 10^5 runs and 15-35 times at a few runs
    # (measured against Himmelblau and Goldstein-Price written as formulas): the work cap counts it as 10, and a
    # step's fixed part 5 times a closed form's (benchmarks/work_weights.py: a step of one run, 200-430 us)
    step_cost = 10.0
    call_cost = 5.0

    name = "custom"

    def __init__(self, formula: str = DEFAULT_FORMULA, extent: float = 3.0):
        self.function = formula_function(formula)
        super().__init__(2, box(-extent, extent, 2), {"formula": formula, "extent": extent})
        self.formula = formula

    def value(self, X):
        x, y = X[:, 0], X[:, 1]
        # The anchor 0·x·y is zero, but keeps every first and second derivative a traced function of X, so autograd
        # never warns "Output seems independent of input" (for a constant formula, or for x + y**2's Hessian).
        return self.function(x, y) + 0.0 * x * y

    def grad(self, X):
        """Autograd's gradient, made nan wherever f itself is not finite (log(x) at x < 0 has a finite derivative
        1/x there), so that a run entering such a region stops at that step with an undefined gradient."""
        X = self.points(X)
        with AUTOGRAD_LOCK, np.errstate(all="ignore"):
            vjp, values = make_vjp(self.value)(X)
            g = np.array(vjp(np.ones_like(values)), dtype=np.float64)
        g[~np.isfinite(values)] = np.nan
        return g

    def minimum_guesses(self):
        """Ends of a batched descent from a grid of starts: one cost whatever the formula (no per-start loop)."""
        return descended_points(self, grid_points(self.domain, GRID_SIDE), DESCENT_STEPS)

    def guesses_work(self) -> float:
        """The batched descent: GRID_SIDE² starts x DESCENT_STEPS x (a value and a gradient)."""
        return GRID_SIDE**2 * DESCENT_STEPS * 2.0 * self.step_cost

    def guess_count(self) -> int:
        return GRID_SIDE**2

    def label_minima(self, minima):
        """Keep the minima within one domain width of the plotted box (1/x + y² has stray ones far out)."""
        reach = self.domain.high - self.domain.low
        kept = [m for m in minima if np.all(np.abs(m.location - self.domain.centre) <= 1.5 * reach)]
        lowest = min((m.value for m in kept), default=np.inf)
        return [Minimum(m.location, m.value, m.eigenvalues,
                        "global" if m.value - lowest <= 1e-9 * (1.0 + abs(lowest)) else "") for m in kept]


GRID_SIDE = 12  # GRID_SIDE² descent starts
DESCENT_STEPS = 200


def grid_points(domain: Domain, side: int) -> np.ndarray:
    """The centres of a side x side grid of cells covering a 2-d box: (side², 2), none on the axes of symmetry."""
    ticks = (np.arange(side) + 0.5) / side
    unit = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), axis=-1).reshape(-1, 2)
    return domain.low + unit * (domain.high - domain.low)


def descended_points(landscape: Landscape, starts: np.ndarray, steps: int) -> np.ndarray:
    """Points (K, d) after `steps` of gradient descent with a per-row step that doubles on an Armijo success and
    halves on a failure; rows whose value is not finite stay put (nan never compares as a decrease)."""
    X = np.array(starts, dtype=np.float64)
    width = float(np.max(landscape.domain.high - landscape.domain.low))
    step = np.full(len(X), 1e-3 * width)
    with np.errstate(all="ignore"):
        f = landscape.f(X)
        for _ in range(steps):
            g = landscape.grad(X)
            trial = X - step[:, None] * g
            f_trial = landscape.f(trial)
            better = f_trial <= f - 1e-4 * step * np.einsum("nd,nd->n", g, g)
            X[better], f[better] = trial[better], f_trial[better]
            step = np.where(better, 2.0 * step, 0.5 * step)
    return X[np.isfinite(f)]


@LANDSCAPES.register("custom", (Field("extent", "float", 3.0, "half-width of the plotted box", low=0.1, high=1000.0,
                                       log=True),
                                 Field("formula", "text", DEFAULT_FORMULA, "f(x, y) with numbers, x, y, pi, e, "
                                       "+ - * / **, parentheses and " + " ".join(FUNCTIONS),
                                       max_length=MAX_LENGTH)),
                     "your own formula in x and y, e.g. (x**2 - 1)**2 + y**2 (written last in a spec)",
                     LandscapeRecord(label="Custom formula", docs="docs/landscapes.md#custom-formula-custom",
                                     rank=110, basin_work_anywhere=980.0, basin_work_near_minimum=520.0))
def custom(*, extent: float, formula: str) -> Landscape:
    return Custom(formula, extent)
