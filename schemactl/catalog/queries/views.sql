-- Views and materialized views with their definition and options (check_option, ...).
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       pg_get_viewdef(c.oid, true) AS definition,
       c.relkind = 'm' AS materialized,
       coalesce(c.reloptions, '{}') AS options,
       d.description AS comment
  FROM pg_class AS c
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
 WHERE c.relkind IN ('v', 'm')
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype = 'e')
 ORDER BY 1;
