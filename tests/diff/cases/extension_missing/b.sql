CREATE TABLE t (email text);
