-- modifications: the history of changes users asked for on generated elements.
CREATE TABLE modifications (
    id                uuid         NOT NULL DEFAULT gen_random_uuid(),
    project_id        uuid         NOT NULL,
    element_type      varchar(50)  NOT NULL,
    element_id        varchar(50)  NOT NULL,
    element_name      varchar(200),
    modification_type varchar(50)  NOT NULL,
    user_prompt       text,
    result_data       jsonb,
    created_by        uuid,
    created_at        timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT modifications_pkey PRIMARY KEY (id),
    CONSTRAINT modifications_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT modifications_created_by_fkey FOREIGN KEY (created_by)
        REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX idx_modifications_project ON modifications (project_id);
CREATE INDEX idx_modifications_element ON modifications (element_type, element_id);
-- Foreign-key index: deleting a user sets created_by to NULL on the modifications they made.
CREATE INDEX idx_modifications_created_by ON modifications (created_by);

COMMENT ON TABLE modifications IS 'Element modifications: the change history of generated materials.';
COMMENT ON COLUMN modifications.id IS 'Unique record id.';
COMMENT ON COLUMN modifications.project_id IS 'Project id.';
COMMENT ON COLUMN modifications.element_type IS 'Element type.';
COMMENT ON COLUMN modifications.element_id IS 'Element id.';
COMMENT ON COLUMN modifications.element_name IS 'Element name.';
COMMENT ON COLUMN modifications.modification_type IS 'Modification type.';
COMMENT ON COLUMN modifications.user_prompt IS 'The user''s modification request.';
COMMENT ON COLUMN modifications.result_data IS 'Result data of the modification.';
COMMENT ON COLUMN modifications.created_by IS 'Id of the user who made the modification; set to NULL when that user is deleted.';
COMMENT ON COLUMN modifications.created_at IS 'Creation time.';
