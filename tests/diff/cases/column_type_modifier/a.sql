CREATE TABLE t (id int, n varchar(20));
