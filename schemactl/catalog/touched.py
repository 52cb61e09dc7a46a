"""What each statement touched: event triggers that record it, for digests that cost what a step
changed (``digest.SchemaDigests``).

``ddl_command_end`` reports the objects a command created or altered, ``sql_drop`` those it
dropped, cascades included. Both write into a table in a schema of their own,
``pg_schemactl``: its ``pg_`` prefix keeps it out of every catalog query (they read user
schemas only), and out of reach of the DISCARD TEMP that starts each file's fresh session. Only
a throwaway database of ours gets them (``check``'s scratch databases and clusters), and it is
dropped whole. ``queries/touched.sql`` turns the rows into the digest's groups, and says when
they cannot be trusted (see there).

Creating an event trigger takes a superuser (a schema whose name starts with ``pg_`` too); for
any other role ``install`` declines and the digests scan the catalogs instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

EVENTS_TABLE = "pg_schemactl.events"

# Unlogged: a scratch database is thrown away, never recovered.
_TABLE = """
SET LOCAL allow_system_table_mods = on;
CREATE SCHEMA IF NOT EXISTS pg_schemactl;
CREATE UNLOGGED TABLE IF NOT EXISTS pg_schemactl.events (
    n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    classid oid,
    objid oid,
    objsubid integer,
    tag text NOT NULL,
    dropped boolean NOT NULL,
    schema_name text,
    object_type text,
    names text[]
)
"""

# SECURITY DEFINER: a migration that sets a role without privileges still has its statements
# recorded. A migration that drops the table leaves its own statements failing no more than
# without the triggers.
_FUNCTIONS = """
CREATE OR REPLACE FUNCTION pg_schemactl.ddl_command_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF to_regclass('pg_schemactl.events') IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO pg_schemactl.events (classid, objid, objsubid, tag, dropped, schema_name,
                                          object_type)
    SELECT c.classid, c.objid, c.objsubid, c.command_tag, false, c.schema_name, c.object_type
      FROM pg_event_trigger_ddl_commands() AS c;
END
$$;
CREATE OR REPLACE FUNCTION pg_schemactl.sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF to_regclass('pg_schemactl.events') IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO pg_schemactl.events (classid, objid, objsubid, tag, dropped, schema_name,
                                          object_type, names)
    SELECT d.classid, d.objid, d.objsubid, tg_tag, true, d.schema_name, d.object_type,
           d.address_names
      FROM pg_event_trigger_dropped_objects() AS d;
END
$$;
"""

_TRIGGERS = """
CREATE EVENT TRIGGER {ddl} ON ddl_command_end EXECUTE FUNCTION pg_schemactl.ddl_command_end();
CREATE EVENT TRIGGER {drop} ON sql_drop EXECUTE FUNCTION pg_schemactl.sql_drop();
-- also under session_replication_role = replica
ALTER EVENT TRIGGER {ddl} ENABLE ALWAYS;
ALTER EVENT TRIGGER {drop} ENABLE ALWAYS;
"""


# What the names of the event triggers ``install`` puts on begin with.
TRIGGER_PREFIX = "schemactl_touched_"

_ALLOWED = """
SELECT rolsuper AND coalesce(current_setting('event_triggers', true), 'on') <> 'off'
  FROM pg_roles WHERE rolname = current_user
"""


@dataclass(frozen=True)
class Tracking:
    """Event triggers installed on a session: their names."""

    trigger_names: tuple[str, str]


def install(conn: psycopg.Connection[Any]) -> Tracking | None:
    """Record what every later statement on ``conn``'s database touches.

    For a throwaway database only: what it installs stays until the database is dropped.
    Returns None, changing nothing, when the role may not create event triggers (only a
    superuser may) or the server has them turned off. ``conn`` must be idle (autocommit).
    """
    pid = conn.info.backend_pid
    names = (f"{TRIGGER_PREFIX}{pid}_ddl", f"{TRIGGER_PREFIX}{pid}_drop")
    triggers = sql.SQL(_TRIGGERS).format(
        ddl=sql.Identifier(names[0]), drop=sql.Identifier(names[1])
    )
    try:
        with conn.transaction():
            row = conn.execute(_ALLOWED).fetchone()
            if not row or not row[0]:
                return None
            conn.execute(_TABLE)
            conn.execute(_FUNCTIONS)
            conn.execute(triggers)
    except (
        psycopg.errors.InsufficientPrivilege,
        psycopg.errors.CantChangeRuntimeParam,  # allow_system_table_mods, for the pg_ schema
        psycopg.errors.ReservedName,
    ):
        return None
    return Tracking(names)
