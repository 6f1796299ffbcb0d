"""The calculator tool: plain arithmetic by walking the syntax tree, nothing else."""

from __future__ import annotations

import pytest

from reference_app.agent.calculator import CalculatorError, evaluate, format_number


@pytest.mark.parametrize("expression, value", [
    ("17 * 23", 391),
    ("(2 + 3) * -4", -20),
    ("2 ** 10", 1024),
    ("-2 ** 2", -4),
    ("7 // 2", 3),
    ("7 % 4", 3),
    ("10 / 4", 2.5),
    ("10 / 2", 5),
    ("1.5 * 2", 3),
    ("+3 - -3", 6),
    ("2 ** -1", 0.5),
    ("2 ** 1000 // 2 ** 999", 2),
])
def test_arithmetic(expression, value):
    result = evaluate(expression)

    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("expression", [
    "__import__('os').system('echo hacked')",
    "os",
    "x + 1",
    "(1).__class__",
    "abs(-1)",
    "[1, 2][0]",
    "'a' * 3",
    "True + 1",
    "1 if 1 else 2",
    "lambda: 1",
    "1 < 2",
    "1j * 2",
    "1; 2",
])
def test_anything_but_arithmetic_is_refused(expression):
    with pytest.raises(CalculatorError):
        evaluate(expression)


@pytest.mark.parametrize("expression", [
    "9 ** 9 ** 9",
    "2 ** 100000",
    "10 ** 10 ** 10",
    "(2 ** 1000) ** 1000",
    "10.0 ** 400",
    "99999999999999999999 ** 999",
    "1" * 201,
])
def test_huge_results_are_refused_before_they_are_computed(expression):
    with pytest.raises(CalculatorError):
        evaluate(expression)


@pytest.mark.parametrize("expression", ["1 / 0", "1 // 0", "1 % 0", "0 ** -1", "1.0 / 0.0"])
def test_division_by_zero_is_a_calculator_error(expression):
    with pytest.raises(CalculatorError, match="division by zero"):
        evaluate(expression)


def test_numbers_are_shown_as_people_write_them():
    assert format_number(391) == "391"
    assert format_number(2.5) == "2.5"
    assert format_number(1 / 3) == "0.333333333333"
