-- material_packages: each generated version of a project's materials (story, characters, scenes, storyboards).
CREATE TABLE material_packages (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    project_id   uuid        NOT NULL,
    version      integer     NOT NULL DEFAULT 1,
    status       varchar(20) NOT NULL DEFAULT 'generating',
    is_active    boolean     NOT NULL DEFAULT false,
    summary      text,
    materials    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    generated_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT material_packages_pkey PRIMARY KEY (id),
    CONSTRAINT material_packages_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT material_packages_project_id_version_key UNIQUE (project_id, version),
    CONSTRAINT material_packages_status_check
        CHECK (status IN ('generating', 'completed', 'failed'))
);

CREATE INDEX idx_material_packages_project ON material_packages (project_id);
CREATE INDEX idx_material_packages_active ON material_packages (is_active);
-- Index strategy: a project's active version.
CREATE INDEX idx_material_packages_project_active ON material_packages (project_id, is_active);
-- Index strategy: containment queries (@>) on the generated materials.
CREATE INDEX idx_material_packages_materials_gin ON material_packages USING gin (materials);

COMMENT ON TABLE material_packages IS 'Material packages: one row per generated version of a project''s materials (story, characters, scenes, storyboards).';
COMMENT ON COLUMN material_packages.id IS 'Unique material package id.';
COMMENT ON COLUMN material_packages.project_id IS 'Project id.';
COMMENT ON COLUMN material_packages.version IS 'Version number, unique within the project.';
COMMENT ON COLUMN material_packages.status IS 'Status: generating, completed or failed.';
COMMENT ON COLUMN material_packages.is_active IS 'Whether this is the currently active version.';
COMMENT ON COLUMN material_packages.summary IS 'Generation summary.';
COMMENT ON COLUMN material_packages.materials IS 'Material data (the core): storyline, art_style, characters, scenes, storyboards, generation task progress; may later be split into its own tables.';
COMMENT ON COLUMN material_packages.generated_at IS 'When generation finished.';
COMMENT ON COLUMN material_packages.created_at IS 'Creation time.';
