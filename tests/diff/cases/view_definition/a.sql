CREATE TABLE t (a int, b int);
CREATE VIEW v AS SELECT a, b FROM t WHERE a > 0;
