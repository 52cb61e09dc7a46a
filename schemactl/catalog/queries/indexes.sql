-- Indexes on tables and materialized views, with the full definition and its parts: method,
-- key columns or expressions (with DESC, NULLS and a non-default operator class), INCLUDE
-- columns, partial predicate, uniqueness. Left out: indexes a primary key, unique or
-- exclusion constraint owns (they come with the constraint), and a partition's copies of its
-- parent's indexes (they appear in pg_inherits).
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT n.nspname AS table_schema,
       t.relname AS table_name,
       quote_ident(n.nspname) || '.' || quote_ident(ic.relname) AS name,
       quote_ident(n.nspname) || '.' || quote_ident(t.relname) AS "table",
       pg_get_indexdef(i.indexrelid) AS definition,
       i.indisunique AS "unique",
       am.amname AS method,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k.n, true)
                    || CASE WHEN opc.opcdefault THEN ''
                            WHEN opn.nspname = 'pg_catalog' THEN ' ' || quote_ident(opc.opcname)
                            ELSE ' ' || quote_ident(opn.nspname) || '.'
                                 || quote_ident(opc.opcname) END
                    || CASE WHEN i.indoption[k.n - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                    || CASE i.indoption[k.n - 1] & 3 WHEN 1 THEN ' NULLS LAST'
                                                     WHEN 2 THEN ' NULLS FIRST' ELSE '' END
               FROM generate_series(1, i.indnkeyatts) AS k(n)
               JOIN pg_opclass AS opc ON opc.oid = i.indclass[k.n - 1]
               JOIN pg_namespace AS opn ON opn.oid = opc.opcnamespace
              ORDER BY k.n) AS columns,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k.n, true)
               FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS k(n)
              ORDER BY k.n) AS include,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       d.description AS comment
  FROM pg_index AS i
  JOIN pg_class AS ic ON ic.oid = i.indexrelid
  JOIN pg_class AS t ON t.oid = i.indrelid
  JOIN pg_namespace AS n ON n.oid = t.relnamespace
  JOIN pg_am AS am ON am.oid = ic.relam
  LEFT JOIN pg_description AS d
    ON d.objoid = ic.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
 WHERE t.relkind IN ('r', 'p', 'm')
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_constraint AS k
                    WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                      AND k.contype IN ('p', 'u', 'x'))
   AND NOT EXISTS (SELECT FROM pg_inherits AS h WHERE h.inhrelid = i.indexrelid)
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = t.oid
                      AND e.deptype = 'e')
 ORDER BY 3;
