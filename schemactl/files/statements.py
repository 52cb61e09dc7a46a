"""Splitting SQL into statements the way psql does, with start line and column.

A small lexer rather than ``sqlparse.split``: sqlparse ends a statement inside a nested block
comment (``/* a /* b; */ c; */``), which PostgreSQL allows. The lexer knows exactly the
constructs that can hide a semicolon: quoted strings (standard, ``E''`` with backslash escapes),
dollar-quoted bodies, quoted identifiers, line and nested block comments, parentheses, and
SQL-standard ``BEGIN ATOMIC ... END`` function bodies. It never executes anything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cache


class TokenKind(Enum):
    SPACE = "space"
    COMMENT = "comment"
    WORD = "word"
    QUOTED_IDENT = "quoted_ident"
    STRING = "string"
    DOLLAR = "dollar"
    SEMICOLON = "semicolon"
    OPEN = "open"
    CLOSE = "close"
    PSQL = "psql"  # a psql meta-command (\set, \connect): not SQL, never sent
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    start: int


SignificantTokens = tuple[tuple[TokenKind, str], ...]


@dataclass(frozen=True)
class Statement:
    """One statement of a file: its exact text, where it starts, and its normalized form.

    ``text`` is what is sent to the server (without the closing semicolon). ``normalized``
    drops comments, collapses whitespace and lower-cases unquoted words, keeping literals,
    quoted identifiers and dollar-quoted bodies exactly: it changes only when what
    PostgreSQL would execute changes.
    """

    index: int
    text: str
    line: int
    column: int
    normalized: str
    # The significant tokens (kind, text as written) as the splitter read them, so that what
    # reads the statement again (the lint, the transaction forms) need not lex it a second
    # time; None for a statement made by hand.
    tokens: SignificantTokens | None = field(default=None, compare=False, repr=False)

    def line_of(self, position: int) -> int:
        """The file line of a 1-based character ``position`` inside ``text`` (server style)."""
        return self.line + self.text.count("\n", 0, max(position - 1, 0))

    def excerpt(self, width: int = 120) -> str:
        """The statement's first line, shortened for messages."""
        first = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first if len(first) <= width else first[: width - 3] + "..."


class UnterminatedError(ValueError):
    """A quoted string, identifier, comment or dollar body runs to the end of the file."""

    def __init__(self, what: str, position: int):
        super().__init__(f"unterminated {what}")
        self.what = what
        self.position = position


# Letters, digits, _ and $ in ASCII, and every character from U+0080 to U+FFFF, written as what
# they are not: a class spanning U+0080-U+FFFF takes ~8 ms to compile, on every start-up.
_WORD_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f\U00010000-\U0010ffff]"  # [A-Za-z_\u0080-\uffff]
_TAG_CHAR = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f\U00010000-\U0010ffff]"  # and 0-9
_WORD_CHAR = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f\U00010000-\U0010ffff]"  # and $
_DOLLAR_TAG = re.compile(rf"\$({_WORD_START}{_TAG_CHAR}*)?\$")
_WORD = re.compile(rf"{_WORD_START}{_WORD_CHAR}*")
_SPACE = re.compile(r"\s+")
_LINE_END = re.compile(r"[\n\r]")
# As in PostgreSQL, an operator never contains the start of a comment.
_OPERATOR = re.compile(r"(?:(?!--|/\*)[+\-*/<>=~!@#%^&|`?])+")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?")
_STRING_PREFIX = re.compile(r"(?:[EeBbXxNn]|[Uu]&)'")


def tokenize(source: str) -> Iterator[Token]:
    """Yield the tokens of ``source``; raises UnterminatedError for an unclosed construct."""
    pos, end = 0, len(source)
    while pos < end:
        token = _next_token(source, pos)
        yield token
        pos = token.start + len(token.text)


def _next_token(s: str, pos: int) -> Token:
    ch = s[pos]
    if ch.isspace():
        return _match(TokenKind.SPACE, _SPACE, s, pos)
    if s.startswith("--", pos):
        # A carriage return ends a line comment for PostgreSQL as a newline does.
        line_end = _LINE_END.search(s, pos)
        return Token(TokenKind.COMMENT, s[pos : line_end.start() if line_end else len(s)], pos)
    if s.startswith("/*", pos):
        return Token(TokenKind.COMMENT, s[pos : _block_comment_end(s, pos)], pos)
    if ch == "'":
        return Token(TokenKind.STRING, s[pos : _quoted_end(s, pos, "'", "string")], pos)
    prefix = _STRING_PREFIX.match(s, pos)
    if prefix:
        quote = prefix.end() - 1
        backslashes = s[pos] in "Ee"
        stop = _escape_string_end(s, quote) if backslashes else _quoted_end(s, quote, "'", "string")
        return Token(TokenKind.STRING, s[pos:stop], pos)
    if ch == '"':
        return Token(TokenKind.QUOTED_IDENT, s[pos : _quoted_end(s, pos, '"', "identifier")], pos)
    if ch == "$":
        tag = _DOLLAR_TAG.match(s, pos)
        if tag:
            close = s.find(tag.group(0), tag.end())
            if close < 0:
                raise UnterminatedError("dollar-quoted string " + tag.group(0), pos)
            return Token(TokenKind.DOLLAR, s[pos : close + len(tag.group(0))], pos)
    if ch == ";":
        return Token(TokenKind.SEMICOLON, ch, pos)
    if ch == "\\":
        # Never SQL outside a string: a psql meta-command, which runs to the end of its line.
        line_end = _LINE_END.search(s, pos)
        return Token(TokenKind.PSQL, s[pos : line_end.start() if line_end else len(s)], pos)
    if ch in "([":
        return Token(TokenKind.OPEN, ch, pos)
    if ch in ")]":
        return Token(TokenKind.CLOSE, ch, pos)
    word = _WORD.match(s, pos)
    if word:
        return Token(TokenKind.WORD, word.group(0), pos)
    for kind, pattern in ((TokenKind.OTHER, _NUMBER), (TokenKind.OTHER, _OPERATOR)):
        found = pattern.match(s, pos)
        if found and found.group(0):
            return Token(kind, found.group(0), pos)
    return Token(TokenKind.OTHER, ch, pos)


def _match(kind: TokenKind, pattern: re.Pattern[str], s: str, pos: int) -> Token:
    found = pattern.match(s, pos)
    assert found is not None
    return Token(kind, found.group(0), pos)


def _block_comment_end(s: str, pos: int) -> int:
    depth, i = 0, pos
    while i < len(s):
        if s.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif s.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    raise UnterminatedError("block comment", pos)


def _quoted_end(s: str, pos: int, quote: str, what: str) -> int:
    """End of a quoted run where the quote is escaped by doubling it."""
    i = pos + 1
    while True:
        close = s.find(quote, i)
        if close < 0:
            raise UnterminatedError(what, pos)
        if s.startswith(quote * 2, close):
            i = close + 2
            continue
        return close + 1


def _escape_string_end(s: str, pos: int) -> int:
    i = pos + 1
    while i < len(s):
        if s[i] == "\\" or s.startswith("''", i):
            i += 2
        elif s[i] == "'":
            return i + 1
        else:
            i += 1
    raise UnterminatedError("string", pos)


def split_statements(source: str) -> list[Statement]:
    """Split ``source`` into statements; comments and blank text alone make no statement.

    A leading byte-order mark is ignored. Lines count ``\\n`` (so CRLF files number like LF
    files) and columns count characters, as PostgreSQL's error positions do.
    """
    source = source.removeprefix("\ufeff")
    fast = _split_fast(source)
    return fast if fast is not None else _split_tokens(source)


# The tokens of ``_next_token`` as one regular expression, so that a whole file is scanned in C
# (``split_statements`` over a directory of a thousand files is on the path of every ``up`` and
# ``status``). Each match is the whitespace and comments before a token, then the token. The
# alternatives are those of ``_next_token``, reordered only where they cannot start with the
# same character; an ``E'`` that does not close as an escape string must not be read as the word
# E and a standard string, so it is ``hard``. Constructs it cannot finish exactly as
# ``_next_token`` does (a nested or unclosed comment, an unclosed string, identifier or dollar
# body) match ``hard``: the file is then split by the token-by-token path, which raises. So
# ``hard`` comes after the alternatives that finish a quote or a body, and before the word E.
_SKIP = r"(?:\s++|--[^\n\r]*+|/\*(?:[^*/]++|\*(?!/)|/(?!\*))*+\*/)*+"
_STRING = r"""(?P<string>'(?:[^']++|'')*+'
    | [Ee]'(?:[^'\\]++|\\.|'')*+'
    | (?:[BbXxNn]|[Uu]&)'(?:[^']++|'')*+')"""
_HARD = rf"""(?P<hard>[Ee]'|/\*|'|"|\$(?:{_WORD_START}{_TAG_CHAR}*+)?\$)"""
_WORD_TOKEN = rf"(?P<word>{_WORD_START}{_WORD_CHAR}*+)"
_PUNCTUATION = r"(?P<open>[(\[]) | (?P<close>[)\]]) | (?P<semicolon>;)"
_IDENT = r'(?P<ident>"(?:[^"]++|"")*+")'
_DOLLAR_BODY = rf"""(?P<dollar>\$(?P<tag>(?:{_WORD_START}{_TAG_CHAR}*+)?)\$
    .*?\$(?P=tag)\$)"""
_OTHER = r"""(?P<other>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?
    | (?:(?!--|/\*)[+\-*/<>=~!@\#%^&|`?])+
    | .)"""
_GROUP_KINDS = {
    "string": TokenKind.STRING,
    "ident": TokenKind.QUOTED_IDENT,
    "dollar": TokenKind.DOLLAR,
    "open": TokenKind.OPEN,
    "close": TokenKind.CLOSE,
    "semicolon": TokenKind.SEMICOLON,
    "other": TokenKind.OTHER,
}


@cache
def _token_pattern(plain: bool) -> re.Pattern[str]:
    """Compiled on first use (a no-op run splits nothing). For text without quotes, dollars
    or block comments (most DDL) fewer alternatives need trying."""
    if plain:
        alternatives: tuple[str, ...] = (_WORD_TOKEN, _PUNCTUATION, _OTHER)
    else:
        alternatives = (_STRING, _IDENT, _DOLLAR_BODY, _HARD, _WORD_TOKEN, _PUNCTUATION, _OTHER)
    return re.compile(_SKIP + "(?:" + "|".join(alternatives) + ")?", re.VERBOSE | re.DOTALL)


_ATOMIC_WORDS = frozenset(("begin", "case", "end"))


def _split_fast(source: str) -> list[Statement] | None:
    """``_split_tokens`` without per-token objects; None when the file needs the slow path."""
    if "\\" in source:
        return None  # a psql meta-command, or a backslash in a string: exactly, token by token
    plain = "'" not in source and '"' not in source and "$" not in source and "/*" not in source
    statements: list[Statement] = []
    parts: list[str] = []
    tokens: list[tuple[TokenKind, str]] = []
    words: list[str] = []  # the statement's first four words, lower-cased
    first = -1
    last: re.Match[str] | None = None  # the statement's last token so far
    depth = begin_depth = 0
    line, counted = 1, 0  # the line number at offset ``counted``
    word_kind, kinds = TokenKind.WORD, _GROUP_KINDS
    for match in _token_pattern(plain).finditer(source):
        kind = match.lastgroup
        if kind == "word":
            written = match["word"]
            text = written.lower()
            tokens.append(_share(word_kind, written))
            if len(words) < 4:
                words.append(text)
            if text in _ATOMIC_WORDS and _is_routine(tuple(words)):
                begin_depth = max(begin_depth - 1, 0) if text == "end" else begin_depth + 1
        elif kind is None:  # whitespace or comments at the end
            continue
        elif kind == "semicolon" and depth == 0 and begin_depth == 0:
            if last is not None:
                line += source.count("\n", counted, first)
                counted = first
                span = (first, last.end(), line)
                statements.append(_statement(source, len(statements), span, parts, tokens))
                parts, tokens, words, last = [], [], [], None
            continue
        elif kind == "hard":
            return None
        else:
            text = match[kind]
            tokens.append(_share(kinds[kind], text))
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth = max(depth - 1, 0)
        if last is None:
            first = match.start(kind)
        last = match
        parts.append(text)
    if last is not None:
        line += source.count("\n", counted, first)
        span = (first, last.end(), line)
        statements.append(_statement(source, len(statements), span, parts, tokens))
    return statements


def _is_routine(words: tuple[str, ...]) -> bool:
    return any(words[: len(prefix)] == prefix for prefix in _ROUTINE_PREFIXES)


def _statement(
    source: str,
    index: int,
    span: tuple[int, int, int],
    parts: list[str],
    tokens: list[tuple[TokenKind, str]],
) -> Statement:
    start, end, line = span
    column = start - (source.rfind("\n", 0, start) + 1) + 1
    return Statement(index, source[start:end], line, column, " ".join(parts), tuple(tokens))


def _split_tokens(source: str) -> list[Statement]:
    """The token-by-token splitter: exact for every input, and the one that raises."""
    statements: list[Statement] = []
    current: list[Token] = []
    depth = 0
    begin_depth = 0
    for token in tokenize(source):
        if token.kind is TokenKind.SEMICOLON and depth == 0 and begin_depth == 0:
            _flush(source, current, statements)
            current = []
            continue
        if token.kind is TokenKind.PSQL:
            # psql runs it on its own, as a line between statements: it is not part of one
            # (``psql_commands`` reports it; a file that has one never runs).
            if depth == 0 and begin_depth == 0:
                _flush(source, current, statements)
                current = []
            continue
        current.append(token)
        if token.kind is TokenKind.OPEN:
            depth += 1
        elif token.kind is TokenKind.CLOSE:
            depth = max(depth - 1, 0)
        elif token.kind is TokenKind.WORD:
            begin_depth = _atomic_depth(current, token, begin_depth)
    _flush(source, current, statements)
    return statements


_ROUTINE_PREFIXES = (
    ("create", "function"),
    ("create", "procedure"),
    ("create", "or", "replace", "function"),
    ("create", "or", "replace", "procedure"),
)


def _atomic_depth(current: list[Token], token: Token, depth: int) -> int:
    """Track BEGIN ATOMIC ... END nesting (and CASE ... END inside it), as psql does."""
    word = token.text.lower()
    if word not in ("begin", "case", "end"):
        return depth
    words = tuple(t.text.lower() for t in current if t.kind is TokenKind.WORD)[:4]
    if not any(words[: len(p)] == p for p in _ROUTINE_PREFIXES):
        return depth
    if word == "end":
        return max(depth - 1, 0)
    return depth + 1


def _flush(source: str, tokens: list[Token], out: list[Statement]) -> None:
    significant = [t for t in tokens if t.kind not in (TokenKind.SPACE, TokenKind.COMMENT)]
    if not significant:
        return
    first, last = significant[0], significant[-1]
    text = source[first.start : last.start + len(last.text)]
    line = source.count("\n", 0, first.start) + 1
    column = first.start - (source.rfind("\n", 0, first.start) + 1) + 1
    kept = tuple(_share(t.kind, t.text) for t in significant)
    out.append(Statement(len(out), text, line, column, _normalize(significant), kept))


# A migration set spells the same few thousand tokens (keywords, names, punctuation) over and
# over: statements share one (kind, text) pair for each instead of one per use, which was a
# third of what 600 realistic migrations held once read. Long texts (string literals,
# bodies) rarely repeat and are not kept.
_SHARED: dict[str, tuple[TokenKind, str]] = {}
_SHARED_TEXT = 64
_SHARED_MAX = 1 << 16


def _share(kind: TokenKind, text: str) -> tuple[TokenKind, str]:
    pair = _SHARED.get(text)
    if pair is not None and pair[0] is kind:
        return pair
    pair = (kind, text)
    if len(text) <= _SHARED_TEXT:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[text] = pair
    return pair


def _normalize(tokens: list[Token]) -> str:
    return " ".join(t.text.lower() if t.kind is TokenKind.WORD else t.text for t in tokens)


def checksum(statements: list[Statement]) -> str:
    """sha256 over the normalized statements: stable under comment and whitespace edits."""
    digest = hashlib.sha256()
    for statement in statements:
        digest.update(statement.normalized.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def leading_comments(source: str) -> Iterator[tuple[int, str]]:
    """The ``--`` comment lines before the first statement, with their 1-based line numbers."""
    source = source.removeprefix("\ufeff")
    try:
        for token in tokenize(source):
            if token.kind is TokenKind.SPACE:
                continue
            if token.kind is not TokenKind.COMMENT:
                return
            if token.text.startswith("--"):
                yield source.count("\n", 0, token.start) + 1, token.text
    except UnterminatedError:
        return


@dataclass(frozen=True)
class PsqlCommand:
    """A psql meta-command in a file: its line and its name as written (``\\set``)."""

    line: int
    name: str


_PSQL_NAME = re.compile(r"\\(?:[A-Za-z]+[+S]*|[^\sA-Za-z])?")


def psql_commands(source: str) -> list[PsqlCommand]:
    """Every psql meta-command of ``source`` (a backslash outside strings, comments and
    dollar-quoted bodies); raises UnterminatedError as ``split_statements`` does."""
    source = source.removeprefix("\ufeff")
    if "\\" not in source:
        return []
    found = []
    for token in tokenize(source):
        if token.kind is TokenKind.PSQL:
            name = _PSQL_NAME.match(token.text)
            assert name is not None
            found.append(PsqlCommand(source.count("\n", 0, token.start) + 1, name.group(0)))
    return found


_CLIENT_COPY = re.compile(r"\b(?:from stdin|to stdout)\b")


def is_client_copy(statement: Statement) -> bool:
    """True for COPY ... FROM STDIN / TO STDOUT, whose data travels with the client (psql's
    inline data), which schemactl neither sends nor reads."""
    normalized = statement.normalized
    return normalized.startswith("copy ") and _CLIENT_COPY.search(normalized) is not None


# Statements sent as one query are joined with the semicolon on a line of its own, so that a
# statement ending in a line comment cannot swallow it.
SEPARATOR = "\n;\n"


# Settings that change how the server reads the text of the statements after them.
_PARSING_SETTINGS = frozenset({"standard_conforming_strings", "backslash_quote", "client_encoding"})


def changes_parsing(statement: Statement) -> bool:
    """True for a SET of a setting that changes how later statements' text is read (string
    escapes, encoding), SET NAMES included."""
    words = statement.normalized.split(" ", 3)
    if words[0] != "set" or len(words) < 2:
        return False
    if words[1] in ("session", "local") and len(words) > 2:
        words = words[1:]
    return words[1] == "names" or words[1] in _PARSING_SETTINGS
