CREATE TABLE t (id int, s text COLLATE "POSIX");
