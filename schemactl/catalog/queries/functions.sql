-- Functions and procedures (aggregates are left out): the signature (name and argument types,
-- the key), arguments with names and defaults, result, body and attributes, and the whole
-- CREATE OR REPLACE statement. A function written with a SQL-standard body has an empty
-- prosrc; its body is in the definition.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT p.oid::regprocedure::text AS signature,
       quote_ident(n.nspname) || '.' || quote_ident(p.proname) AS name,
       pg_get_functiondef(p.oid) AS definition,
       CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'w' THEN 'window function'
                      ELSE 'function' END AS kind,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS returns,
       l.lanname AS language,
       p.prosrc AS body,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable'
                          ELSE 'volatile' END AS volatility,
       p.proisstrict AS strict,
       p.prosecdef AS security_definer,
       p.proleakproof AS leakproof,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted'
                          ELSE 'unsafe' END AS parallel,
       coalesce(p.proconfig, '{}') AS config,
       d.description AS comment
  FROM pg_proc AS p
  JOIN pg_namespace AS n ON n.oid = p.pronamespace
  JOIN pg_language AS l ON l.oid = p.prolang
  LEFT JOIN pg_description AS d
    ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
 WHERE p.prokind IN ('f', 'p', 'w')
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                      AND e.deptype = 'e')
 ORDER BY 1;
