"""Arithmetic over a campaign's parameters, for its protocol template ("200 * yellow", "tau * 60").

Only numbers, parameter names, ``+ - * / ** %``, parentheses, and ``min``, ``max``, ``abs``,
``round`` are allowed: a template is data a user (or a chat agent) wrote, so it is parsed with
``ast`` and walked, never ``eval``-ed.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def _power(base: float, exponent: float) -> float:
    if abs(exponent) > 64:  # a template never needs more; 10 ** 10 ** 10 would hang the loop
        raise ExpressionError(f"the exponent {exponent} is too large")
    return float(base) ** exponent


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: _power,
    ast.Mod: operator.mod,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": round}


class ExpressionError(ValueError):
    """An expression that is not plain arithmetic over known names."""


@lru_cache(maxsize=512)
def parse_expression(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is not an arithmetic expression ({exc.msg})") from None
    for node in ast.walk(tree):
        allowed = (
            ast.Expression,
            ast.BinOp,
            ast.UnaryOp,
            ast.Constant,
            ast.Name,
            ast.Load,
            ast.Call,
            *_BINARY,
            *_UNARY,
        )
        if not isinstance(node, allowed):
            raise ExpressionError(f"{text!r}: {type(node).__name__} is not allowed (arithmetic only)")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ExpressionError(f"{text!r}: only numbers are allowed as constants")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS and not node.keywords
        ):
            raise ExpressionError(f"{text!r}: only {', '.join(_FUNCTIONS)} may be called")
    return tree


def names_in(text: str) -> set[str]:
    tree = parse_expression(text)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - calls


def evaluate(text: str | float | int, values: Mapping[str, Any]) -> float:
    """The value of an expression (a number is its own value) over ``values``."""
    if isinstance(text, int | float):
        return float(text)
    tree = parse_expression(text)

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise ExpressionError(f"{text!r}: unknown name {node.id!r}")
            return values[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](walk(node.operand))
        if isinstance(node, ast.Call):
            return _FUNCTIONS[node.func.id](*(walk(a) for a in node.args))  # type: ignore[attr-defined]
        raise ExpressionError(f"{text!r}: cannot evaluate {type(node).__name__}")

    try:
        value = float(walk(tree))
    except (TypeError, ZeroDivisionError, OverflowError) as exc:
        raise ExpressionError(f"{text!r} cannot be evaluated: {exc}") from None
    if not math.isfinite(value):
        raise ExpressionError(f"{text!r} is not finite for {dict(values)}")
    return value
