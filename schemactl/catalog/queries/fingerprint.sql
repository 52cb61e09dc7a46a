-- A digest of every user object's catalog rows: equal digests mean equal schemas, for telling
-- "nothing changed" cheaply (check's round trips). It reads raw catalog rows, not the
-- deparsed definitions the other queries build, so it is several times cheaper. OIDs of the
-- objects themselves are left out or turned into names (a table dropped and created again
-- has a new OID but the same digest). Expressions (defaults, checks, index predicates) are
-- deparsed, so they name what they refer to. Where an OID remains (an array of operator
-- classes, say) a digest can differ where the schemas are equal, and the caller then compares
-- full models; never the reverse.
-- Rows that are few (functions, types, triggers) go in whole (to_jsonb, minus their OIDs),
-- beside their deparsed definition; the many (columns, constraints, indexes) list what the
-- model reads, which is several times cheaper. ``/*since N: ...*/`` holds columns that only
-- servers from version N have; schemactl keeps them for those servers.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
WITH user_namespaces AS (
    SELECT oid FROM pg_namespace
     WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
), relations AS (
    SELECT c.* FROM pg_class AS c WHERE c.relnamespace IN (SELECT oid FROM user_namespaces)
), lines AS (
    SELECT 'extension ' || ROW(e.extname, e.extversion, e.extnamespace::regnamespace,
                               e.extrelocatable, e.extconfig IS NULL)::text AS line
      FROM pg_extension AS e
    UNION ALL
    SELECT 'extension members ' || ROW(x.extname, count(*))::text
      FROM pg_depend AS d JOIN pg_extension AS x ON x.oid = d.refobjid
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     GROUP BY x.extname
    UNION ALL
    SELECT 'schema ' || n.nspname FROM pg_namespace AS n
     WHERE n.oid IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'relation ' || ROW(c.oid::regclass, c.relkind, c.relpersistence, c.relam,
                              c.reltablespace, c.relrowsecurity, c.relforcerowsecurity,
                              c.relispartition, c.reloptions, c.relpartbound, c.relreplident,
                              CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END)::text
      FROM relations AS c
    UNION ALL
    SELECT 'column ' || ROW(a.attrelid::regclass, a.attname,
                            -- built-in types keep their OIDs in every database
                            CASE WHEN a.atttypid < 16384 THEN a.atttypid::text
                                 ELSE a.atttypid::regtype::text END,
                            a.atttypmod,
                            a.attnum, a.attnotnull, a.attidentity, a.attgenerated,
                            a.attcollation, a.attndims, a.attislocal, a.attinhcount,
                            pg_get_expr(ad.adbin, ad.adrelid))::text
      FROM pg_attribute AS a
      -- An index's own attributes follow from its key, which the index line holds.
      JOIN relations AS c ON c.oid = a.attrelid AND c.relkind NOT IN ('i', 'I')
      LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'constraint ' || ROW(k.conrelid::regclass, k.contypid::regtype, k.conindid::regclass,
                                k.confrelid::regclass, k.connamespace, k.conname, k.contype,
                                k.condeferrable, k.condeferred, k.convalidated, k.confupdtype,
                                k.confdeltype, k.confmatchtype, k.conislocal, k.coninhcount,
                                k.connoinherit, k.conkey, k.confkey, k.conpfeqop, k.conexclop
                                /*since 15: , k.confdelsetcols*/,
                                CASE WHEN k.conbin IS NOT NULL THEN pg_get_constraintdef(k.oid) END)::text
      FROM pg_constraint AS k
     WHERE k.connamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'index ' || ROW(i.indexrelid::regclass, i.indrelid::regclass, i.indnatts,
                           i.indnkeyatts, i.indisunique, i.indisprimary, i.indisexclusion,
                           i.indimmediate, i.indkey, i.indcollation, i.indclass, i.indoption,
                           CASE WHEN i.indexprs IS NOT NULL OR i.indpred IS NOT NULL
                                THEN pg_get_indexdef(i.indexrelid) END,
                           c.relam /*since 15: , i.indnullsnotdistinct*/)::text
      FROM pg_index AS i JOIN relations AS c ON c.oid = i.indexrelid
    UNION ALL
    SELECT 'sequence ' || ROW(s.seqrelid::regclass, to_jsonb(s) - 'seqrelid')::text
      FROM pg_sequence AS s JOIN relations AS c ON c.oid = s.seqrelid
    UNION ALL
    SELECT 'depends ' || ROW(d.objid::regclass, d.refobjid::regclass, d.refobjsubid, d.deptype)::text
      FROM pg_depend AS d JOIN relations AS c ON c.oid = d.objid
     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
       AND c.relkind = 'S' AND d.deptype IN ('a', 'i')
    UNION ALL
    SELECT 'inherits ' || ROW(h.inhrelid::regclass, h.inhparent::regclass, h.inhseqno)::text
      FROM pg_inherits AS h JOIN relations AS c ON c.oid = h.inhrelid
    UNION ALL
    SELECT 'partitioned ' || ROW(p.partrelid::regclass, to_jsonb(p) - 'partrelid')::text
      FROM pg_partitioned_table AS p JOIN relations AS c ON c.oid = p.partrelid
    UNION ALL
    SELECT 'type ' || ROW(t.oid::regtype, t.typbasetype::regtype,
                          to_jsonb(t) - '{oid,typnamespace,typrelid,typelem,typarray,typbasetype,typowner}'::text[])::text
      FROM pg_type AS t
     WHERE t.typnamespace IN (SELECT oid FROM user_namespaces)
       AND t.typcategory <> 'A'
       AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class AS c WHERE c.oid = t.typrelid) = 'c')
    UNION ALL
    SELECT 'enum label ' || ROW(e.enumtypid::regtype, e.enumsortorder, e.enumlabel)::text
      FROM pg_enum AS e JOIN pg_type AS t ON t.oid = e.enumtypid
     WHERE t.typnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'function ' || ROW(p.oid::regprocedure, p.prorettype::regtype,
                              CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
                              to_jsonb(p) - '{oid,pronamespace,prorettype,proowner}'::text[])::text
      FROM pg_proc AS p
     WHERE p.pronamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'trigger ' || ROW(pg_get_triggerdef(t.oid), t.tgenabled,
                             t.tgconstrrelid::regclass, t.tgconstrindid::regclass,
                             to_jsonb(t) - '{oid,tgrelid,tgfoid,tgconstraint,tgconstrrelid,tgconstrindid,tgparentid}'::text[])::text
      FROM pg_trigger AS t JOIN relations AS c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'policy ' || ROW(p.polrelid::regclass, p.polname, p.polcmd, p.polpermissive,
                            p.polroles::regrole[], pg_get_expr(p.polqual, p.polrelid),
                            pg_get_expr(p.polwithcheck, p.polrelid))::text
      FROM pg_policy AS p JOIN relations AS c ON c.oid = p.polrelid
    UNION ALL
    -- Objects that others name: renaming one changes how the model spells its users, while
    -- the OIDs those users hold stay the same.
    SELECT 'collation ' || ROW(c.collnamespace::regnamespace, c.collname,
                               to_jsonb(c) - '{oid,collnamespace,collowner}'::text[])::text
      FROM pg_collation AS c WHERE c.collnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'operator class ' || ROW(o.opcnamespace::regnamespace, o.opcname, o.opcmethod,
                                    o.opcintype::regtype, o.opcdefault, o.opckeytype)::text
      FROM pg_opclass AS o WHERE o.opcnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'operator family ' || ROW(o.opfnamespace::regnamespace, o.opfname, o.opfmethod)::text
      FROM pg_opfamily AS o WHERE o.opfnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'operator ' || ROW(o.oid::regoperator, o.oprcode::regproc)::text
      FROM pg_operator AS o WHERE o.oprnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'text search configuration ' || ROW(c.oid::regconfig, c.cfgparser)::text
      FROM pg_ts_config AS c WHERE c.cfgnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'text search dictionary ' || ROW(d.oid::regdictionary, d.dictinitoption)::text
      FROM pg_ts_dict AS d WHERE d.dictnamespace IN (SELECT oid FROM user_namespaces)
    UNION ALL
    SELECT 'comment ' || ROW(pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)::text
      FROM pg_description AS d
     WHERE d.objoid >= 16384 OR d.objoid IN (SELECT oid FROM user_namespaces)
)
SELECT md5(coalesce(string_agg(line, E'\n' ORDER BY line COLLATE "C"), '')) AS digest FROM lines;
