"""Arithmetic without ``eval``: the expression is parsed by ``ast`` and only numbers and
arithmetic operators are walked. Names, calls, attributes, subscripts, strings and
everything else are refused, and sizes are capped so no input can burn the CPU.

Also how an expression is found in a message (``find_expression``). Standard library
only: the bundled products' test doubles import this file as it is, copied beside them
(``engine/bundled_venv.py`` ``copy_app``).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable

# Limits of the tool itself (not deployment settings): they keep one expression cheap.
MAX_EXPRESSION_CHARS = 200
MAX_EXPONENT = 1000
MAX_INTEGER_BITS = 4096

Number = int | float


class CalculatorError(ValueError):
    """The expression is not plain arithmetic, or cannot be computed (division by zero, too large)."""


_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _checked(value: Number) -> Number:
    if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS:
        raise CalculatorError("result too large")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculatorError("result too large")
    return value


def _power(base: Number, exponent: Number) -> Number:
    if abs(exponent) > MAX_EXPONENT:
        raise CalculatorError(f"exponent larger than {MAX_EXPONENT}")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        # the result has at least (bits(base) - 1) * exponent + 1 bits: refuse before computing it
        if (base.bit_length() - 1) * exponent > MAX_INTEGER_BITS:
            raise CalculatorError("result too large")
    if base == 0 and exponent < 0:
        raise CalculatorError("division by zero")
    result = base**exponent
    if isinstance(result, complex):
        raise CalculatorError("result is not a real number")
    return result


def _evaluate(node: ast.AST) -> Number:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    # type() rather than isinstance(): True and False are ints to isinstance
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _checked(node.value)  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            return _checked(_power(left, right))
        try:
            return _checked(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError as exc:
            raise CalculatorError("division by zero") from exc
        except OverflowError as exc:
            raise CalculatorError("result too large") from exc
    raise CalculatorError(f"not plain arithmetic: {type(node).__name__} is not allowed")


def evaluate(expression: str) -> Number:
    """The value of an arithmetic expression such as ``"(2 + 3) * -4 ** 2"``."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculatorError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalculatorError("not a valid arithmetic expression") from exc
    try:
        value = _evaluate(tree)
    except OverflowError as exc:
        raise CalculatorError("result too large") from exc
    # 10 / 2 is 5.0; people expect "5"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def format_number(value: Number) -> str:
    return str(value) if isinstance(value, int) else f"{value:.12g}"


# a run of digits, operators, dots, parentheses and spaces that starts like a number
_EXPRESSION_CANDIDATE = re.compile(r"[-+(]*\s*\d[\d\s.+\-*/%()]*")


def find_expression(text: str) -> str | None:
    """The longest arithmetic expression (with at least one operator) written in ``text``."""
    best: str | None = None
    for match in _EXPRESSION_CANDIDATE.finditer(text):
        candidate = match.group().strip().rstrip(" .+-*/%(")
        # "(try 2 + 3)" catches an unmatched ")" at the end
        while candidate and not _is_arithmetic(candidate) and candidate.endswith(")"):
            candidate = candidate[:-1].rstrip()
        if _is_arithmetic(candidate) and (best is None or len(candidate) > len(best)):
            best = candidate
    return best


def _is_arithmetic(candidate: str) -> bool:
    try:
        tree = ast.parse(candidate, mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(node, ast.BinOp) for node in ast.walk(tree))
