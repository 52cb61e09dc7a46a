CREATE TABLE keep (id int);
CREATE TABLE leftover (id int PRIMARY KEY, v text);
CREATE INDEX leftover_v_idx ON leftover (v);
