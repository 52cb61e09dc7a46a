CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id serial PRIMARY KEY, parent_id int REFERENCES parent, note text CHECK (note <> ''));
CREATE INDEX child_parent_idx ON child (parent_id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER child_touch BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE child ENABLE ROW LEVEL SECURITY;
CREATE POLICY child_all ON child USING (parent_id IS NOT NULL);
COMMENT ON TABLE child IS 'children';
