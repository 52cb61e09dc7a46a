-- timeline_clips: the clips on a project's editing timeline, one per shot.
CREATE TABLE timeline_clips (
    id                  uuid          NOT NULL DEFAULT gen_random_uuid(),
    project_id          uuid          NOT NULL,
    material_package_id uuid,
    shot_number         integer       NOT NULL,
    clip_type           varchar(20)   NOT NULL,
    duration            numeric(5,2)  NOT NULL DEFAULT 5.0,
    start_time          numeric(10,2) NOT NULL DEFAULT 0,
    end_time            numeric(10,2) NOT NULL,
    description         text          NOT NULL,
    dialogue            text,
    transition          varchar(50),
    selected_image_id   uuid,
    selected_video_id   uuid,
    config              jsonb         DEFAULT '{}'::jsonb,
    created_at          timestamptz   NOT NULL DEFAULT now(),
    updated_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT timeline_clips_pkey PRIMARY KEY (id),
    CONSTRAINT timeline_clips_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT timeline_clips_material_package_id_fkey FOREIGN KEY (material_package_id)
        REFERENCES material_packages (id) ON DELETE SET NULL,
    CONSTRAINT timeline_clips_selected_image_id_fkey FOREIGN KEY (selected_image_id)
        REFERENCES candidates (id) ON DELETE SET NULL,
    CONSTRAINT timeline_clips_selected_video_id_fkey FOREIGN KEY (selected_video_id)
        REFERENCES candidates (id) ON DELETE SET NULL,
    -- Also the index strategy's "unique index on project_id + shot_number"; the design's
    -- idx_timeline_clips_shot on the same columns would duplicate it and is not created.
    CONSTRAINT timeline_clips_project_id_shot_number_key UNIQUE (project_id, shot_number),
    CONSTRAINT timeline_clips_clip_type_check CHECK (clip_type IN ('image', 'video'))
);

CREATE INDEX idx_timeline_clips_project ON timeline_clips (project_id);
-- Foreign-key indexes: deleting a material package or a candidate sets these columns to NULL.
CREATE INDEX idx_timeline_clips_material_package ON timeline_clips (material_package_id);
CREATE INDEX idx_timeline_clips_selected_image ON timeline_clips (selected_image_id);
CREATE INDEX idx_timeline_clips_selected_video ON timeline_clips (selected_video_id);

CREATE TRIGGER timeline_clips_set_updated_at
    BEFORE UPDATE ON timeline_clips
    FOR EACH ROW EXECUTE FUNCTION video_studio_set_updated_at();

COMMENT ON TABLE timeline_clips IS 'Timeline clips of the editing stage; merges timeline_clips and clip_edit_configs of the full design.';
COMMENT ON COLUMN timeline_clips.id IS 'Unique clip id.';
COMMENT ON COLUMN timeline_clips.project_id IS 'Project id.';
COMMENT ON COLUMN timeline_clips.material_package_id IS 'Material package the clip was built from; set to NULL when the package is deleted.';
COMMENT ON COLUMN timeline_clips.shot_number IS 'Shot number, unique within the project.';
COMMENT ON COLUMN timeline_clips.clip_type IS 'Type: image or video.';
COMMENT ON COLUMN timeline_clips.duration IS 'Duration in seconds.';
COMMENT ON COLUMN timeline_clips.start_time IS 'Start time in seconds.';
COMMENT ON COLUMN timeline_clips.end_time IS 'End time in seconds.';
COMMENT ON COLUMN timeline_clips.description IS 'Shot description.';
COMMENT ON COLUMN timeline_clips.dialogue IS 'Lines or narration.';
COMMENT ON COLUMN timeline_clips.transition IS 'Transition effect.';
COMMENT ON COLUMN timeline_clips.selected_image_id IS 'Selected image candidate id; set to NULL when the candidate is deleted.';
COMMENT ON COLUMN timeline_clips.selected_video_id IS 'Selected video candidate id; set to NULL when the candidate is deleted.';
COMMENT ON COLUMN timeline_clips.config IS 'Extension configuration (editing parameters such as crop and zoom).';
COMMENT ON COLUMN timeline_clips.created_at IS 'Creation time.';
COMMENT ON COLUMN timeline_clips.updated_at IS 'Last update time (maintained by trigger).';
