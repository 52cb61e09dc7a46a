CREATE TABLE t (a int, b int, c int);
CREATE INDEX t_a_idx ON t (a) INCLUDE (b);
