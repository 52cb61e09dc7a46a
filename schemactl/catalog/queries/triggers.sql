-- User triggers on tables and views. Left out: internal triggers (those implementing foreign
-- keys) and a partition's copies of its parent's triggers (pg_depend deptype 'P').
-- tgtype bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead of.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT n.nspname AS table_schema,
       c.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS "table",
       quote_ident(t.tgname) AS name,
       pg_get_triggerdef(t.oid, true) AS definition,
       CASE WHEN t.tgtype & 2 <> 0 THEN 'before'
            WHEN t.tgtype & 64 <> 0 THEN 'instead of' ELSE 'after' END AS timing,
       array_remove(ARRAY[CASE WHEN t.tgtype & 4 <> 0 THEN 'insert' END,
                          CASE WHEN t.tgtype & 16 <> 0 THEN 'update' END,
                          CASE WHEN t.tgtype & 8 <> 0 THEN 'delete' END,
                          CASE WHEN t.tgtype & 32 <> 0 THEN 'truncate' END], NULL) AS events,
       CASE WHEN t.tgtype & 1 <> 0 THEN 'row' ELSE 'statement' END AS level,
       t.tgfoid::regprocedure::text AS function,
       CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
                        WHEN 'A' THEN 'always' ELSE 'enabled' END AS enabled,
       d.description AS comment
  FROM pg_trigger AS t
  JOIN pg_class AS c ON c.oid = t.tgrelid
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
 WHERE NOT t.tgisinternal
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS p
                    WHERE p.classid = 'pg_trigger'::regclass AND p.objid = t.oid
                      AND p.deptype = 'P')
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype = 'e')
 ORDER BY 3, 4;
