"""Connection strings: hiding their passwords and describing where they point.

Kept free of psycopg at import time, so that error rendering costs nothing at start-up.
"""

from __future__ import annotations

import re

_URL_PASSWORD = re.compile(r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?=@)", re.I)
_KV_PASSWORD = re.compile(r"(?P<pre>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|[^\s&]+)", re.I)
_secrets: set[str] = set()


def mask(text: str) -> str:
    """``text`` with every password we know of, or can see in a DSN, replaced by ``****``."""
    text = _URL_PASSWORD.sub(r"\g<pre>****", text)
    text = _KV_PASSWORD.sub(r"\g<pre>****", text)
    return mask_known(text)


def mask_known(text: str) -> str:
    """``text`` with only the passwords we know of replaced: for data (SQL, JSON, tables).

    ``mask``'s DSN patterns would also rewrite plain SQL such as ``SET password = NULL``,
    corrupting dry-run SQL and ``--json`` output.
    """
    for secret in _secrets:
        text = text.replace(secret, "****")
    return text


def _params(url: str | None) -> dict[str, object] | None:
    import psycopg
    from psycopg import conninfo

    try:
        return dict(conninfo.conninfo_to_dict(url or ""))
    except psycopg.ProgrammingError:
        return None


def remember_secret(url: str | None) -> None:
    """Record the password inside ``url`` so ``mask`` hides it wherever it appears."""
    params = _params(url) if url else None
    password = params.get("password") if params else None
    if password and len(str(password)) >= 3:
        _secrets.add(str(password))


def describe(url: str | None) -> str:
    """A password-free description of where ``url`` points (for messages)."""
    params = _params(url)
    if params is None:
        return mask(url or "")
    host = params.get("host") or "(PGHOST or local socket)"
    port = params.get("port") or "5432"
    user = params.get("user") or "(PGUSER or OS user)"
    dbname = params.get("dbname") or "(PGDATABASE or user name)"
    return f"database {dbname} on {host}:{port} as {user}"
