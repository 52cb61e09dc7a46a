-- What the statements since the last digest touched, from the rows the event triggers of
-- catalog/touched.py recorded (pg_schemactl.events), as the groups of fingerprint.sql
-- to render again. $1 is the last event the last digest saw, $2 the transaction ID that
-- digest passes on (rows written by it or later are new), $3 true after a rename, when every
-- object that depends on a touched one is rendered again (its line may show the old name),
-- $4 the names of the two event triggers.
--
-- An object's groups: its own (or its table's, for an index, constraint, trigger, rule or
-- default); those of the objects that are part of it (pg_depend auto and internal: an owned
-- sequence, a row type); those of the views and SQL-bodied functions that read it (their
-- deparsed text lists its columns); and those of other dependents whose dependency row is new
-- (a foreign key rebuilt when the referenced column is retyped). A dropped object gives its
-- own group, the table or type that held it, and its row for the caller to forget. A
-- table's groups come with those of the sequences it owns.
--
-- Rows: ('mark', last event), ('scope', the groups, also set as schemactl.scope for the
-- digest that follows in the same transaction), ('dropped', catalog, OID, sub-ID) per dropped
-- object, and ('fallback', reason) when the events cannot say what changed: a statement
-- event triggers do not describe (ALTER SCHEMA and ALTER EXTENSION move what they hold; a
-- CREATE OPERATOR makes shell operators it does not report), an object of the system
-- catalogs, a table with partitions or children (ALTER TABLE recurses to them and reports
-- the parent alone), or the event triggers themselves gone or off ('untracked').
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
WITH events AS (
    SELECT e.* FROM pg_schemactl.events AS e WHERE e.n > $1
), seeds AS (
    SELECT e.classid, e.objid FROM events AS e WHERE NOT e.dropped AND e.classid IS NOT NULL
    UNION
    -- a table's row type, a composite type's relation, and (a column of an array of a
    -- renamed type shows the type's name) their array types
    SELECT x.classid, x.objid
      FROM events AS e,
           LATERAL (SELECT c.reltype, t.typarray FROM pg_class AS c
                      LEFT JOIN pg_type AS t ON t.oid = c.reltype
                     WHERE c.oid = e.objid OFFSET 0) AS c,
           LATERAL (VALUES ('pg_type'::regclass, c.reltype),
                           ('pg_type'::regclass, c.typarray)) AS x (classid, objid)
     WHERE e.classid = 'pg_class'::regclass AND NOT e.dropped AND x.objid <> 0
    UNION
    SELECT x.classid, x.objid
      FROM events AS e,
           LATERAL (SELECT t.typrelid, t.typarray FROM pg_type AS t
                     WHERE t.oid = e.objid OFFSET 0) AS t,
           LATERAL (VALUES ('pg_class'::regclass, t.typrelid),
                           ('pg_type'::regclass, t.typarray)) AS x (classid, objid)
     WHERE e.classid = 'pg_type'::regclass AND NOT e.dropped AND x.objid <> 0
    UNION
    -- CREATE OPERATOR CLASS makes its family when it names none
    SELECT 'pg_opfamily'::regclass, o.opcfamily
      FROM events AS e,
           LATERAL (SELECT o.opcfamily FROM pg_opclass AS o WHERE o.oid = e.objid OFFSET 0) AS o
     WHERE e.classid = 'pg_opclass'::regclass AND NOT e.dropped
), touched AS (
    SELECT s.classid, s.objid FROM seeds AS s
    UNION
    -- OFFSET 0 keeps each a lookup by the referenced object: a generic plan cannot know how
    -- few events there are, and would rather scan pg_depend whole
    SELECT d.classid, d.objid
      FROM seeds AS s,
           LATERAL (SELECT d.classid, d.objid, d.deptype, d.xmin FROM pg_depend AS d
                     WHERE d.refclassid = s.classid AND d.refobjid = s.objid OFFSET 0) AS d
     -- a schema's or an extension's dependents are all it holds; what moves them falls back
     WHERE s.classid NOT IN ('pg_namespace'::regclass, 'pg_extension'::regclass)
       AND (d.deptype IN ('a', 'i') OR d.classid IN ('pg_rewrite'::regclass, 'pg_proc'::regclass)
            OR age(d.xmin) <= age($2::xid) OR $3)
), groups AS (
    SELECT CASE t.classid
               WHEN 'pg_class'::regclass THEN coalesce(
                   (SELECT i.indrelid FROM pg_index AS i WHERE i.indexrelid = t.objid), t.objid)
               WHEN 'pg_constraint'::regclass THEN (
                   SELECT CASE WHEN k.conrelid <> 0 THEN k.conrelid ELSE k.contypid END
                     FROM pg_constraint AS k WHERE k.oid = t.objid)
               WHEN 'pg_trigger'::regclass THEN (
                   SELECT g.tgrelid FROM pg_trigger AS g WHERE g.oid = t.objid)
               WHEN 'pg_rewrite'::regclass THEN (
                   SELECT r.ev_class FROM pg_rewrite AS r WHERE r.oid = t.objid)
               WHEN 'pg_attrdef'::regclass THEN (
                   SELECT a.adrelid FROM pg_attrdef AS a WHERE a.oid = t.objid)
               WHEN 'pg_policy'::regclass THEN 0
               ELSE t.objid END AS grp
      FROM touched AS t
     WHERE t.classid IN ('pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass,
                         'pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_rewrite'::regclass,
                         'pg_attrdef'::regclass, 'pg_policy'::regclass, 'pg_namespace'::regclass,
                         'pg_extension'::regclass, 'pg_collation'::regclass,
                         'pg_opclass'::regclass, 'pg_opfamily'::regclass,
                         'pg_ts_config'::regclass, 'pg_ts_dict'::regclass)
    UNION
    SELECT 0::oid  -- policies and extension members, rendered every time
    UNION
    SELECT e.objid FROM events AS e WHERE e.dropped
    UNION
    SELECT to_regclass(quote_ident(e.names[1]) || '.' || quote_ident(e.names[2]))::oid
      FROM events AS e
     WHERE e.dropped AND cardinality(e.names) >= 2
       AND e.object_type IN ('table constraint', 'trigger', 'default value', 'rule', 'policy',
                             'table column')
), scope AS (
    SELECT g.grp FROM groups AS g WHERE g.grp IS NOT NULL
    UNION
    -- the sequences the tables own, which the caller forgets when they are not among them
    -- (the relkind looked up per dependency: as a semi-join the planner would rather scan
    -- every sequence and probe the groups for each)
    SELECT d.objid
      FROM groups AS g,
           LATERAL (SELECT d.objid FROM pg_depend AS d
                     WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = g.grp
                       AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                       AND (SELECT c.relkind FROM pg_class AS c WHERE c.oid = d.objid) = 'S'
                    OFFSET 0) AS d
), reasons AS (
    SELECT 'untracked: the event triggers are gone or disabled' AS reason
     WHERE (SELECT count(*) FROM pg_event_trigger AS t
             WHERE t.evtname = ANY($4::text[]) AND t.evtenabled = 'A') <> 2
        OR current_setting('event_triggers', true) = 'off'
    UNION ALL
    SELECT 'a statement on ' || coalesce(e.classid::regclass::text, e.object_type) || ': ' || e.tag
      FROM events AS e
     WHERE e.tag IN ('ALTER SCHEMA', 'ALTER EXTENSION')
        OR e.schema_name IN ('pg_catalog', 'information_schema')
        OR (e.classid IS NOT NULL AND e.classid NOT IN (
               -- what lines are made of
               'pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass,
               'pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_rewrite'::regclass,
               'pg_attrdef'::regclass, 'pg_policy'::regclass, 'pg_namespace'::regclass,
               'pg_extension'::regclass, 'pg_collation'::regclass, 'pg_opclass'::regclass,
               'pg_opfamily'::regclass, 'pg_ts_config'::regclass, 'pg_ts_dict'::regclass,
               -- what no line shows
               'pg_default_acl'::regclass, 'pg_event_trigger'::regclass, 'pg_cast'::regclass,
               'pg_publication'::regclass, 'pg_publication_rel'::regclass,
               'pg_statistic_ext'::regclass, 'pg_transform'::regclass, 'pg_conversion'::regclass,
               'pg_am'::regclass, 'pg_amop'::regclass, 'pg_amproc'::regclass,
               'pg_foreign_data_wrapper'::regclass, 'pg_foreign_server'::regclass,
               'pg_user_mapping'::regclass, 'pg_ts_parser'::regclass, 'pg_ts_template'::regclass,
               'pg_largeobject_metadata'::regclass))
    UNION ALL
    SELECT 'a table with partitions or children: ' || c.oid::regclass::text
      FROM scope AS g,
           LATERAL (SELECT c.oid, c.relkind, c.relhassubclass FROM pg_class AS c
                     WHERE c.oid = g.grp OFFSET 0) AS c
     WHERE c.relkind IN ('p', 'I') OR c.relhassubclass
)
SELECT 'mark', (SELECT coalesce(max(e.n), $1) FROM events AS e)::text, NULL::oid, NULL::oid,
       NULL::int
UNION ALL
SELECT 'scope', set_config('schemactl.scope', (
           SELECT coalesce(array_agg(s.grp), '{}')::text FROM scope AS s), true),
       NULL, NULL, NULL
UNION ALL
SELECT 'dropped', NULL, e.classid, e.objid, e.objsubid
  FROM events AS e
 WHERE e.dropped AND e.schema_name IS DISTINCT FROM 'pg_toast'
UNION ALL
SELECT 'fallback', r.reason, NULL, NULL, NULL FROM reasons AS r;
