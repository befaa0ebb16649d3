"""The small expression language of conditions, prohibitions and quorum rules.

Statutory rules are fractions of people ("≥ 2/3 of members"), so arithmetic is exact (Fraction): a tally
of exactly two thirds must pass, which floating point cannot promise. Only a whitelisted subset of Python
expression syntax is accepted, checked when definitions load, so a rule can never run arbitrary code.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Callable, Mapping

BUILTIN_NAMES = {"true": True, "false": False}

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}
_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


class RuleSyntaxError(ValueError):
    """The rule text is not a valid expression of the rule language."""


class RuleEvalError(ValueError):
    """The rule could not be evaluated for these values (wrong types, division by zero)."""


class MissingValue(RuleEvalError):
    """A name the rule needs has no value yet, typically a field not filled in."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


Node = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its text, the names it reads, and the compiled evaluator."""

    text: str
    names: frozenset[str]
    _fn: Node = field(repr=False, compare=False)

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return self._fn(env)

    def holds(self, env: Mapping[str, Any]) -> bool:
        result = self.evaluate(env)
        if not isinstance(result, bool):
            raise RuleEvalError(f"规则“{self.text}”的结果不是真/假值")
        return result


def to_number(value: Any) -> Any:
    """Numbers enter rules as exact Fractions; amounts arrive as decimal strings such as '85000.00'."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value)
    return value


def parse(text: str) -> Rule:
    """Compile a rule; raises RuleSyntaxError naming what is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise RuleSyntaxError("规则为空")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleSyntaxError(f"无法解析规则“{text}”：{exc.msg}") from None
    names: set[str] = set()
    fn = _compile(tree.body, names, text)
    return Rule(text=text, names=frozenset(names), _fn=fn)


def _compile(node: ast.AST, names: set[str], text: str) -> Node:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or isinstance(value, str):
            return lambda env, v=value: v
        if isinstance(value, int):
            return lambda env, v=Fraction(value): v
        if isinstance(value, float):
            try:
                exact = Fraction(Decimal(ast.get_source_segment(text.strip(), node) or repr(value)))
            except (InvalidOperation, ValueError):
                exact = Fraction(value)
            return lambda env, v=exact: v
        raise RuleSyntaxError(f"规则“{text}”含不支持的常量 {value!r}")
    if isinstance(node, ast.Name):
        name = node.id
        if name in BUILTIN_NAMES:
            return lambda env, v=BUILTIN_NAMES[name]: v
        names.add(name)

        def lookup(env: Mapping[str, Any], name: str = name) -> Any:
            if name not in env or env[name] is None:
                raise MissingValue(name)
            return to_number(env[name])
        return lookup
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_compile(e, names, text) for e in node.elts]
        return lambda env: tuple(i(env) for i in items)
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v, names, text) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda env: all(_truth(p(env), text) for p in parts)
        return lambda env: any(_truth(p(env), text) for p in parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _compile(node.operand, names, text)
        return lambda env: not _truth(inner(env), text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _compile(node.operand, names, text)
        return lambda env: _arith(operator.neg, text, inner(env))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left, right = _compile(node.left, names, text), _compile(node.right, names, text)
        return lambda env: _arith(op, text, left(env), right(env))
    if isinstance(node, ast.Compare) and all(type(o) in _CMPOPS for o in node.ops):
        first = _compile(node.left, names, text)
        rest = [(_CMPOPS[type(o)], _compile(c, names, text)) for o, c in zip(node.ops, node.comparators)]

        def compare(env: Mapping[str, Any]) -> bool:
            left = first(env)
            for op, right_fn in rest:
                right = right_fn(env)
                try:
                    if not op(left, right):
                        return False
                except TypeError:
                    raise RuleEvalError(f"规则“{text}”比较了类型不同的值") from None
                left = right
            return True
        return compare
    raise RuleSyntaxError(f"规则“{text}”含不允许的写法：{ast.dump(node)[:40]}")


def _truth(value: Any, text: str) -> bool:
    if not isinstance(value, bool):
        raise RuleEvalError(f"规则“{text}”中与/或/非的对象不是真/假值")
    return value


def _arith(op: Callable[..., Any], text: str, *args: Any) -> Any:
    if any(isinstance(a, (bool, str, tuple)) for a in args):
        raise RuleEvalError(f"规则“{text}”对非数值做了算术")
    try:
        return op(*args)
    except ZeroDivisionError:
        raise RuleEvalError(f"规则“{text}”除以零") from None
