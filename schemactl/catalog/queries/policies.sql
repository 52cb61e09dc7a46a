-- Row-level security policies (whether RLS is enabled is a table property).
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT n.nspname AS table_schema,
       c.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS "table",
       quote_ident(p.polname) AS name,
       CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'
                     WHEN 'd' THEN 'delete' ELSE 'all' END AS command,
       p.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN u.oid = 0 THEN 'public' ELSE quote_ident(r.rolname) END
               FROM unnest(p.polroles) AS u(oid)
               LEFT JOIN pg_roles AS r ON r.oid = u.oid
              ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid, true) AS using,
       pg_get_expr(p.polwithcheck, p.polrelid, true) AS with_check,
       d.description AS comment
  FROM pg_policy AS p
  JOIN pg_class AS c ON c.oid = p.polrelid
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = p.oid AND d.classoid = 'pg_policy'::regclass AND d.objsubid = 0
 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype = 'e')
 ORDER BY 3, 4;
