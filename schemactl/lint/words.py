"""A statement as the rules read it: its significant tokens, and object names read from them.

Built on the same lexer that splits files (``schemactl.files.statements.tokenize``), so a keyword
inside a string, a quoted identifier or a dollar-quoted body is never mistaken for SQL. Unquoted
words are compared lower-cased; quoted identifiers keep their exact spelling and are never
keywords.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from schemactl.files.statements import Statement, TokenKind, UnterminatedError, tokenize

_IDENT_KINDS = (TokenKind.WORD, TokenKind.QUOTED_IDENT)

# PostgreSQL's reserved keywords (Appendix C): unquoted, none of them can name a table, index,
# type or function, so a statement that has one where a name belongs is misread or invalid
# (``DROP INDEX IF NOT EXISTS x`` is a syntax error, not a drop of an index called "if").
_RESERVED_WORDS = """
    all analyse analyze and any array as asc asymmetric both case cast check collate column
    constraint create current_catalog current_date current_role current_time current_timestamp
    current_user default deferrable desc distinct do else end except false fetch for foreign
    from grant group having in initially intersect into lateral leading limit localtime
    localtimestamp not null offset on only or order placing primary references returning select
    session_user some symmetric system_user table then to trailing true union unique user using
    variadic when where window with"""
RESERVED = frozenset(_RESERVED_WORDS.split())
# Clause words that are not reserved but never start a name where the rules read one: an
# IF [NOT] EXISTS in the wrong place.
_CLAUSE_SECONDS = frozenset(("not", "exists"))  # after IF
_DOLLAR_TAG = re.compile(r"^\$[^$]*\$")


@dataclass(frozen=True, slots=True)
class Word:
    """One significant token: ``value`` is lower-cased for unquoted words, unquoted for
    quoted identifiers, and the text itself otherwise."""

    kind: TokenKind
    text: str
    value: str

    @property
    def is_ident(self) -> bool:
        """An unquoted word or a quoted identifier (anything that can name an object)."""
        return self.kind in _IDENT_KINDS


@dataclass(frozen=True)
class ObjectName:
    """A possibly schema-qualified name; ``text`` is how the file spells it."""

    schema: str | None
    name: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        """Identity for comparisons; unqualified names are taken to be in ``public``."""
        return self.schema or "public", self.name

    def same(self, other: ObjectName) -> bool:
        """Same name, and same schema unless either leaves it to the search path."""
        schemas_agree = self.schema == other.schema or None in (self.schema, other.schema)
        return self.name == other.name and schemas_agree

    def __str__(self) -> str:
        return self.text


class Words:
    """The significant tokens of one statement, with the small reads the rules need."""

    def __init__(self, items: tuple[Word, ...]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def kw(self, i: int) -> str:
        """The keyword at ``i`` (lower-cased), or "" for anything that is not an unquoted word."""
        if 0 <= i < len(self.items) and self.items[i].kind is TokenKind.WORD:
            return self.items[i].value
        return ""

    def at(self, i: int, *keywords: str) -> bool:
        """True if the keywords follow from ``i``; "a|b" accepts either word."""
        items = self.items
        if i < 0 or i + len(keywords) > len(items):
            return False
        for n, keyword in enumerate(keywords):
            # Hot: every rule asks. Plain reads, and "|" split only when one is there.
            item = items[i + n]
            if item.kind is not TokenKind.WORD:
                return False
            if item.value != keyword and (
                "|" not in keyword or item.value not in keyword.split("|")
            ):
                return False
        return True

    def skip(self, i: int, *keywords: str) -> int:
        """The index after ``keywords`` if they follow from ``i``, else ``i`` (optional parts)."""
        return i + len(keywords) if self.at(i, *keywords) else i

    def is_open(self, i: int) -> bool:
        """True if an opening bracket is at ``i``."""
        return 0 <= i < len(self.items) and self.items[i].kind is TokenKind.OPEN

    def is_text(self, i: int, text: str) -> bool:
        """True if the token at ``i`` is exactly ``text`` (punctuation such as "." or ",")."""
        return 0 <= i < len(self.items) and self.items[i].text == text

    def path(self, i: int) -> tuple[list[Word], int]:
        """The dot-separated identifiers at ``i`` (``a.b.c``) and the index after them."""
        parts: list[Word] = []
        j = i
        while j < len(self.items) and self.items[j].is_ident:
            parts.append(self.items[j])
            j += 1
            if self.is_text(j, ".") and j + 1 < len(self.items) and self.items[j + 1].is_ident:
                j += 1
                continue
            break
        return parts, j

    def is_keyword_not_name(self, i: int) -> bool:
        """True if the unquoted word at ``i`` cannot start an object's name there: a reserved
        keyword, or the IF of a misplaced IF [NOT] EXISTS."""
        word = self.kw(i)
        if not word:
            return False
        # Asked for every name read: the clauses spelled out rather than matched in turn.
        return word in RESERVED or (word == "if" and self.kw(i + 1) in _CLAUSE_SECONDS)

    def name(self, i: int) -> tuple[ObjectName | None, int]:
        """``[schema.]name`` at ``i`` (a database prefix is ignored) and the index after it.

        A keyword is never read as a name (see ``is_keyword_not_name``): every rule that
        reads names through here is spared naming one.
        """
        if self.is_keyword_not_name(i):
            return None, i
        parts, j = self.path(i)
        return (object_name(parts) if parts else None), (j if parts else i)

    def after_group(self, i: int) -> int:
        """The index after the bracket group opening at ``i`` (or ``i`` if none opens there)."""
        if not self.is_open(i):
            return i
        depth = 0
        for j in range(i, len(self.items)):
            kind = self.items[j].kind
            if kind is TokenKind.OPEN:
                depth += 1
            elif kind is TokenKind.CLOSE:
                depth -= 1
                if depth == 0:
                    return j + 1
        return len(self.items)

    def top_level(self, start: int = 0, stop: int | None = None) -> Iterator[int]:
        """Indexes in ``[start, stop)`` that are not inside brackets opened after ``start``."""
        stop = len(self.items) if stop is None else stop
        i = start
        while i < stop:
            yield i
            i = self.after_group(i) if self.is_open(i) else i + 1

    def find(self, keyword: str, start: int = 0, stop: int | None = None) -> int | None:
        """The first top-level index of ``keyword`` ("a|b" for either) in ``[start, stop)``."""
        options = keyword.split("|")
        return next((i for i in self.top_level(start, stop) if self.kw(i) in options), None)

    def split(self, start: int, stop: int) -> list[tuple[int, int]]:
        """``[start, stop)`` cut at top-level commas into ``(start, stop)`` ranges."""
        ranges: list[tuple[int, int]] = []
        begin = start
        for i in self.top_level(start, stop):
            if self.is_text(i, ","):
                ranges.append((begin, i))
                begin = i + 1
        ranges.append((begin, stop))
        return [(a, b) for a, b in ranges if a < b]

    def keywords(self, start: int = 0, stop: int | None = None) -> list[str]:
        """Every unquoted word in ``[start, stop)``, at any depth, lower-cased."""
        stop = len(self.items) if stop is None else stop
        return [w.value for w in self.items[start:stop] if w.kind is TokenKind.WORD]

    def calls(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, str]]:
        """``(index, name)`` of every function call (a name directly followed by "(")."""
        stop = len(self.items) if stop is None else stop
        for i in range(start, min(stop, len(self.items)) - 1):
            if self.items[i].is_ident and self.is_open(i + 1) and self.items[i + 1].text == "(":
                yield i, self.items[i].value

    def tail(self, start: int) -> Words:
        """The words from ``start`` on, as their own statement."""
        return Words(self.items[start:])

    def body_texts(self) -> Iterator[str]:
        """The inside of each dollar-quoted body (a DO block's code)."""
        for word in self.items:
            if word.kind is TokenKind.DOLLAR:
                tag = _DOLLAR_TAG.match(word.text)
                if tag and len(word.text) >= 2 * len(tag.group(0)):
                    yield word.text[len(tag.group(0)) : len(word.text) - len(tag.group(0))]


def object_name(parts: list[Word]) -> ObjectName:
    """The name made of the last one or two of ``parts`` (a database prefix is ignored)."""
    schema = parts[-2].value if len(parts) > 1 else None
    return ObjectName(schema, parts[-1].value, ".".join(p.text for p in parts[-2:]))


def _word(kind: TokenKind, text: str) -> Word:
    if kind is TokenKind.WORD:
        return Word(kind, text, text.lower())
    if kind is TokenKind.QUOTED_IDENT:
        return Word(kind, text, text[1:-1].replace('""', '"'))
    return Word(kind, text, text)


def words_of_text(text: str) -> Words:
    """The significant tokens of ``text``; a body the lexer cannot finish reads as empty."""
    try:
        tokens = list(tokenize(text))
    except UnterminatedError:
        return Words(())
    significant = (t for t in tokens if t.kind not in (TokenKind.SPACE, TokenKind.COMMENT))
    return Words(tuple(_word(t.kind, t.text) for t in significant))


@functools.lru_cache(maxsize=8192)
def words_of(statement: Statement) -> Words:
    """The significant tokens of ``statement`` (cached: every rule reads the same statements),
    from those its splitter kept where it has them."""
    if statement.tokens is None:
        return words_of_text(statement.text)
    shared = _SHARED.get
    items = []
    for kind, text in statement.tokens:
        word = shared(text)
        if word is None or word.kind is not kind:
            word = _shared_word(kind, text)
        items.append(word)
    return Words(tuple(items))


# Words are immutable, and a migration set spells the same few hundred (keywords, names,
# punctuation) over and over: one Word for each spelling instead of one per use. Long texts
# (string literals, bodies) rarely repeat and are not kept.
_SHARED: dict[str, Word] = {}
_SHARED_TEXT = 64
_SHARED_MAX = 1 << 16


def forget_shared() -> None:
    """Empty the shared words (``linter.release``)."""
    _SHARED.clear()


def _shared_word(kind: TokenKind, text: str) -> Word:
    word = _word(kind, text)
    if len(text) <= _SHARED_TEXT:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[text] = word
    return word
