-- generation_tasks: the steps of generating one material package, with their progress.
CREATE TABLE generation_tasks (
    id                  uuid         NOT NULL DEFAULT gen_random_uuid(),
    material_package_id uuid         NOT NULL,
    task_type           varchar(50)  NOT NULL,
    task_name           varchar(100) NOT NULL,
    display_order       integer      NOT NULL,
    status              varchar(20)  NOT NULL DEFAULT 'pending',
    progress            integer      DEFAULT 0,
    error_message       text,
    started_at          timestamptz,
    completed_at        timestamptz,
    created_at          timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT generation_tasks_pkey PRIMARY KEY (id),
    CONSTRAINT generation_tasks_material_package_id_fkey FOREIGN KEY (material_package_id)
        REFERENCES material_packages (id) ON DELETE CASCADE,
    CONSTRAINT generation_tasks_task_type_check
        CHECK (task_type IN ('storyline', 'artstyle', 'characters', 'scenes', 'storyboard')),
    CONSTRAINT generation_tasks_status_check
        CHECK (status IN ('pending', 'in_progress', 'completed', 'failed')),
    CONSTRAINT generation_tasks_progress_check CHECK (progress >= 0 AND progress <= 100)
);

CREATE INDEX idx_generation_tasks_package ON generation_tasks (material_package_id);
CREATE INDEX idx_generation_tasks_status ON generation_tasks (status);

COMMENT ON TABLE generation_tasks IS 'Generation tasks: tracks each step of generating a material package.';
COMMENT ON COLUMN generation_tasks.id IS 'Unique task id.';
COMMENT ON COLUMN generation_tasks.material_package_id IS 'Material package id.';
COMMENT ON COLUMN generation_tasks.task_type IS 'Task type: storyline, artstyle, characters, scenes or storyboard.';
COMMENT ON COLUMN generation_tasks.task_name IS 'Task name.';
COMMENT ON COLUMN generation_tasks.display_order IS 'Display order.';
COMMENT ON COLUMN generation_tasks.status IS 'Status: pending, in_progress, completed or failed.';
COMMENT ON COLUMN generation_tasks.progress IS 'Progress, 0-100.';
COMMENT ON COLUMN generation_tasks.error_message IS 'Error message.';
COMMENT ON COLUMN generation_tasks.started_at IS 'Start time.';
COMMENT ON COLUMN generation_tasks.completed_at IS 'Completion time.';
COMMENT ON COLUMN generation_tasks.created_at IS 'Creation time.';
