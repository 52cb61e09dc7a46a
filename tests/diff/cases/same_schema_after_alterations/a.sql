CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (id bigint NOT NULL, m mood DEFAULT 'ok');
