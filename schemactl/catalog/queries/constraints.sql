-- Primary key, unique, foreign key, check and exclusion constraints of tables. Constraints a
-- partition inherits from its parent (conparentid <> 0) are the parent's, and left out;
-- NOT NULL is a column property, except a NOT VALID or NO INHERIT one (PostgreSQL 18 keeps
-- NOT NULL constraints here, contype 'n'), which a column cannot express: the table's own
-- are listed, as kind 'not null'.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT n.nspname AS table_schema,
       c.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS "table",
       quote_ident(k.conname) AS name,
       CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique'
                      WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check'
                      WHEN 'x' THEN 'exclusion' WHEN 'n' THEN 'not null' END AS kind,
       pg_get_constraintdef(k.oid, true) AS definition,
       ARRAY(SELECT quote_ident(a.attname)
               FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
               JOIN pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
              ORDER BY u.ord) AS columns,
       CASE WHEN k.contype = 'f' THEN quote_ident(fn.nspname) || '.' || quote_ident(fc.relname)
       END AS "references",
       ARRAY(SELECT quote_ident(a.attname)
               FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
               JOIN pg_attribute AS a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
              ORDER BY u.ord) AS referenced_columns,
       CASE WHEN k.contype = 'f' THEN
            CASE k.confupdtype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict'
                 WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' END
       END AS on_update,
       CASE WHEN k.contype = 'f' THEN
            CASE k.confdeltype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict'
                 WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' END
       END AS on_delete,
       CASE WHEN k.contype = 'f' THEN
            CASE k.confmatchtype WHEN 'f' THEN 'full' WHEN 'p' THEN 'partial' ELSE 'simple' END
       END AS match,
       k.condeferrable AS deferrable,
       k.condeferred AS initially_deferred,
       k.convalidated AS validated,
       d.description AS comment
  FROM pg_constraint AS k
  JOIN pg_class AS c ON c.oid = k.conrelid
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_class AS fc ON fc.oid = k.confrelid
  LEFT JOIN pg_namespace AS fn ON fn.oid = fc.relnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = k.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
 WHERE (k.contype IN ('p', 'u', 'f', 'c', 'x')
        OR (k.contype = 'n' AND k.conislocal AND (NOT k.convalidated OR k.connoinherit)))
   AND k.conparentid = 0
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype = 'e')
 ORDER BY 3, 4;
