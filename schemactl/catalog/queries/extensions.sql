-- Installed extensions. Objects that belong to an extension (pg_depend deptype 'e') are left
-- out of every other query: they are attributed to their extension here.
-- plpgsql is left out too: initdb installs it in every database.
-- schemactl runs each query with search_path = pg_catalog, pg_temp; do the same in psql to see
-- exactly what it reads.
SELECT quote_ident(e.extname) AS name,
       quote_ident(n.nspname) AS schema,
       e.extversion AS version
  FROM pg_extension AS e
  JOIN pg_namespace AS n ON n.oid = e.extnamespace
 WHERE e.extname <> 'plpgsql'
 ORDER BY 1;
