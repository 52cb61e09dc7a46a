CREATE TABLE t (id int, n int NOT NULL);
