-- candidates: every generated alternative (image, video, voice, music) for a character, scene, clip or the BGM.
CREATE TABLE candidates (
    id                  uuid         NOT NULL DEFAULT gen_random_uuid(),
    project_id          uuid         NOT NULL,
    material_package_id uuid,
    target_type         varchar(20)  NOT NULL,
    target_id           varchar(50)  NOT NULL,
    candidate_type      varchar(20)  NOT NULL,
    content_url         varchar(500) NOT NULL,
    thumbnail_url       varchar(500),
    prompt              text,
    metadata            jsonb        DEFAULT '{}'::jsonb,
    is_selected         boolean      NOT NULL DEFAULT false,
    generation_order    integer      NOT NULL,
    created_at          timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT candidates_pkey PRIMARY KEY (id),
    CONSTRAINT candidates_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT candidates_material_package_id_fkey FOREIGN KEY (material_package_id)
        REFERENCES material_packages (id) ON DELETE SET NULL,
    CONSTRAINT candidates_target_type_check
        CHECK (target_type IN ('character', 'scene', 'clip', 'bgm')),
    CONSTRAINT candidates_candidate_type_check
        CHECK (candidate_type IN ('image', 'video', 'voice', 'music'))
);

CREATE INDEX idx_candidates_project ON candidates (project_id);
CREATE INDEX idx_candidates_target ON candidates (target_type, target_id);
CREATE INDEX idx_candidates_selected ON candidates (is_selected);
-- Index strategy: one element's candidates within a project.
CREATE INDEX idx_candidates_project_target ON candidates (project_id, target_type, target_id);
-- Foreign-key index: deleting a material package sets material_package_id to NULL here.
CREATE INDEX idx_candidates_material_package ON candidates (material_package_id);

COMMENT ON TABLE candidates IS 'Candidates: all generated alternatives (images, videos, voices, music) in one table; replaces character_image_candidates, character_voice_candidates, scene_image_candidates, clip_image_candidates, clip_video_candidates and bgm_candidates.';
COMMENT ON COLUMN candidates.id IS 'Unique candidate id.';
COMMENT ON COLUMN candidates.project_id IS 'Project id.';
COMMENT ON COLUMN candidates.material_package_id IS 'Material package id; set to NULL when the package is deleted.';
COMMENT ON COLUMN candidates.target_type IS 'Target type: character, scene, clip or bgm.';
COMMENT ON COLUMN candidates.target_id IS 'Id of the target element (an id inside material_packages.materials, or a clip).';
COMMENT ON COLUMN candidates.candidate_type IS 'Candidate type: image, video, voice or music.';
COMMENT ON COLUMN candidates.content_url IS 'Content URL.';
COMMENT ON COLUMN candidates.thumbnail_url IS 'Thumbnail URL.';
COMMENT ON COLUMN candidates.prompt IS 'Generation prompt.';
COMMENT ON COLUMN candidates.metadata IS 'Extension data (duration, voice parameters, ...).';
COMMENT ON COLUMN candidates.is_selected IS 'Whether this candidate is selected.';
COMMENT ON COLUMN candidates.generation_order IS 'Generation order.';
COMMENT ON COLUMN candidates.created_at IS 'Creation time.';
