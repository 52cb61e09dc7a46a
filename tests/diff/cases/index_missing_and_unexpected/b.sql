CREATE TABLE t (a int, b int);
CREATE INDEX t_b_idx ON t (b);
