CREATE TABLE t (id int, extra text);
