-- Enum types with their labels in sort order.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS name,
       ARRAY(SELECT l.enumlabel FROM pg_enum AS l
              WHERE l.enumtypid = t.oid ORDER BY l.enumsortorder) AS labels,
       d.description AS comment
  FROM pg_type AS t
  JOIN pg_namespace AS n ON n.oid = t.typnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
 WHERE t.typtype = 'e'
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid
                      AND e.deptype = 'e')
 ORDER BY 1;
