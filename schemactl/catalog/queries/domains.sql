-- Domains: base type, NOT NULL, default, collation (only when it differs from the base
-- type's) and named CHECK constraints as a JSON object {name: definition}.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS name,
       format_type(t.typbasetype, t.typtypmod) AS base_type,
       t.typnotnull AS not_null,
       t.typdefault AS "default",
       CASE WHEN t.typcollation <> b.typcollation THEN
            CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                 ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
       END AS collation,
       (SELECT coalesce(json_object_agg(quote_ident(k.conname),
                                        pg_get_constraintdef(k.oid, true)), '{}')
          FROM pg_constraint AS k
         WHERE k.contypid = t.oid AND k.contype = 'c') AS checks,
       d.description AS comment
  FROM pg_type AS t
  JOIN pg_namespace AS n ON n.oid = t.typnamespace
  JOIN pg_type AS b ON b.oid = t.typbasetype
  LEFT JOIN pg_collation AS co ON co.oid = t.typcollation
  LEFT JOIN pg_namespace AS cn ON cn.oid = co.collnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
 WHERE t.typtype = 'd'
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid
                      AND e.deptype = 'e')
 ORDER BY 1;
