-- export_tasks: video export jobs of a project, with their export configuration.
CREATE TABLE export_tasks (
    id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    project_id    uuid         NOT NULL,
    task_name     varchar(200) NOT NULL,
    status        varchar(20)  NOT NULL DEFAULT 'pending',
    progress      integer      DEFAULT 0,
    export_config jsonb        NOT NULL DEFAULT '{}'::jsonb,
    error_message text,
    started_at    timestamptz,
    completed_at  timestamptz,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT export_tasks_pkey PRIMARY KEY (id),
    CONSTRAINT export_tasks_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT export_tasks_status_check
        CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT export_tasks_progress_check CHECK (progress >= 0 AND progress <= 100)
);

CREATE INDEX idx_export_tasks_project ON export_tasks (project_id);
CREATE INDEX idx_export_tasks_status ON export_tasks (status);
CREATE INDEX idx_export_tasks_created ON export_tasks (created_at DESC);

CREATE TRIGGER export_tasks_set_updated_at
    BEFORE UPDATE ON export_tasks
    FOR EACH ROW EXECUTE FUNCTION video_studio_set_updated_at();

COMMENT ON TABLE export_tasks IS 'Export tasks: video export jobs.';
COMMENT ON COLUMN export_tasks.id IS 'Unique export task id.';
COMMENT ON COLUMN export_tasks.project_id IS 'Project id.';
COMMENT ON COLUMN export_tasks.task_name IS 'Task name.';
COMMENT ON COLUMN export_tasks.status IS 'Status: pending, processing, completed or failed.';
COMMENT ON COLUMN export_tasks.progress IS 'Progress, 0-100.';
COMMENT ON COLUMN export_tasks.export_config IS 'Export configuration (resolution, width, height, format, aspect_ratio, fps, subtitle, cover); merges export_configs, subtitle_export_configs and cover_configs.';
COMMENT ON COLUMN export_tasks.error_message IS 'Error message.';
COMMENT ON COLUMN export_tasks.started_at IS 'Start time.';
COMMENT ON COLUMN export_tasks.completed_at IS 'Completion time.';
COMMENT ON COLUMN export_tasks.created_at IS 'Creation time.';
COMMENT ON COLUMN export_tasks.updated_at IS 'Last update time (maintained by trigger).';
