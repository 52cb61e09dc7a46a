CREATE TABLE t (id int, added text DEFAULT 'x' NOT NULL);
