"""Boulevard's ``QueryString`` filter language, as far as ``myAppointments`` needs it.

Comparisons ``field <op> value`` (ops ``= != < <= > >=``) and ``field IS [NOT] NULL`` combined
with ``AND`` / ``OR`` and parentheses; values are 'quoted strings', numbers, true/false or
field names. Field names are case sensitive; comparisons with a ``casefold`` field (e-mail
addresses) ignore case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|=|<|>)|(?P<paren>[()])|(?P<word>[A-Za-z_][\w.:-]*)"
    r"|(?P<num>-?\d+(?:\.\d+)?))"
)

Predicate = Callable[[dict[str, Any]], bool]


class QueryStringError(ValueError):
    """The query string cannot be parsed."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise QueryStringError(f"Unexpected input at position {pos}: {text[pos:pos + 10]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _coerce(value: Any) -> Any:
    """Make DateTime strings comparable with stored datetimes (naive values are UTC)."""
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _compare(left: Any, op: str, right: Any) -> bool:
    left, right = _coerce(left), _coerce(right)
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        return bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op])
    except TypeError as exc:
        raise QueryStringError(f"Cannot compare {left!r} and {right!r}") from exc


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def parse(text: str, fields: set[str], casefold: frozenset[str] = frozenset()) -> Predicate:
    """Compile ``text`` into a predicate over a dict of field values; unknown fields are errors."""
    tokens = _tokens(text)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise QueryStringError("Unexpected end of query")
        pos += 1
        return tokens[pos - 1]

    def is_word(tok: tuple[str, str] | None, word: str) -> bool:
        return tok is not None and tok[0] == "word" and tok[1].upper() == word

    def operand(tok: tuple[str, str]) -> Callable[[dict[str, Any]], Any]:
        kind, raw = tok
        if kind == "str":
            text_value = raw[1:-1].replace("\\'", "'")
            return lambda _row: text_value
        if kind == "num":
            number = float(raw) if "." in raw else int(raw)
            return lambda _row: number
        if kind == "word" and raw.lower() in ("true", "false"):
            flag = raw.lower() == "true"
            return lambda _row: flag
        if kind == "word":
            if raw not in fields:
                raise QueryStringError(f"Unknown field {raw!r}")
            return lambda row: row.get(raw)
        raise QueryStringError(f"Unexpected token {raw!r}")

    def comparison() -> Predicate:
        tok = take()
        if tok == ("paren", "("):
            inner = disjunction()
            if take() != ("paren", ")"):
                raise QueryStringError("Missing closing parenthesis")
            return inner
        left = operand(tok)
        folded = tok[0] == "word" and tok[1] in casefold
        if is_word(peek(), "IS"):
            take()
            negate = is_word(peek(), "NOT")
            if negate:
                take()
            if not is_word(take(), "NULL"):
                raise QueryStringError("Expected NULL")
            return (lambda row: left(row) is not None) if negate else (lambda row: left(row) is None)
        kind, op = take()
        if kind != "op":
            raise QueryStringError(f"Expected a comparison operator, found {op!r}")
        right_tok = take()
        right = operand(right_tok)
        if folded or (right_tok[0] == "word" and right_tok[1] in casefold):
            return lambda row: _compare(_fold(left(row)), op, _fold(right(row)))
        return lambda row: _compare(left(row), op, right(row))

    def conjunction() -> Predicate:
        parts = [comparison()]
        while is_word(peek(), "AND"):
            take()
            parts.append(comparison())
        return lambda row: all(p(row) for p in parts)

    def disjunction() -> Predicate:
        parts = [conjunction()]
        while is_word(peek(), "OR"):
            take()
            parts.append(conjunction())
        return lambda row: any(p(row) for p in parts)

    if not tokens:
        return lambda _row: True
    predicate = disjunction()
    if pos != len(tokens):
        raise QueryStringError(f"Unexpected token {tokens[pos][1]!r}")
    return predicate
