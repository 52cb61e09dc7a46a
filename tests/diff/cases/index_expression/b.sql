CREATE TABLE t (s text);
CREATE INDEX t_s_idx ON t (upper(s));
