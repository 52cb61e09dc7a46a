"""Hiding password literals in statement text that is shown or stored, never in what runs.

A role's password is a literal after the word PASSWORD: ``CREATE ROLE ... [ENCRYPTED]
PASSWORD 'x'``, ``ALTER USER ... WITH PASSWORD E'x'``, ``PASSWORD $$x$$``. The word followed by
a literal means nothing else in valid SQL (a column named password is followed by a type, an
operator or a comma), so no grammar is needed beyond the lexer's: the same rule finds a foreign
server's ``OPTIONS (password 'x')`` and statements inside dollar-quoted bodies (``DO $$ ...
CREATE ROLE ... $$``). A subscription's ``CONNECTION '...'`` string keeps all but its password.

Checksums cover the real text; this is for the ledger's stored copy and for status's diffs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from schemactl.dsn import mask_dsn
from schemactl.files.statements import (
    Statement,
    Token,
    TokenKind,
    UnterminatedError,
    tokenize,
)

REDACTED = "'****'"

_LITERALS = (TokenKind.STRING, TokenKind.DOLLAR)
_INSIGNIFICANT = (TokenKind.SPACE, TokenKind.COMMENT)
_DOLLAR_TAG = re.compile(r"\$[^$]*\$")
_STANDARD_STRING = re.compile(r"'(?:[^']|'')*'", re.DOTALL)
# How the lexer names what it could not close, as the kind of token the rest of the text is.
_UNCLOSED = {"string": TokenKind.STRING, "dollar-quoted": TokenKind.STRING}


def redact_passwords(text: str) -> str:
    """``text`` (one statement, raw or normalized) with each password literal in it replaced
    by ``'****'``; ``PASSWORD NULL`` and everything else unchanged."""
    lowered = text.lower()
    # Most statements name neither: returned without being tokenized.
    if "password" not in lowered and "connection" not in lowered:
        return text
    tokens = [token for token in _tokens(text) if token.kind not in _INSIGNIFICANT]
    edits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if after is not None and after.kind in _LITERALS and _names_password(token):
            last = i + 1
            # Strings apart only by whitespace with a newline are one literal to PostgreSQL,
            # and normalized text keeps no newline to tell: each one after the first goes.
            while last + 1 < len(tokens) and _continues(tokens[last + 1]):
                last += 1
            edits.append((after.start, _end(tokens[last]), REDACTED))
            i = last + 1
            continue
        if after is not None and after.kind in _LITERALS and _is_word(token, "connection"):
            hidden = _hide_in_conninfo(after)
            if hidden != after.text:
                edits.append((after.start, _end(after), hidden))
            i += 2
            continue
        if token.kind is TokenKind.DOLLAR:
            body = _redact_body(token.text)
            if body != token.text:
                edits.append((token.start, _end(token), body))
        i += 1
    return _apply(text, edits)


def recorded_statements(statements: Iterable[Statement]) -> list[str]:
    """``statements`` as the ledger records them: normalized, passwords redacted."""
    return [redact_passwords(statement.normalized) for statement in statements]


def _tokens(text: str) -> Iterator[Token]:
    """The lexer's tokens; text it cannot close (a statement cut short) ends as one token."""
    end = 0
    try:
        for token in tokenize(text):
            end = _end(token)
            yield token
    except UnterminatedError as error:
        kind = _UNCLOSED.get(error.what.split()[0], TokenKind.COMMENT)
        yield Token(kind, text[end:], end)


def _names_password(token: Token) -> bool:
    # Option names in OPTIONS (...) may be quoted, and are then compared exactly.
    return _is_word(token, "password") or (
        token.kind is TokenKind.QUOTED_IDENT and token.text == '"password"'
    )


def _is_word(token: Token, word: str) -> bool:
    return token.kind is TokenKind.WORD and token.text.lower() == word


def _continues(token: Token) -> bool:
    return token.kind is TokenKind.STRING and token.text.startswith("'")


def _end(token: Token) -> int:
    return token.start + len(token.text)


def _redact_body(literal: str) -> str:
    """A dollar-quoted literal with the passwords in the statements of its body redacted."""
    tag = _DOLLAR_TAG.match(literal)
    if tag is None or len(literal) < 2 * len(tag.group()):
        return literal
    size = len(tag.group())
    return literal[:size] + redact_passwords(literal[size:-size]) + literal[-size:]


def _hide_in_conninfo(literal: Token) -> str:
    """A connection-string literal with its password hidden and the rest kept."""
    text = literal.text
    if literal.kind is TokenKind.DOLLAR:
        tag = _DOLLAR_TAG.match(text)
        size = len(tag.group()) if tag else 0
        return text[:size] + mask_dsn(text[size:-size]) + text[-size:] if size else text
    if _STANDARD_STRING.fullmatch(text):
        value = text[1:-1].replace("''", "'")
        hidden = mask_dsn(value)
        return text if hidden == value else "'" + hidden.replace("'", "''") + "'"
    # Escapes (E'', U&'') or an unclosed string: the value is not worth decoding to keep.
    return REDACTED if mask_dsn(text) != text else text


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return text
    parts: list[str] = []
    position = 0
    for start, end, replacement in edits:
        parts += (text[position:start], replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)
