"""Connection strings: hiding their passwords and describing where they point.

Kept free of psycopg at import time, so that error rendering costs nothing at start-up.

A password is hidden two ways. ``mask`` recognises the shapes that hold one in any text (a
URL's ``user:password@``, ``password=...``); and ``remember_secret`` records the passwords a
run is given, so that they are hidden wherever they turn up again, in whatever words libpq
quotes them. libpq cannot read every string a person writes (a mistyped scheme, a bad
percent-escape) and misreads some (an unencoded ``@`` or ``/`` in the password), then echoes
parts of it as a host, a port or a token: so each string is also read here, leniently, and
every text that is or may be part of its password is recorded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

# Shorter passwords would turn up inside ordinary words if hidden everywhere (and the gaps
# would give them away): they are hidden only where delimited as libpq quotes values.
_MIN_ANYWHERE = 3

# A scheme: any followed by slashes, or postgres(ql) with none, a typo libpq then reads as
# key=value text and echoes whole. The password runs to the last ``@`` before the host, and
# may hold a ``?`` unless a query parameter (``?key=``) starts there.
_URL_PASSWORD = re.compile(
    r"(?P<pre>(?:\b[a-z][a-z0-9+.-]*:/+|\bpostgres(?:ql)?:)[^:/\s]*:)"
    r"(?P<pw>[^\s?]*(?:\?(?![a-z_]\w*=)[^\s?]*)*)(?=@)",
    re.I,
)
_QUERY_PASSWORD = re.compile(r"(?P<pre>[?&]password=)(?P<pw>[^\s&#]*)", re.I)
# A value runs to its closing quote (or the end of the line), or unquoted to the next key=:
# ``password=a b`` is "a b" to its author, though libpq stops at the space and echoes "b".
_KV_PASSWORD = re.compile(
    r"(?P<pre>(?<![?&\w])password\s*=\s*)"
    r"(?P<pw>'(?:[^'\\\n]|\\.)*(?:'|$)|\S+(?:[ \t]+(?![A-Za-z_]\w*\s*=)\S+)*)",
    re.I | re.M,
)

# For reading a string as its author meant it, before or instead of libpq.
_KEY_VALUE = re.compile(r"\s*[A-Za-z_]\w*\s*=")
_SCHEME = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)+//+|[A-Za-z][A-Za-z0-9+.-]*:/*")
_POSTGRES_SCHEMES = ("postgre", "pg", "psql", "jdbc:")
_EXPANDED_DBNAME = ("postgresql://", "postgres://")
_QUERY_START = re.compile(r"\?(?=[A-Za-z_]\w*=)")
_QUERY_VALUE = re.compile(r"[?&]password=([^&]*)")
_KV_VALUE = re.compile(
    r"\bpassword\s*=\s*(?:'(?P<quoted>(?:[^'\\]|\\.?)*)(?:'|\Z)"
    r"|(?P<bare>\S+(?:\s+(?![A-Za-z_]\w*\s*=)\S+)*))",
    re.I | re.S,
)
_BACKSLASH = re.compile(r"\\(.)", re.S)
# libpq ends a URL's authority at ``/`` and its user at ``@``, and C strings at NUL.
_URL_PIECES = re.compile(r"[@/\x00]")


class _Known:
    """Passwords to hide: long ones wherever they appear, short ones where delimited."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.everywhere: tuple[str, ...] = ()
        self.delimited: re.Pattern[str] | None = None
        self._short: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret:
            return
        if len(secret) >= _MIN_ANYWHERE:
            if secret not in self.everywhere:
                # Longest first, so that no shorter secret splits a longer one it is part of.
                self.everywhere = tuple(sorted({*self.everywhere, secret}, key=_longest_first))
        elif secret not in self._short:
            self._short.add(secret)
            words = "|".join(re.escape(s) for s in sorted(self._short, key=_longest_first))
            # Delimited as libpq quotes a value ("ab", 'ab@host') or as a URL holds it (:ab@).
            self.delimited = re.compile(rf"(?<![^'\"@:=])(?:{words})(?![^'\"@])")

    def hide_everywhere(self, text: str) -> str:
        for secret in self.everywhere:
            text = text.replace(secret, "****")
        return text

    def hide(self, text: str) -> str:
        text = self.hide_everywhere(text)
        return self.delimited.sub("****", text) if self.delimited else text


def _longest_first(secret: str) -> tuple[int, str]:
    return -len(secret), secret


_known = _Known()


def mask(text: str) -> str:
    """``text`` with every password we know of, or can see in a DSN, replaced by ``****``."""
    return _known.hide(mask_dsn(text))


def mask_dsn(text: str) -> str:
    """``text`` with the passwords its connection strings show replaced by ``****``: only
    those, so the result depends on nothing remembered (for SQL stored or compared)."""
    text = _URL_PASSWORD.sub(r"\g<pre>****", text)
    text = _QUERY_PASSWORD.sub(r"\g<pre>****", text)
    return _KV_PASSWORD.sub(r"\g<pre>****", text)


def mask_known(text: str) -> str:
    """``text`` with only the passwords we know of replaced: for data (SQL, JSON, tables).

    ``mask``'s DSN patterns would also rewrite plain SQL such as ``SET password = NULL``,
    corrupting dry-run SQL and ``--json`` output; so would hiding short passwords, which
    match quoted values.
    """
    return _known.hide_everywhere(text)


def remember_secret(url: str | None) -> None:
    """Record the password inside ``url``, and PGPASSWORD's, so ``mask`` hides them wherever
    they appear; for a string libpq cannot read, or misreads, every part that may be one."""
    _known.add(os.environ.get("PGPASSWORD", ""))
    if url:
        for secret in _read(url)[1]:
            _known.add(secret)


def describe(url: str | None) -> str:
    """A password-free description of where ``url`` points (for messages)."""
    params, secrets, trusted = _read(url or "")
    if params is None or not trusted:
        # What libpq would connect to is not what the author meant: show the string itself.
        shown = mask(url or "")
    else:
        host = params.get("host") or "(PGHOST or local socket)"
        port = params.get("port") or "5432"
        user = params.get("user") or "(PGUSER or OS user)"
        dbname = params.get("dbname") or "(PGDATABASE or user name)"
        shown = f"database {dbname} on {host}:{port} as {user}"
    return _Known(secrets).hide(shown)


def _params(url: str | None) -> dict[str, object] | None:
    import psycopg
    from psycopg import conninfo

    try:
        return dict(conninfo.conninfo_to_dict(url or ""))
    except psycopg.ProgrammingError:
        return None


def _read(url: str) -> tuple[dict[str, object] | None, frozenset[str], bool]:
    """libpq's reading of ``url`` (None if it has none), every text that is or may be part
    of its password, and whether libpq found the password where its author wrote it."""
    params = _params(url)
    given = str(params.get("password") or "") if params is not None else ""
    key_value = _KEY_VALUE.match(url) is not None
    written = _key_value_passwords(url) if key_value else _url_passwords(url)
    trusted = params is not None and (not written or given in written)
    secrets = {given, *written}
    if not trusted:
        # libpq splits such a string elsewhere than its author meant, and may echo any piece.
        split = str.split if key_value else _URL_PIECES.split
        secrets.update(piece for text in written for piece in split(text))
    dbname = str(params.get("dbname") or "") if params is not None else ""
    if params is not None and ("=" in dbname or dbname.startswith(_EXPANDED_DBNAME)):
        # libpq connects with a connection string given as the database name, read in its place.
        inner, inner_secrets, inner_trusted = _read(dbname)
        secrets |= inner_secrets
        trusted = trusted and inner_trusted
        params = None if inner is None else {**params, "dbname": None, **inner}
    secrets.discard("")
    return params, frozenset(secrets), trusted


def _url_passwords(url: str) -> set[str]:
    """Each text a URL's author may have meant as its password, as written and decoded."""
    from urllib.parse import unquote

    found = set(_QUERY_VALUE.findall(url))
    for rest in _authorities(url):
        query = _QUERY_START.search(rest)
        head = rest[: query.start()] if query else rest
        user_info = head[: max(head.rfind("@"), 0)]
        _, colon, password = user_info.partition(":")
        if colon:
            found.add(password)
    return found | {unquote(text) for text in found}


def _authorities(url: str) -> list[str]:
    """What follows the scheme, under each reading of what the scheme is.

    ``postgres:pw@host`` may be user postgres with no scheme, ``postgresql:user:pw@host`` a
    scheme missing its slashes: both readings count, unless two slashes (or one after a
    postgres-like name) make it a scheme.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return [url]
    rest = url[scheme.end() :]
    slashes = len(scheme.group()) - len(scheme.group().rstrip("/"))
    if slashes >= 2 or (slashes == 1 and scheme.group().lower().startswith(_POSTGRES_SCHEMES)):
        return [rest]
    return [rest, url]


def _key_value_passwords(url: str) -> set[str]:
    """Each ``password=`` value of a key=value string, as written and unescaped.

    An unquoted value runs to the next ``key=``: ``password=a b`` means "a b" to its author,
    though libpq stops at the space.
    """
    found: set[str] = set()
    for value in _KV_VALUE.finditer(url):
        text = value["quoted"] if value["quoted"] is not None else value["bare"]
        found.update((text, _BACKSLASH.sub(r"\1", text)))
    return found
