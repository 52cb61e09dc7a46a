CREATE TABLE b (id int PRIMARY KEY, a_id int);
CREATE TABLE a (id int PRIMARY KEY, note text);
ALTER TABLE b ADD CONSTRAINT b_a_id_fkey FOREIGN KEY (a_id) REFERENCES a (id);
CREATE INDEX b_a_idx ON b (a_id);
