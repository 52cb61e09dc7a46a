"""The down rules model what PostgreSQL does implicitly, follow renames, understand a drop and
re-create, and never name a keyword as an object. Each case has a twin that must still be
reported: a down that truly leaves (or drops) an object."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.files.migrations import load_directory
from schemactl.files.statements import split_statements
from schemactl.lint import lint, release
from schemactl.lint.objects import effects
from tests.conftest import write_migrations

# Every case starts from a table the set already has, as a real set would.
BASE = ("CREATE TABLE people (id int PRIMARY KEY, name text);", "DROP TABLE people;")
DOWN_RULES = ("down-leaves-object", "down-drops-unknown")


@pytest.fixture
def down_findings(tmp_path: Path):
    """``down_findings(up, down)`` -> [(rule, message)] of the down rules for migration 2."""
    counter = iter(range(1000))

    def run(up: str, down: str) -> list[tuple[str, str]]:
        spec = {"0001_base": BASE, "0002_change": (up, down)}
        directory = write_migrations(tmp_path / f"set{next(counter)}", spec)
        found = lint(load_directory(directory))
        return [(f.rule, f.message) for f in found if f.rule in DOWN_RULES and f.version == 2]

    return run


def rules(found: list[tuple[str, str]]) -> list[str]:
    return [rule for rule, _ in found]


# --- DROP COLUMN takes the indexes on the column -------------------------------------------


def test_drop_column_takes_the_indexes_on_it(down_findings):
    up = "ALTER TABLE people ADD COLUMN age int;\nCREATE INDEX people_age ON people (age);"
    assert down_findings(up, "ALTER TABLE people DROP COLUMN age;") == []


def test_drop_column_leaves_an_index_on_another_column(down_findings):
    up = "ALTER TABLE people ADD COLUMN age int;\nCREATE INDEX people_name ON people (name);"
    [(rule, message)] = down_findings(up, "ALTER TABLE people DROP COLUMN age;")
    assert rule == "down-leaves-object" and "index people_name" in message


def test_drop_column_takes_an_expression_or_partial_index_on_it(down_findings):
    up = (
        "ALTER TABLE people ADD COLUMN email text;\n"
        "CREATE INDEX people_email ON people (lower(name)) WHERE email IS NOT NULL;"
    )
    assert down_findings(up, "ALTER TABLE people DROP COLUMN email;") == []


# --- DROP TABLE takes its indexes, triggers and owned sequences ----------------------------

OWNED_SEQUENCE = """
    CREATE SEQUENCE pets_id_seq;
    CREATE TABLE pets (id int DEFAULT nextval('pets_id_seq'), owner int);
    CREATE INDEX pets_owner ON pets (owner);
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER pets_touch BEFORE UPDATE ON pets FOR EACH ROW EXECUTE FUNCTION touch();
"""


def test_drop_table_takes_its_indexes_triggers_and_owned_sequence(down_findings):
    up = OWNED_SEQUENCE + "ALTER SEQUENCE pets_id_seq OWNED BY pets.id;"
    assert down_findings(up, "DROP TABLE pets;\nDROP FUNCTION touch();") == []


def test_drop_table_leaves_a_sequence_it_does_not_own(down_findings):
    [(rule, message)] = down_findings(OWNED_SEQUENCE, "DROP TABLE pets;\nDROP FUNCTION touch();")
    assert rule == "down-leaves-object" and message.startswith("down leaves sequence pets_id_seq")


def test_drop_table_takes_a_sequence_created_owned_by_it(down_findings):
    up = "CREATE TABLE tags (id int);\nCREATE SEQUENCE tags_seq OWNED BY tags.id;"
    assert down_findings(up, "DROP TABLE tags;") == []


# --- DROP ... CASCADE takes what depends on it, as far as the files show -------------------

VIEWS = """
    CREATE VIEW adults AS SELECT id, name FROM people;
    CREATE MATERIALIZED VIEW adult_names AS SELECT id, name FROM adults;
    CREATE UNIQUE INDEX adult_names_id ON adult_names (id);
"""


def test_drop_view_cascade_takes_views_over_it_and_their_indexes(down_findings):
    assert down_findings(VIEWS, "DROP VIEW adults CASCADE;") == []


def test_drop_view_cascade_leaves_a_view_that_does_not_use_it(down_findings):
    up = VIEWS.replace("FROM adults", "FROM people")
    [(rule, message)] = down_findings(up, "DROP VIEW adults CASCADE;")
    assert rule == "down-leaves-object"
    assert "materialized view adult_names, index adult_names_id" in message


def test_drop_table_cascade_takes_the_views_over_it(down_findings):
    up = "CREATE TABLE pets (id int);\nCREATE VIEW pet_ids AS SELECT id FROM pets;"
    assert down_findings(up, "DROP TABLE pets CASCADE;") == []
    [(rule, _)] = down_findings(up, "DROP TABLE pets;")
    assert rule == "down-leaves-object"


TRIGGERS = """
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE FUNCTION other() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER people_stamp BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION {f}();
"""


def test_drop_function_cascade_takes_the_triggers_calling_it(down_findings):
    up = TRIGGERS.format(f="stamp")
    assert down_findings(up, "DROP FUNCTION stamp CASCADE;\nDROP FUNCTION other;") == []


def test_drop_function_cascade_leaves_a_trigger_calling_another(down_findings):
    up = TRIGGERS.format(f="other")
    found = down_findings(up, "DROP FUNCTION stamp CASCADE;\nDROP FUNCTION other();")
    [(rule, message)] = found
    assert rule == "down-leaves-object" and "trigger people_stamp" in message


def test_drop_type_cascade_takes_the_columns_of_that_type(down_findings):
    up = "CREATE TYPE mood AS ENUM ('sad', 'happy');\nALTER TABLE people ADD COLUMN feeling mood;"
    assert down_findings(up, "DROP TYPE mood CASCADE;") == []
    [(rule, message)] = down_findings(up, "DROP TYPE mood;")
    assert rule == "down-leaves-object" and "column feeling" in message


def test_drop_column_cascade_takes_a_view_using_it(down_findings):
    up = (
        "ALTER TABLE people ADD COLUMN age int;\n"
        "CREATE VIEW people_ages AS SELECT id, age FROM people;"
    )
    assert down_findings(up, "ALTER TABLE people DROP COLUMN age CASCADE;") == []
    [(_rule, message)] = down_findings(up, "ALTER TABLE people DROP COLUMN age;")
    assert "view people_ages" in message


# --- renames in the up are followed --------------------------------------------------------


def test_a_table_renamed_in_the_up_is_dropped_under_its_new_name_with_its_index(down_findings):
    up = (
        "CREATE TABLE drafts (id int);\nCREATE INDEX drafts_id ON drafts (id);\n"
        "ALTER TABLE drafts RENAME TO posts;"
    )
    assert down_findings(up, "DROP TABLE posts;") == []


def test_a_table_renamed_in_the_up_is_left_when_the_down_drops_the_old_name(down_findings):
    up = "CREATE TABLE drafts (id int);\nALTER TABLE drafts RENAME TO posts;"
    found = down_findings(up, "DROP TABLE IF EXISTS drafts;")
    assert ("down-leaves-object", "table posts") in [
        (r, m.split(" in place")[0][12:]) for r, m in found
    ]


def test_a_column_added_before_its_table_is_renamed_is_one_object(down_findings):
    up = "ALTER TABLE people ADD COLUMN nick text;\nALTER TABLE people RENAME TO persons;"
    down = "ALTER TABLE persons DROP COLUMN nick;\nALTER TABLE persons RENAME TO people;"
    assert down_findings(up, down) == []


def test_a_column_added_before_a_rename_and_left_is_reported_once(down_findings):
    up = "ALTER TABLE people ADD COLUMN nick text;\nALTER TABLE people RENAME TO persons;"
    down = "ALTER TABLE persons DROP COLUMN name;\nALTER TABLE persons RENAME TO people;"
    found = down_findings(up, down)
    assert sorted(rules(found)) == ["down-drops-unknown", "down-leaves-object"]
    assert any("column name" in m for r, m in found if r == "down-drops-unknown")
    assert any("column nick" in m for r, m in found if r == "down-leaves-object")


def test_an_existing_table_renamed_in_the_up_must_be_renamed_back(down_findings):
    up = "ALTER TABLE people RENAME TO persons;"
    assert down_findings(up, "ALTER TABLE persons RENAME TO people;") == []
    [(rule, message)] = down_findings(up, "SELECT 1;")
    assert rule == "down-leaves-object" and "table persons" in message


def test_renamed_columns_and_types_are_followed(down_findings):
    up = "ALTER TABLE people RENAME COLUMN name TO full_name;\nCREATE TYPE a AS (x int);"
    up += "\nALTER TYPE a RENAME TO b;"
    down = "DROP TYPE b;\nALTER TABLE people RENAME full_name TO name;"
    assert down_findings(up, down) == []
    [(rule, message)] = down_findings(up, "DROP TYPE b;")
    assert rule == "down-leaves-object" and "column full_name" in message


def test_a_down_that_renames_a_table_back_may_drop_its_columns(down_findings):
    up = "CREATE TABLE people_v2 AS SELECT id, name, 1 AS rank FROM people;\nDROP TABLE people;"
    down = "ALTER TABLE people_v2 RENAME TO people;\nALTER TABLE people DROP COLUMN rank;"
    assert "down-drops-unknown" not in rules(down_findings(up, down))
    down_elsewhere = "ALTER TABLE people_v2 RENAME TO people;\nALTER TABLE pets DROP COLUMN x;"
    assert "down-drops-unknown" in rules(down_findings(up, down_elsewhere))


# --- a drop and re-create in one down ------------------------------------------------------

ENUM = ("CREATE TYPE mood AS ENUM ('sad', 'happy');", "DROP TYPE mood;")
ADD_VALUE = "ALTER TYPE mood ADD VALUE 'meh';"
RECREATE = """
    ALTER TABLE people ALTER COLUMN feeling TYPE text;
    DROP TYPE mood;
    CREATE TYPE mood AS ENUM ('sad', 'happy');
    ALTER TABLE people ALTER COLUMN feeling TYPE mood USING feeling::mood;
"""


@pytest.fixture
def enum_findings(tmp_path: Path):
    def run(down: str) -> list[str]:
        spec = {
            "0001_base": BASE,
            "0002_mood": (
                ENUM[0] + "\nALTER TABLE people ADD COLUMN feeling mood;",
                "ALTER TABLE people DROP COLUMN feeling;\n" + ENUM[1],
            ),
            "0003_meh": (ADD_VALUE, down),
        }
        found = lint(load_directory(write_migrations(tmp_path / "set", spec)))
        return [f.rule for f in found if f.rule in DOWN_RULES and f.version == 3]

    return run


def test_a_down_that_drops_and_recreates_an_enum_drops_nothing_unknown(enum_findings):
    assert enum_findings(RECREATE) == []


def test_a_down_that_recreates_an_enum_through_a_temporary_name(enum_findings):
    down = """
        CREATE TYPE mood_old AS ENUM ('sad', 'happy');
        ALTER TABLE people ALTER COLUMN feeling TYPE mood_old USING feeling::text::mood_old;
        DROP TYPE mood;
        ALTER TYPE mood_old RENAME TO mood;
    """
    assert enum_findings(down) == []


def test_a_down_that_drops_an_enum_without_recreating_it_is_reported(enum_findings):
    down = RECREATE.replace("CREATE TYPE mood AS ENUM ('sad', 'happy');", "")
    assert enum_findings(down) == ["down-drops-unknown"]


def test_a_column_dropped_and_readded_in_one_down_is_not_unknown(down_findings):
    up = "ALTER TABLE people ALTER COLUMN name SET NOT NULL;"
    down = (
        "ALTER TABLE people ADD COLUMN name_new text;\n"
        "UPDATE people SET name_new = name;\n"
        "ALTER TABLE people DROP COLUMN name;\n"
        "ALTER TABLE people RENAME name_new TO name;"
    )
    assert down_findings(up, down) == []
    found = down_findings(up, down.replace("RENAME name_new TO name", "RENAME name_new TO nom"))
    assert "down-drops-unknown" in rules(found)


# --- never a keyword as an object ----------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "DROP INDEX IF NOT EXISTS people_name",
        "DROP TABLE IF NOT EXISTS people",
        "CREATE INDEX ON ONLY people (id)",
        "DROP VIEW select",
        "ALTER TABLE people DROP COLUMN IF NOT EXISTS x",
    ],
)
def test_no_effect_names_a_keyword(sql):
    [statement] = split_statements(sql)
    named = {e.name.name for e in effects(statement)} | {
        e.parent.name for e in effects(statement) if e.parent
    }
    assert named.isdisjoint({"if", "not", "exists", "only", "select", "on"})


def test_an_invalid_drop_index_is_not_reported_as_dropping_an_index_named_if(down_findings):
    up = "CREATE INDEX people_name ON people (name);"
    found = down_findings(up, "DROP INDEX IF NOT EXISTS people_name;")
    assert not any(" if" in message.lower().split("which")[0] for _, message in found)
    # Its twin, spelled right but naming the wrong index, is reported.
    found = down_findings(up, "DROP INDEX people_nmae;")
    assert sorted(rules(found)) == ["down-drops-unknown", "down-leaves-object"]
    assert any("index people_nmae" in m for _, m in found)


# --- a DO block that swaps a table in under the old name -----------------------------------


@pytest.fixture
def set_findings(tmp_path: Path):
    """``set_findings(spec, *rule_ids)`` -> [(version, rule, message)] for the whole set."""
    counter = iter(range(1000))

    def run(spec: dict[str, tuple[str, str]], *rule_ids: str) -> list[tuple[int, str, str]]:
        directory = write_migrations(tmp_path / f"set{next(counter)}", spec)
        found = lint(load_directory(directory))
        return [(f.version or 0, f.rule, f.message) for f in found if f.rule in rule_ids]

    return run


SWAP = """
    DO $$
    BEGIN
        CREATE TABLE ev_new (id bigint);
        INSERT INTO ev_new SELECT id FROM ev;
        DROP TABLE ev;
        ALTER TABLE ev_new RENAME TO ev;
    END
    $$;
"""


def swap_set(swap: str) -> dict[str, tuple[str, str]]:
    return {
        "0001_ev": ("CREATE TABLE ev (id int);", "DROP TABLE ev;"),
        "0002_swap": (swap, "ALTER TABLE ev ALTER COLUMN id TYPE int;"),
        "0003_k": ("ALTER TABLE ev ADD COLUMN k text;", "ALTER TABLE ev DROP COLUMN k;"),
    }


def test_a_table_renamed_into_place_inside_a_do_block_is_there_afterwards(set_findings):
    found = set_findings(swap_set(SWAP), "reference-before-create", *DOWN_RULES)
    assert found == []


def test_a_table_dropped_inside_a_do_block_and_not_replaced_is_gone_afterwards(set_findings):
    swap = SWAP.replace("ALTER TABLE ev_new RENAME TO ev;", "ALTER TABLE ev_new RENAME TO ev2;")
    found = set_findings(swap_set(swap), "reference-before-create")
    assert [(v, m) for v, _, m in found] == [
        (3, "table ev is referenced after 0002_swap.up.sql drops it")
    ]


# --- a partitioned table's index takes the partition indexes it attaches -------------------

PARTITIONED = (
    "CREATE TABLE wal (t int, at int) PARTITION BY RANGE (t);\n"
    "CREATE TABLE wal_0 PARTITION OF wal FOR VALUES FROM (0) TO (10);"
)


def partition_set(index_up: str, index_down: str) -> dict[str, tuple[str, str]]:
    return {"0001_wal": (PARTITIONED, "DROP TABLE wal;"), "0002_idx": (index_up, index_down)}


def test_a_partitioned_table_takes_its_partitions_when_dropped(set_findings):
    assert set_findings(partition_set("SELECT 1;", "SELECT 1;"), *DOWN_RULES) == []
    plain = {"0001_wal": (PARTITIONED.replace("PARTITION OF wal", "(LIKE wal)"), "DROP TABLE wal;")}
    found = set_findings(plain, *DOWN_RULES)
    assert [(v, r) for v, r, _ in found] == [(1, "down-leaves-object")]
    assert "table wal_0" in found[0][2]


@pytest.mark.parametrize(
    "index_up",
    [
        "CREATE INDEX wal_0_at ON wal_0 (at);\nCREATE INDEX wal_at ON wal (at);",
        "CREATE INDEX wal_0_at ON wal_0 USING btree (at);\nCREATE INDEX wal_at ON wal (at);",
        "CREATE INDEX wal_0_at ON wal_0 (at);\nCREATE INDEX wal_at ON wal (at);\n"
        "ALTER INDEX wal_at RENAME TO wal_by_at;",
    ],
)
def test_dropping_a_partitioned_tables_index_drops_the_partition_index_attached(
    set_findings, index_up
):
    down = "DROP INDEX wal_by_at;" if "wal_by_at" in index_up else "DROP INDEX wal_at;"
    assert set_findings(partition_set(index_up, down), *DOWN_RULES) == []


@pytest.mark.parametrize(
    "index_up",
    [
        # A different definition: PostgreSQL makes a new index on the partition instead.
        "CREATE INDEX wal_0_at ON wal_0 (t);\nCREATE INDEX wal_at ON wal (at);",
        # ON ONLY attaches nothing.
        "CREATE INDEX wal_0_at ON wal_0 (at);\nCREATE INDEX wal_at ON ONLY wal (at);",
        # Made after the partitioned table's index: one of its own, beside the one attached.
        "CREATE INDEX wal_at ON wal (at);\nCREATE INDEX wal_0_at ON wal_0 (at);",
    ],
)
def test_a_partition_index_that_is_not_attached_is_left(set_findings, index_up):
    found = set_findings(partition_set(index_up, "DROP INDEX wal_at;"), *DOWN_RULES)
    assert [(v, r) for v, r, _ in found] == [(2, "down-leaves-object")]
    assert "index wal_0_at" in found[0][2]


# --- temporary objects go with the migration's session -------------------------------------

FILL = """
    DO $$
    BEGIN
        CREATE TEMP TABLE nulls AS SELECT id FROM people WHERE name IS NULL;
        CREATE INDEX nulls_id ON nulls (id);
        UPDATE people SET name = '' WHERE id IN (SELECT id FROM nulls);
    END
    $$;
    CREATE TEMPORARY TABLE seen (id int);
    ALTER TABLE seen ADD COLUMN at timestamptz;
    CREATE TEMP VIEW recent AS SELECT id FROM seen;
    CREATE FUNCTION pg_temp.fill() RETURNS void LANGUAGE sql AS 'UPDATE people SET name = name';
    SELECT pg_temp.fill();
"""


def test_temporary_objects_need_no_down(down_findings):
    assert down_findings(FILL, "-- data only") == []


@pytest.mark.parametrize(
    ("made", "left"),
    [
        ("CREATE TEMP TABLE nulls", "table nulls"),
        ("CREATE TEMPORARY TABLE seen", "table seen"),
        ("CREATE FUNCTION pg_temp.fill()", "function pg_temp.fill"),
    ],
)
def test_the_same_objects_made_to_last_are_left(down_findings, made, left):
    permanent = made.replace("TEMPORARY ", "").replace("TEMP ", "").replace("pg_temp.", "public.")
    [(rule, message)] = down_findings(FILL.replace(made, permanent), "-- data only")
    assert rule == "down-leaves-object"
    assert left.replace("pg_temp.", "public.") in message


def test_a_temporary_table_is_not_there_in_the_next_migration(set_findings):
    spec = {
        "0001_base": BASE,
        "0002_fill": (FILL, "SELECT 1;"),
        "0003_more": ("INSERT INTO seen VALUES (1);", "SELECT 1;"),
    }
    references = ("reference-before-create", "reference-to-unknown-table")
    found = set_findings(spec, *references)
    assert [(v, r) for v, r, _ in found] == [(3, "reference-to-unknown-table")]
    # Within its own file, it is.
    assert set_findings({"0001_base": BASE, "0002_fill": (FILL, "SELECT 1;")}, *references) == []


# --- the lint without the splitter's tokens -------------------------------------------------


def test_the_lint_finds_the_same_once_the_tokens_are_forgotten(tmp_path: Path):
    # check drops the tokens the splitter kept for the lint once it has run, and a later
    # reading (the disproof of static findings after the round trips) lexes the text again.
    spec = {
        "0001_base": BASE,
        "0002_change": (
            "ALTER TABLE people ADD COLUMN email text;\n"
            "CREATE INDEX people_email ON people (email);\n"
            "CREATE TABLE orders (id int PRIMARY KEY, who int REFERENCES people);",
            "DROP INDEX people_email;\nALTER TABLE people DROP COLUMN name;",
        ),
    }
    migrations = load_directory(write_migrations(tmp_path / "set", spec))
    before = lint(migrations)
    texts = [(s.text, s.normalized) for m in migrations.migrations for s in m.up.statements]
    assert all(s.tokens for m in migrations.migrations for s in m.up.statements)

    release()
    migrations.forget_tokens()

    scripts = [s for m in migrations.migrations for s in (m.up, m.down) if s is not None]
    assert all(st.tokens is None for s in scripts for st in s.statements)
    assert [(s.text, s.normalized) for m in migrations.migrations for s in m.up.statements] == texts
    assert lint(migrations) == before
    assert {f.rule for f in before} >= {"down-leaves-object", "down-drops-unknown"}
