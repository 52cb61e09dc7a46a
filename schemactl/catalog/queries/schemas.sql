-- User schemas. Names starting with pg_ are reserved for the system (pg_catalog, pg_toast,
-- pg_temp_N, pg_toast_temp_N); information_schema is the SQL-standard views.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT quote_ident(n.nspname) AS name,
       d.description AS comment
  FROM pg_namespace AS n
  LEFT JOIN pg_description AS d
    ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0
 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_namespace'::regclass AND e.objid = n.oid
                      AND e.deptype = 'e')
 ORDER BY 1;
