CREATE TABLE t (id int, n int);
