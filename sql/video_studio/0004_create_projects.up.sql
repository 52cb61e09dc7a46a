-- projects: the creative unit that runs through the whole flow (input, generation, editing, export).
CREATE TABLE projects (
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid         NOT NULL,
    name         varchar(200) NOT NULL,
    description  text,
    status       varchar(20)  NOT NULL DEFAULT 'draft',
    stage        varchar(20)  NOT NULL DEFAULT 'input',
    progress     integer      DEFAULT 0,
    tags         text[]       DEFAULT '{}'::text[],
    input_config jsonb        DEFAULT '{}'::jsonb,
    metadata     jsonb        DEFAULT '{}'::jsonb,
    started_at   timestamptz,
    completed_at timestamptz,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT projects_pkey PRIMARY KEY (id),
    CONSTRAINT projects_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT projects_status_check
        CHECK (status IN ('draft', 'generating', 'editing', 'completed', 'exported')),
    CONSTRAINT projects_stage_check
        CHECK (stage IN ('input', 'generating', 'editing', 'completed')),
    CONSTRAINT projects_progress_check CHECK (progress >= 0 AND progress <= 100)
);

CREATE INDEX idx_projects_user ON projects (user_id);
-- Index strategy: a user's projects by status.
CREATE INDEX idx_projects_user_status ON projects (user_id, status);
CREATE INDEX idx_projects_status ON projects (status);
CREATE INDEX idx_projects_created ON projects (created_at DESC);
-- Index strategy: containment queries (@>) on the input configuration.
CREATE INDEX idx_projects_input_config_gin ON projects USING gin (input_config);

CREATE TRIGGER projects_set_updated_at
    BEFORE UPDATE ON projects
    FOR EACH ROW EXECUTE FUNCTION video_studio_set_updated_at();

COMMENT ON TABLE projects IS 'Projects (creative units): the core table that runs through the whole creation flow; replaces creative_units and editing_projects of the full design.';
COMMENT ON COLUMN projects.id IS 'Unique project id.';
COMMENT ON COLUMN projects.user_id IS 'Id of the user who created the project.';
COMMENT ON COLUMN projects.name IS 'Project name.';
COMMENT ON COLUMN projects.description IS 'Project description.';
COMMENT ON COLUMN projects.status IS 'Status: draft, generating, editing, completed or exported.';
COMMENT ON COLUMN projects.stage IS 'Current stage: input, generating, editing or completed.';
COMMENT ON COLUMN projects.progress IS 'Progress, 0-100.';
COMMENT ON COLUMN projects.tags IS 'Tags.';
COMMENT ON COLUMN projects.input_config IS 'Input configuration (style, model, aspect ratio, duration, ...); may later be split into its own tables.';
COMMENT ON COLUMN projects.metadata IS 'Extension metadata.';
COMMENT ON COLUMN projects.started_at IS 'Start time.';
COMMENT ON COLUMN projects.completed_at IS 'Completion time.';
COMMENT ON COLUMN projects.created_at IS 'Creation time.';
COMMENT ON COLUMN projects.updated_at IS 'Last update time (maintained by trigger).';
