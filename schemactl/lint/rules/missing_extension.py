"""missing-extension: an extension's function or type used before any migration creates it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemactl.files.statements import TokenKind
from schemactl.lint.context import LintContext, Located
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import Kind
from schemactl.lint.objects import Change
from schemactl.lint.words import Words

RULE = Rule(
    id="missing-extension",
    severity=Severity.ERROR,
    summary="uses an extension's function or type that no earlier migration creates",
    why="on a fresh database the extension is not installed, so the statement fails",
    instead="add CREATE EXTENSION IF NOT EXISTS in this or an earlier migration",
)

# A small, deliberate map of what common extensions provide. gen_random_uuid() is missing on
# purpose: it is core since PostgreSQL 13.
_FUNCTIONS = {
    "pgcrypto": {
        "crypt", "gen_salt", "digest", "hmac", "gen_random_bytes", "encrypt", "decrypt",
        "encrypt_iv", "decrypt_iv", "armor", "dearmor",
    },
    "uuid-ossp": {
        "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v3", "uuid_generate_v4",
        "uuid_generate_v5", "uuid_nil", "uuid_ns_dns", "uuid_ns_url", "uuid_ns_oid",
        "uuid_ns_x500",
    },
    "pg_trgm": {"similarity", "word_similarity", "strict_word_similarity", "show_trgm"},
    "hstore": {"hstore"},
    "vector": {"vector"},
}  # fmt: skip
_FUNCTION_PREFIXES = {"pgp_": "pgcrypto", "st_": "postgis"}
_TYPES = {
    "citext": "citext",
    "hstore": "hstore",
    "geometry": "postgis",
    "geography": "postgis",
    "ltree": "ltree",
    "lquery": "ltree",
    "ltxtquery": "ltree",
    "gin_trgm_ops": "pg_trgm",
    "gist_trgm_ops": "pg_trgm",
    "vector_l2_ops": "vector",
    "vector_ip_ops": "vector",
    "vector_cosine_ops": "vector",
    "hnsw": "vector",
    "ivfflat": "vector",
}
_BY_FUNCTION = {name: extension for extension, names in _FUNCTIONS.items() for name in names}
# A statement whose normalized text has none of these at the start of a word (words are
# lower-cased there, and follow a space) uses no extension: most statements, read no further.
_MAY_USE = re.compile(
    "(?:^| )(?:"
    + "|".join(re.escape(n) for n in sorted({*_BY_FUNCTION, *_TYPES, *_FUNCTION_PREFIXES}))
    + ")"
)


def uses(words: Words) -> Iterator[tuple[str, str]]:
    """``(what, extension)`` for each extension-provided name the statement uses.

    Function names count only when called. Type and operator-class names count after a word
    or a cast (``email citext``, ``'a'::citext``, ``name gin_trgm_ops``), not where a column
    of that name starts a definition (``(geometry jsonb``).
    """
    calls = {i for i, _ in words.calls()}
    for i, word in enumerate(words.items):
        if word.kind is not TokenKind.WORD:
            continue
        if i not in calls:
            previous = words.items[i - 1] if i > 0 else None
            typed = previous is not None and (previous.is_ident or previous.text == ":")
            if typed and word.value in _TYPES:
                yield word.value, _TYPES[word.value]
            continue
        extension = _BY_FUNCTION.get(word.value) or next(
            (e for prefix, e in _FUNCTION_PREFIXES.items() if word.value.startswith(prefix)), None
        )
        if extension is not None:
            yield f"{word.value}()", extension


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each use in an up file before the extension's CREATE EXTENSION (or with none at all)."""
    created = _creations(ctx)
    own = set(ctx.created_routines) | ctx.created_types
    for at in ctx.up_statements():
        if not _MAY_USE.search(at.statement.normalized):
            continue
        if at.words.kw(1) == "extension" or at.words.at(0, "comment", "on", "extension"):
            continue
        reported: set[str] = set()
        for what, extension in uses(at.words):
            if what.rstrip("()") in own or extension in reported:
                continue
            creation = created.get(extension)
            if creation is not None and _position(creation) <= _position(at):
                continue
            reported.add(extension)
            yield at.finding(RULE, _message(what, extension, creation))


def _creations(ctx: LintContext) -> dict[str, Located]:
    """Where each extension is first created."""
    found: dict[str, Located] = {}
    for at in ctx.up_statements():
        for effect in at.effects:
            if effect.change is Change.CREATE and effect.kind is Kind.EXTENSION:
                found.setdefault(effect.name.name, at)
    return found


def _position(at: Located) -> tuple[int, int]:
    return at.migration.version, at.statement.index


def _message(what: str, extension: str, creation: Located | None) -> str:
    if creation is None:
        return f"{what} comes from extension {extension}, which no migration creates"
    return (
        f"{what} comes from extension {extension}, which is created only later, by "
        f"{creation.script.path.name} line {creation.statement.line}"
    )
