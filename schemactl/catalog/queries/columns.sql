-- Columns of every table, in column order: type with modifiers, NOT NULL, default, identity,
-- generated expression, and the collation when it differs from the type's default.
-- Since PostgreSQL 18 a NOT NULL can be NOT VALID or NO INHERIT, which a column's NOT NULL
-- cannot say: such a column is not_null = false here, and its constraint is in
-- constraints.sql. 18's virtual generated columns (attgenerated 'v') are flagged for the
-- loader, which refuses them.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT n.nspname AS table_schema,
       c.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS "table",
       quote_ident(a.attname) AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AND NOT EXISTS (SELECT FROM pg_constraint AS k
                                     WHERE k.conrelid = a.attrelid AND k.contype = 'n'
                                       AND k.conkey[1] = a.attnum
                                       AND (NOT k.convalidated OR k.connoinherit))
       AS not_null,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true)
       END AS "default",
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN a.attgenerated = 's' THEN pg_get_expr(ad.adbin, ad.adrelid, true)
       END AS generated,
       a.attgenerated = 'v' AS virtual,
       CASE WHEN a.attcollation <> t.typcollation THEN
            CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                 ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
       END AS collation,
       d.description AS comment
  FROM pg_attribute AS a
  JOIN pg_class AS c ON c.oid = a.attrelid
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  JOIN pg_type AS t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN pg_collation AS co ON co.oid = a.attcollation
  LEFT JOIN pg_namespace AS cn ON cn.oid = co.collnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
 WHERE a.attnum > 0 AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p')
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype = 'e')
 ORDER BY 3, a.attnum;
