-- Sequences with their options and the column that owns them (serial). Identity sequences
-- (pg_depend deptype 'i') belong to their column and are left out.
-- schemactl runs each query with search_path = pg_catalog, pg_temp.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start,
       s.seqincrement AS increment,
       s.seqmin AS minimum,
       s.seqmax AS maximum,
       s.seqcache AS cache,
       s.seqcycle AS cycle,
       (SELECT quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) || '.'
               || quote_ident(ta.attname)
          FROM pg_depend AS o
          JOIN pg_class AS tc ON tc.oid = o.refobjid
          JOIN pg_namespace AS tn ON tn.oid = tc.relnamespace
          JOIN pg_attribute AS ta ON ta.attrelid = o.refobjid AND ta.attnum = o.refobjsubid
         WHERE o.classid = 'pg_class'::regclass AND o.objid = c.oid
           AND o.refclassid = 'pg_class'::regclass AND o.refobjsubid > 0
           AND o.deptype = 'a') AS owned_by,
       d.description AS comment
  FROM pg_sequence AS s
  JOIN pg_class AS c ON c.oid = s.seqrelid
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_description AS d
    ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
   AND NOT EXISTS (SELECT FROM pg_depend AS e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype IN ('e', 'i'))
 ORDER BY 1;
