-- The lines of the schema digest: one per user object's catalog row, so that equal sets of
-- lines mean equal schemas, for telling "nothing changed" cheaply (check's round trips). It
-- reads raw catalog rows, not the deparsed definitions the other queries build, so it is
-- several times cheaper. OIDs of the objects themselves are left out or turned into names (a
-- table dropped and created again has a new OID but the same lines). Expressions (defaults,
-- checks, index predicates) are deparsed, so they name what they refer to. Where an OID
-- remains (an array of operator classes, say) lines can differ where the schemas are equal,
-- and the caller then compares full models; never the reverse.
-- Rows that are few (functions, types, triggers) go in whole (to_jsonb, minus their OIDs),
-- beside their deparsed definition; the many (columns, constraints, indexes) list what the
-- model reads, which is several times cheaper. ``/*since N: ...*/`` holds columns that only
-- servers from version N have; schemactl keeps them for those servers.
--
-- Each row is (kind, key, line, name, group): the key names the catalog row (by OID, which stays the
-- same while the row is updated), the line is what the digest holds, and the name is how other
-- lines show the row (a changed line under a new name means other lines may be stale). No line
-- shows a column's position: a column dropped and added back returns at a new one, and the
-- model compares columns by name. $1 is a transaction ID:
-- given one, a line is only rendered where a row it is made of was written by that
-- transaction or a later one (age(xmin) <= age($1)), and is NULL elsewhere; NULL renders
-- every line. Rows updated in place without a new row version (pg_class.relhasindex and the
-- statistics, pg_index.indisvalid) go unnoticed, so no line may show such a column. A line
-- also shows the names of what it refers to, which change without its rows (a table renamed
-- under its columns): the caller starts over from a full render whenever a known key's line
-- changes. Policies name roles, which live in a shared catalog: their lines are always
-- rendered. $2 lists kinds whose every key is wanted, and $3 keys that are wanted if they
-- still exist (with no line unless the row is new), to learn which rows were deleted. The
-- last rows give each kind's count (key NULL), the transaction ID to pass next time (kind
-- NULL, key 'since': the oldest still running, so a row written after this query, or by a
-- transaction still open, is newer), and how many built-in catalog rows were written since
-- $1, when any were (kind NULL, key 'built-in rows written').
--
-- The group is the OID of the object a row belongs to, for rendering again only what a step
-- touched (catalog/touched.py): a table's columns, constraints, indexes (with their own
-- relation rows), triggers, inheritance and partitioning, and the comments on any of them are
-- the table's; an enum's labels and a domain's constraints the type's; policies and extension
-- members, which are always rendered, group 0; every other row is its own object's. When the
-- setting schemactl.scope holds an array of groups, only those groups' rows are listed, each
-- rendered, and $1 must be NULL; unset, every group is.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
WITH user_namespaces AS (
    SELECT oid FROM pg_namespace
     WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
), setting AS MATERIALIZED (
    SELECT nullif(current_setting('schemactl.scope', true), '')::oid[] AS groups
), scope AS MATERIALIZED (
    SELECT g.groups, g.groups IS NOT NULL AS scoped,
           -- the relations of the groups: tables and their indexes
           ARRAY(SELECT unnest(g.groups)
                 UNION ALL
                 SELECT i.indexrelid
                   FROM unnest(g.groups) AS r (oid),
                        LATERAL (SELECT i.indexrelid FROM pg_index AS i
                                  WHERE i.indrelid = r.oid OFFSET 0) AS i)
               AS relations
      FROM setting AS g
), relations AS (
    -- Unscoped, a scan of the user rows; scoped, a lookup of the groups' (one-time filters
    -- pick the branch).
    SELECT c.oid, c.relkind, c.relpersistence, c.relam, c.reltablespace, c.relrowsecurity,
           c.relforcerowsecurity, c.relispartition, c.reloptions, c.relpartbound,
           c.relreplident, c.xmin
      FROM pg_class AS c
     WHERE NOT (SELECT scoped FROM scope)
       AND c.oid >= 16384 AND c.relnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT c.oid, c.relkind, c.relpersistence, c.relam, c.reltablespace, c.relrowsecurity,
           c.relforcerowsecurity, c.relispartition, c.reloptions, c.relpartbound,
           c.relreplident, c.xmin
      FROM pg_class AS c
     WHERE c.oid = ANY((SELECT relations FROM scope)::oid[])
       AND c.oid >= 16384 AND c.relnamespace IN (SELECT oid FROM user_namespaces)
), since AS NOT MATERIALIZED (
    -- Not materialized: where $1 is a constant (a scoped render, see catalog/digest.py), what
    -- depends on it folds away when the query is planned.
    SELECT $1::xid IS NULL AS everything, age($1::xid) AS age
), fresh_defaults AS (
    SELECT d.adrelid, d.adnum FROM pg_attrdef AS d, since AS s
     WHERE d.oid >= 16384 AND (s.everything OR age(d.xmin) <= s.age)
), builtin_namespaces AS (
    -- Temporary schemas hold nothing a user object can name.
    SELECT oid FROM pg_namespace
     WHERE oid NOT IN (SELECT oid FROM user_namespaces)
       AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
), written_relations AS (
    -- Tables whose row or any column's row was written (views and functions read them).
    SELECT c.oid FROM relations AS c, since AS s
     WHERE NOT s.everything
       AND (age(c.xmin) <= s.age
            OR EXISTS (SELECT FROM pg_attribute AS a
                        WHERE a.attrelid = c.oid AND age(a.xmin) <= s.age))
), lines AS (
    SELECT 'extension' AS kind, e.oid::text AS key, f.fresh, e.extname::text AS name,
           CASE WHEN f.fresh THEN 'extension ' || ROW(e.extname, e.extversion,
               e.extnamespace::regnamespace, e.extrelocatable, e.extconfig IS NULL)::text END AS line,
           e.oid AS grp
      FROM pg_extension AS e, since AS s,
           LATERAL (SELECT s.everything OR age(e.xmin) <= s.age AS fresh) AS f
     WHERE NOT (SELECT scoped FROM scope) OR e.oid = ANY((SELECT groups FROM scope)::oid[])
    UNION ALL
    SELECT 'extension members', x.extname, true, '',
           'extension members ' || ROW(x.extname, count(*))::text, 0::oid
      FROM pg_depend AS d JOIN pg_extension AS x ON x.oid = d.refobjid
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     GROUP BY x.extname
    UNION ALL
    SELECT 'schema', n.oid::text, f.fresh, n.nspname::text,
           CASE WHEN f.fresh THEN 'schema ' || n.nspname END, n.oid
      FROM pg_namespace AS n, since AS s,
           LATERAL (SELECT s.everything OR age(n.xmin) <= s.age AS fresh) AS f
     WHERE n.oid IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR n.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'relation', c.oid::text, f.fresh, CASE WHEN f.fresh THEN c.oid::regclass::text END,
           CASE WHEN f.fresh THEN 'relation ' || ROW(c.oid::regclass, c.relkind, c.relpersistence,
               c.relam, c.reltablespace, c.relrowsecurity, c.relforcerowsecurity,
               c.relispartition, c.reloptions, c.relpartbound, c.relreplident,
               CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END)::text END,
           CASE WHEN f.fresh THEN CASE WHEN c.relkind IN ('i', 'I')
               THEN (SELECT i.indrelid FROM pg_index AS i WHERE i.indexrelid = c.oid)
               ELSE c.oid END END
      FROM relations AS c, since AS s,
           LATERAL (SELECT s.everything OR age(c.xmin) <= s.age
                        -- CREATE OR REPLACE VIEW writes the rule, not always the relation;
                        -- and the query's text lists what the tables it reads have (a column
                        -- added can change its alias lists)
                        OR (c.relkind IN ('v', 'm') AND EXISTS (
                            SELECT FROM pg_rewrite AS r
                             WHERE r.ev_class = c.oid
                               AND (age(r.xmin) <= s.age OR EXISTS (
                                   SELECT FROM written_relations AS w
                                    WHERE w.oid IN (SELECT d.refobjid FROM pg_depend AS d
                                                     WHERE d.classid = 'pg_rewrite'::regclass
                                                       AND d.objid = r.oid
                                                       AND d.refclassid = 'pg_class'::regclass)))))
                    AS fresh) AS f
    UNION ALL
    SELECT 'column', a.attrelid::text || '.' || a.attnum, f.fresh, a.attname::text,
           CASE WHEN f.fresh THEN 'column ' || ROW(a.attrelid::regclass, a.attname,
               -- built-in types keep their OIDs in every database
               CASE WHEN a.atttypid < 16384 THEN a.atttypid::text
                    ELSE a.atttypid::regtype::text END,
               a.atttypmod,
               a.attnotnull, a.attidentity, a.attgenerated,
               a.attcollation, a.attndims, a.attislocal, a.attinhcount,
               (SELECT pg_get_expr(ad.adbin, ad.adrelid) FROM pg_attrdef AS ad
                 WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum))::text END,
           a.attrelid
      -- An index's own attributes follow from its key, which the index line holds.
      FROM relations AS c
      -- OFFSET 0 keeps this a lookup by table (the index on attrelid), not a scan of every
      -- table's attributes, the system catalogs' included.
      CROSS JOIN LATERAL (SELECT a.*, a.xmin FROM pg_attribute AS a
                           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                          OFFSET 0) AS a
      CROSS JOIN since AS s,
           LATERAL (SELECT s.everything OR age(a.xmin) <= s.age
                        OR (a.attrelid, a.attnum) IN (SELECT * FROM fresh_defaults) AS fresh) AS f
     WHERE c.relkind NOT IN ('i', 'I')
    UNION ALL
    SELECT 'constraint', k.oid::text, f.fresh, k.conname::text,
           CASE WHEN f.fresh THEN 'constraint ' || ROW(k.conrelid::regclass, k.contypid::regtype,
               k.conindid::regclass, k.confrelid::regclass, k.connamespace, k.conname,
               k.contype, k.condeferrable, k.condeferred, k.convalidated, k.confupdtype,
               k.confdeltype, k.confmatchtype, k.conislocal, k.coninhcount, k.connoinherit,
               (SELECT array_agg(a.attname ORDER BY n.i) FROM unnest(k.conkey) WITH ORDINALITY
                     AS n (num, i) JOIN pg_attribute AS a ON a.attnum = n.num
                 WHERE a.attrelid = k.conrelid),
               (SELECT array_agg(a.attname ORDER BY n.i) FROM unnest(k.confkey) WITH ORDINALITY
                     AS n (num, i) JOIN pg_attribute AS a ON a.attnum = n.num
                 WHERE a.attrelid = k.confrelid),
               k.conpfeqop, k.conexclop
               /*since 15: , k.confdelsetcols*/,
               CASE WHEN k.conbin IS NOT NULL THEN pg_get_constraintdef(k.oid) END)::text END,
           CASE WHEN k.conrelid <> 0 THEN k.conrelid ELSE k.contypid END
      -- Unscoped, a scan; scoped, the constraints of each group's table or type, looked up.
      FROM (SELECT k.*, k.xmin FROM pg_constraint AS k WHERE NOT (SELECT scoped FROM scope)
            UNION ALL
            SELECT k.*
              FROM unnest((SELECT groups FROM scope)::oid[]) AS g (oid),
                   LATERAL (SELECT k.*, k.xmin FROM pg_constraint AS k
                             WHERE k.conrelid = g.oid OR (k.conrelid = 0 AND k.contypid = g.oid)
                            OFFSET 0) AS k) AS k,
           since AS s,
           LATERAL (SELECT s.everything OR age(k.xmin) <= s.age AS fresh) AS f
     WHERE k.oid >= 16384 AND k.connamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'index', i.indexrelid::text, f.fresh, '',
           CASE WHEN f.fresh THEN 'index ' || ROW(i.indexrelid::regclass, i.indrelid::regclass,
               i.indnatts, i.indnkeyatts, i.indisunique, i.indisprimary, i.indisexclusion,
               i.indimmediate,
               -- 0 is an expression, which the definition below shows
               ARRAY(SELECT coalesce(a.attname::text, n.num::text)
                       FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS n (num, i)
                       LEFT JOIN pg_attribute AS a
                         ON a.attrelid = i.indrelid AND a.attnum = n.num AND n.num > 0
                      ORDER BY n.i),
               i.indcollation, i.indclass, i.indoption,
               CASE WHEN i.indexprs IS NOT NULL OR i.indpred IS NOT NULL
                    THEN pg_get_indexdef(i.indexrelid) END,
               c.relam /*since 15: , i.indnullsnotdistinct*/)::text END,
           i.indrelid
      FROM relations AS c
      -- OFFSET 0 keeps each a lookup, whatever the planner believes of pg_index's size (a
      -- scratch database's catalog statistics are the template's)
      CROSS JOIN LATERAL (SELECT i.*, i.xmin FROM pg_index AS i
                           WHERE i.indexrelid = c.oid OFFSET 0) AS i
      CROSS JOIN since AS s,
           LATERAL (SELECT s.everything OR age(i.xmin) <= s.age
                        OR age(c.xmin) <= s.age AS fresh) AS f
     WHERE c.relkind IN ('i', 'I')
    UNION ALL
    SELECT 'sequence', s.seqrelid::text, f.fresh, '',
           CASE WHEN f.fresh THEN 'sequence '
               || ROW(s.seqrelid::regclass, to_jsonb(s) - 'seqrelid')::text END,
           s.seqrelid
      FROM pg_sequence AS s JOIN relations AS c ON c.oid = s.seqrelid
      CROSS JOIN since AS b,
           LATERAL (SELECT b.everything OR age(s.xmin) <= b.age AS fresh) AS f
    UNION ALL
    SELECT 'depends', concat_ws('.', d.objid, d.refobjid, d.refobjsubid, d.deptype), f.fresh, '',
           CASE WHEN f.fresh THEN 'depends '
               || ROW(d.objid::regclass, d.refobjid::regclass,
                      (SELECT a.attname FROM pg_attribute AS a
                        WHERE a.attrelid = d.refobjid AND a.attnum = d.refobjsubid),
                      d.deptype)::text END,
           d.objid
      FROM relations AS c
      -- OFFSET 0: looked up by sequence, not a scan of every dependency in the database
      CROSS JOIN LATERAL (SELECT d.*, d.xmin FROM pg_depend AS d
                           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                          OFFSET 0) AS d
      CROSS JOIN since AS s,
           LATERAL (SELECT s.everything OR age(d.xmin) <= s.age AS fresh) AS f
     WHERE c.relkind = 'S'
    UNION ALL
    SELECT 'inherits', h.inhrelid::text || '.' || h.inhseqno, f.fresh, '',
           CASE WHEN f.fresh THEN 'inherits '
               || ROW(h.inhrelid::regclass, h.inhparent::regclass, h.inhseqno)::text END,
           h.inhrelid
      FROM pg_inherits AS h JOIN relations AS c ON c.oid = h.inhrelid
      CROSS JOIN since AS s,
           LATERAL (SELECT s.everything OR age(h.xmin) <= s.age AS fresh) AS f
    UNION ALL
    SELECT 'partitioned', p.partrelid::text, f.fresh, '',
           CASE WHEN f.fresh THEN 'partitioned '
               || ROW(p.partrelid::regclass, to_jsonb(p) - 'partrelid')::text END,
           p.partrelid
      FROM pg_partitioned_table AS p JOIN relations AS c ON c.oid = p.partrelid
      CROSS JOIN since AS s,
           LATERAL (SELECT s.everything OR age(p.xmin) <= s.age AS fresh) AS f
    UNION ALL
    SELECT 'type', t.oid::text, f.fresh, CASE WHEN f.fresh THEN t.oid::regtype::text END,
           CASE WHEN f.fresh THEN 'type ' || ROW(t.oid::regtype, t.typbasetype::regtype,
               to_jsonb(t) - '{oid,typnamespace,typrelid,typelem,typarray,typbasetype,typowner,typacl,xmin}'::text[])::text END,
           t.oid
      -- Unscoped, the user rows; scoped, the groups', looked up.
      FROM (SELECT t.*, t.xmin FROM pg_type AS t
             WHERE NOT (SELECT scoped FROM scope) AND t.oid >= 16384
            UNION ALL
            SELECT t.*
              FROM unnest((SELECT groups FROM scope)::oid[]) AS g (oid),
                   LATERAL (SELECT t.*, t.xmin FROM pg_type AS t WHERE t.oid = g.oid OFFSET 0) AS t)
           AS t,
           since AS s,
           LATERAL (SELECT s.everything OR age(t.xmin) <= s.age AS fresh) AS f
     WHERE t.oid >= 16384 AND t.typnamespace IN (SELECT oid FROM user_namespaces)
       AND t.typcategory <> 'A'
       -- a table's row type is the table's; a standalone composite type is a type
       AND (t.typrelid = 0 OR NOT EXISTS (SELECT FROM pg_class AS r
                                           WHERE r.oid = t.typrelid AND r.relkind <> 'c'))
    UNION ALL
    SELECT 'enum label', e.oid::text, f.fresh, e.enumlabel::text,
           CASE WHEN f.fresh THEN 'enum label '
               || ROW(e.enumtypid::regtype, e.enumsortorder, e.enumlabel)::text END,
           e.enumtypid
      FROM pg_enum AS e JOIN pg_type AS t ON t.oid = e.enumtypid
      CROSS JOIN since AS s,
           LATERAL (SELECT s.everything OR age(e.xmin) <= s.age AS fresh) AS f
     WHERE t.typnamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR e.enumtypid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'function', p.oid::text, f.fresh, CASE WHEN f.fresh THEN p.oid::regprocedure::text END,
           CASE WHEN f.fresh THEN 'function ' || ROW(p.oid::regprocedure, p.prorettype::regtype,
               CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
               to_jsonb(p) - '{oid,pronamespace,prorettype,proowner,proacl}'::text[])::text END,
           p.oid
      FROM pg_proc AS p, since AS s,
           LATERAL (SELECT s.everything OR age(p.xmin) <= s.age
                        -- a SQL-standard body is deparsed like a view's query (14 on;
                        -- its prosrc is empty)
                        OR (p.prosrc = '' /*since 14: AND p.prosqlbody IS NOT NULL*/ AND EXISTS (
                            SELECT FROM written_relations AS w
                             WHERE w.oid IN (SELECT d.refobjid FROM pg_depend AS d
                                              WHERE d.classid = 'pg_proc'::regclass
                                                AND d.objid = p.oid
                                                AND d.refclassid = 'pg_class'::regclass)))
                    AS fresh) AS f
     WHERE p.oid >= 16384 AND p.pronamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR p.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'trigger', t.oid::text, f.fresh, t.tgname::text,
           CASE WHEN f.fresh THEN 'trigger ' || ROW(pg_get_triggerdef(t.oid), t.tgenabled,
               t.tgconstrrelid::regclass, t.tgconstrindid::regclass,
               to_jsonb(t) - '{oid,tgrelid,tgfoid,tgconstraint,tgconstrrelid,tgconstrindid,tgparentid,tgattr,tgqual,xmin}'::text[])::text END,
           t.tgrelid
      FROM relations AS c
      CROSS JOIN LATERAL (SELECT t.*, t.xmin FROM pg_trigger AS t
                           WHERE t.tgrelid = c.oid AND NOT t.tgisinternal OFFSET 0) AS t
      CROSS JOIN since AS s,
           LATERAL (SELECT s.everything OR age(t.xmin) <= s.age AS fresh) AS f
     WHERE c.relkind NOT IN ('i', 'I', 'S')
    UNION ALL
    SELECT 'policy', p.oid::text, true, p.polname::text,
           'policy ' || ROW(p.polrelid::regclass, p.polname, p.polcmd, p.polpermissive,
               p.polroles::regrole[], pg_get_expr(p.polqual, p.polrelid),
               pg_get_expr(p.polwithcheck, p.polrelid))::text, 0::oid
      -- every policy, whatever the scope
      FROM pg_policy AS p JOIN pg_class AS c ON c.oid = p.polrelid
     WHERE c.oid >= 16384 AND c.relnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    -- Objects that others name: renaming one changes how the model spells its users, while
    -- the OIDs those users hold stay the same.
    SELECT 'collation', c.oid::text, f.fresh, c.collname::text,
           CASE WHEN f.fresh THEN 'collation ' || ROW(c.collnamespace::regnamespace, c.collname,
               to_jsonb(c) - '{oid,collnamespace,collowner}'::text[])::text END,
           c.oid
      FROM pg_collation AS c, since AS s,
           LATERAL (SELECT s.everything OR age(c.xmin) <= s.age AS fresh) AS f
     WHERE c.oid >= 16384 AND c.collnamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR c.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'operator class', o.oid::text, f.fresh, o.opcname::text,
           CASE WHEN f.fresh THEN 'operator class ' || ROW(o.opcnamespace::regnamespace,
               o.opcname, o.opcmethod, o.opcintype::regtype, o.opcdefault, o.opckeytype)::text END,
           o.oid
      FROM pg_opclass AS o, since AS s,
           LATERAL (SELECT s.everything OR age(o.xmin) <= s.age AS fresh) AS f
     WHERE o.oid >= 16384 AND o.opcnamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR o.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'operator family', o.oid::text, f.fresh, o.opfname::text,
           CASE WHEN f.fresh THEN 'operator family '
               || ROW(o.opfnamespace::regnamespace, o.opfname, o.opfmethod)::text END,
           o.oid
      FROM pg_opfamily AS o, since AS s,
           LATERAL (SELECT s.everything OR age(o.xmin) <= s.age AS fresh) AS f
     WHERE o.oid >= 16384 AND o.opfnamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR o.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'operator', o.oid::text, f.fresh, CASE WHEN f.fresh THEN o.oid::regoperator::text END,
           CASE WHEN f.fresh THEN 'operator ' || ROW(o.oid::regoperator, o.oprcode::regproc)::text END,
           o.oid
      FROM pg_operator AS o, since AS s,
           LATERAL (SELECT s.everything OR age(o.xmin) <= s.age AS fresh) AS f
     WHERE o.oid >= 16384 AND o.oprnamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR o.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'text search configuration', c.oid::text, f.fresh,
           CASE WHEN f.fresh THEN c.oid::regconfig::text END,
           CASE WHEN f.fresh THEN 'text search configuration '
               || ROW(c.oid::regconfig, c.cfgparser)::text END,
           c.oid
      FROM pg_ts_config AS c, since AS s,
           LATERAL (SELECT s.everything OR age(c.xmin) <= s.age AS fresh) AS f
     WHERE c.oid >= 16384 AND c.cfgnamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR c.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'text search dictionary', d.oid::text, f.fresh,
           CASE WHEN f.fresh THEN d.oid::regdictionary::text END,
           CASE WHEN f.fresh THEN 'text search dictionary '
               || ROW(d.oid::regdictionary, d.dictinitoption)::text END,
           d.oid
      FROM pg_ts_dict AS d, since AS s,
           LATERAL (SELECT s.everything OR age(d.xmin) <= s.age AS fresh) AS f
     WHERE d.oid >= 16384 AND d.dictnamespace IN (SELECT oid FROM user_namespaces)
       AND (NOT (SELECT scoped FROM scope) OR d.oid = ANY((SELECT groups FROM scope)::oid[]))
    UNION ALL
    SELECT 'comment', concat_ws('.', d.classoid, d.objoid, d.objsubid), f.fresh, '',
           CASE WHEN f.fresh THEN 'comment '
               || ROW(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text END,
           CASE WHEN f.fresh THEN g.grp END
      -- Built-in objects' comments are most of the catalog: reached by OID, they are skipped.
      -- Only objects with lines of their own: their renames are seen (statistics objects and
      -- event triggers have none, and the model shows no comment of theirs).
      FROM (SELECT d.*, d.xmin FROM pg_description AS d
             WHERE d.objoid >= 16384 AND d.classoid IN (
                 'pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass,
                 'pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass,
                 'pg_extension'::regclass, 'pg_namespace'::regclass, 'pg_collation'::regclass,
                 'pg_opclass'::regclass, 'pg_opfamily'::regclass, 'pg_operator'::regclass,
                 'pg_ts_config'::regclass, 'pg_ts_dict'::regclass)
            UNION ALL
            SELECT d.*, d.xmin FROM pg_description AS d
             WHERE d.objoid < 16384 AND d.objoid IN (SELECT oid FROM user_namespaces)) AS d,
           since AS s,
           LATERAL (SELECT s.everything OR age(d.xmin) <= s.age AS fresh) AS f,
           LATERAL (SELECT CASE d.classoid
                WHEN 'pg_class'::regclass THEN coalesce(
                    (SELECT i.indrelid FROM pg_index AS i WHERE i.indexrelid = d.objoid), d.objoid)
                WHEN 'pg_constraint'::regclass THEN (
                    SELECT CASE WHEN k.conrelid <> 0 THEN k.conrelid ELSE k.contypid END
                      FROM pg_constraint AS k WHERE k.oid = d.objoid)
                WHEN 'pg_trigger'::regclass THEN (
                    SELECT t.tgrelid FROM pg_trigger AS t WHERE t.oid = d.objoid)
                WHEN 'pg_policy'::regclass THEN 0
                ELSE d.objoid END AS grp) AS g
     WHERE NOT (SELECT scoped FROM scope) OR g.grp = ANY((SELECT groups FROM scope)::oid[])
)
-- Lines and names travel as their md5, which is all the digest keeps of them: a full render
-- of a large schema (view and function definitions) is a fraction of the text to send and
-- to hold.
SELECT kind, key, md5(line), CASE WHEN fresh THEN md5(name) END, CASE WHEN fresh THEN grp END
  FROM lines WHERE fresh OR kind = ANY($2) OR key IN (SELECT unnest($3))
UNION ALL
SELECT kind, NULL, count(*)::text, NULL, NULL FROM lines GROUP BY kind
UNION ALL
SELECT NULL, 'since', (pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296)::text,
       NULL, NULL
UNION ALL
-- Built-in objects that user objects name, written since: a language renamed, a function
-- created in pg_catalog that makes a call need its schema. Lines show them without their rows
-- being written, so the caller starts over from a full render.
SELECT NULL, 'built-in rows written', count(*)::text, NULL, NULL
  FROM (SELECT xmin, pronamespace FROM pg_proc
        UNION ALL SELECT xmin, typnamespace FROM pg_type
        UNION ALL SELECT xmin, oprnamespace FROM pg_operator
        UNION ALL SELECT xmin, collnamespace FROM pg_collation
        UNION ALL SELECT xmin, opcnamespace FROM pg_opclass
        UNION ALL SELECT xmin, opfnamespace FROM pg_opfamily
        UNION ALL SELECT xmin, cfgnamespace FROM pg_ts_config
        UNION ALL SELECT xmin, dictnamespace FROM pg_ts_dict
        UNION ALL SELECT xmin, 'pg_catalog'::regnamespace FROM pg_language
        UNION ALL SELECT xmin, oid FROM pg_namespace) AS b (row_xmin, namespace)
 -- the condition as one value, so that it is tested inside each catalog's scan
 WHERE NOT (SELECT everything FROM since)
   AND age(b.row_xmin) <= (SELECT age FROM since WHERE NOT everything)
   AND b.namespace IN (SELECT oid FROM builtin_namespaces)
HAVING count(*) > 0;
