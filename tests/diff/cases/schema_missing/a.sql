CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the app';
CREATE TABLE app.t (id int);
