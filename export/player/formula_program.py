"""A custom formula as the JS engine's instructions: the tree landscapes.formula checks, in evaluation order.

Instruction i computes register i from earlier registers a and b: ["x"], ["y"], ["const", value], [unary, a] with
unary "neg", "pos" or a name of landscapes.formula.FUNCTIONS, [binary, a, b] with binary "add", "sub", "mul", "div"
or "pow". The last register is f(x, y). Constant parts are folded here with the operations formula.py folds them
with, so each constant is the float NumPy computes; the anchors formula.py adds are instructions too (a constant
formula is c + 0·x, and Custom.value adds (0·x)·y, nan where x or y is infinite). Only the instructions travel: the
text is never evaluated in JS.
"""

from __future__ import annotations

import ast

import numpy as np

from landscapes import formula

OPERATORS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.USub: "neg"}

Instruction = list  # [name, *operands]


def formula_program(text: str) -> list[Instruction]:
    """The instructions computing `text`; formula.py's SpecError for a formula it refuses, before any instruction."""
    formula.formula_function(text)  # the whitelist, the size bounds and the constant checks, all of them
    with formula._PARSE_LOCK:  # the one lock every parse of a formula takes (see formula.py)
        tree = ast.parse(" ".join(text.split()), mode="eval")
    return Compiler().program(tree.body)


class Compiler:
    """Emits a checked tree's instructions; a part is a float (a folded constant) or an int (its register)."""

    def __init__(self) -> None:
        self.code: list[Instruction] = []
        self.variables: dict[str, int] = {}

    def program(self, body: ast.expr) -> list[Instruction]:
        f = self.part(body)
        if isinstance(f, float):  # formula_function's lambda x, y: c + 0.0 * x
            f = self.emit("add", self.register(f), self.emit("mul", self.register(0.0), self.variable("x")))
        anchor = self.emit("mul", self.emit("mul", self.register(0.0), self.variable("x")), self.variable("y"))
        self.emit("add", f, anchor)
        return self.code

    def emit(self, *instruction: object) -> int:
        self.code.append(list(instruction))
        return len(self.code) - 1

    def register(self, part: float | int) -> int:
        return self.emit("const", part) if isinstance(part, float) else part

    def variable(self, name: str) -> int:
        if name not in self.variables:
            self.variables[name] = self.emit(name)
        return self.variables[name]

    def part(self, node: ast.expr) -> float | int:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return formula.CONSTANTS[node.id] if node.id in formula.CONSTANTS else self.variable(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.part(node.operand)  # '+x' is x, as formula compiles it
        if isinstance(node, ast.UnaryOp):
            return self.apply(OPERATORS[type(node.op)], formula.UNARY[type(node.op)], self.part(node.operand))
        if isinstance(node, ast.BinOp):
            return self.apply(OPERATORS[type(node.op)], formula.BINARY[type(node.op)], self.part(node.left),
                              self.part(node.right))
        name = node.func.id  # a call: formula_function has let nothing else through
        return self.apply(name, formula.FUNCTIONS[name], self.part(node.args[0]))

    def apply(self, name: str, operation, *parts: float | int) -> float | int:
        """The folded constant when every part is one (as formula._apply folds it), else a new instruction."""
        if all(isinstance(part, float) for part in parts):
            with np.errstate(all="ignore"):
                return float(operation(*parts))
        return self.emit(name, *(self.register(part) for part in parts))
