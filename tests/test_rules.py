"""The rule language: exact fractions, named lists, and refusal of anything that is not an expression."""
from __future__ import annotations

from decimal import Decimal

import pytest

from workflow.engine.rules import MissingValue, RuleEvalError, RuleSyntaxError, parse


def test_two_thirds_is_exact() -> None:
    assert parse("present >= 2/3 * expected").holds({"present": 20, "expected": 30}) is True
    assert parse("present >= 2/3 * expected").holds({"present": 19, "expected": 30}) is False


def test_decimal_amounts_compare_as_numbers() -> None:
    assert parse("price < reserve").holds({"price": Decimal("9000.00"), "reserve": Decimal("30000.00")}) is True


def test_decimal_literal_is_exact() -> None:
    assert parse("x == 0.1 + 0.2").holds({"x": Decimal("0.3")}) is True


def test_membership_in_a_named_list() -> None:
    rule = parse("kind in banned")
    assert rule.holds({"kind": "婚姻状况证明", "banned": ("婚姻状况证明",)}) is True
    assert rule.holds({"kind": "居住证明", "banned": ("婚姻状况证明",)}) is False


def test_names_read_by_a_rule_are_reported() -> None:
    assert parse("a > 1 and not b or c in lst").names == frozenset({"a", "b", "c", "lst"})


def test_missing_value_names_the_field() -> None:
    with pytest.raises(MissingValue) as missing:
        parse("amount < 100").holds({})
    assert missing.value.name == "amount"


def test_function_calls_are_refused() -> None:
    with pytest.raises(RuleSyntaxError):
        parse("__import__('os').system('true')")


def test_attribute_access_is_refused() -> None:
    with pytest.raises(RuleSyntaxError):
        parse("amount.real > 0")


def test_comparing_text_with_a_number_is_an_evaluation_error() -> None:
    with pytest.raises(RuleEvalError):
        parse("name < 3").holds({"name": "张三"})


def test_division_by_zero_is_an_evaluation_error() -> None:
    with pytest.raises(RuleEvalError):
        parse("yes / expected > 0").holds({"yes": 1, "expected": 0})


def test_non_boolean_result_is_refused() -> None:
    with pytest.raises(RuleEvalError):
        parse("amount + 1").holds({"amount": 1})
