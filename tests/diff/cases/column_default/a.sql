CREATE TABLE t (id int, n int DEFAULT 1);
