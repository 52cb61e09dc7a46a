-- Tables (plain and partitioned) with their table-level properties. Columns, constraints,
-- indexes, triggers and policies have their own queries.
-- table_schema and table_name are the raw names, for leaving out tables such as the ledger.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT n.nspname AS table_schema,
       c.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       c.relpersistence = 'u' AS unlogged,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
          FROM pg_inherits AS h
          JOIN pg_class AS pc ON pc.oid = h.inhparent
          JOIN pg_namespace AS pn ON pn.oid = pc.relnamespace
         WHERE h.inhrelid = c.oid AND c.relispartition) AS partition_of,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid, true)
       END AS partition_bound,
       d.description AS comment
  FROM pg_class AS c
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype = 'e')
 ORDER BY 3;
