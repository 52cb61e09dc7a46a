-- schemactl:idempotent
-- image_generation_tasks: one row per generated image (one Celery task), with its own
-- parameters, status and output paths.
CREATE TABLE IF NOT EXISTS image_generation_tasks (
    task_id               text             NOT NULL,
    batch_id              uuid             NOT NULL,
    batch_index           integer          NOT NULL,
    seed                  bigint,
    status                text             NOT NULL,
    error_code            text,
    error_hint            text,
    error_message         text,
    prompt                text             NOT NULL,
    negative_prompt       text,
    width                 integer          NOT NULL,
    height                integer          NOT NULL,
    num_inference_steps   integer          NOT NULL,
    guidance_scale        double precision NOT NULL,
    cfg_normalization     boolean,
    cfg_truncation        double precision,
    max_sequence_length   integer,
    created_at            timestamptz      NOT NULL DEFAULT now(),
    finished_at           timestamptz,
    image_id              text,
    output_path           text,
    preview_path          text,
    relative_path         text,
    preview_relative_path text,
    metadata              jsonb,
    CONSTRAINT image_generation_tasks_pkey PRIMARY KEY (task_id),
    CONSTRAINT image_generation_tasks_batch_id_fkey FOREIGN KEY (batch_id)
        REFERENCES image_generation_batches (id) ON DELETE CASCADE,
    CONSTRAINT image_generation_tasks_status_check
        CHECK (status IN ('pending', 'running', 'success', 'error', 'cancelled')),
    CONSTRAINT image_generation_tasks_batch_index_check CHECK (batch_index >= 0)
);

-- All images of a batch in order; also serves the foreign key (cascade from batches).
CREATE INDEX IF NOT EXISTS idx_image_generation_tasks_batch
    ON image_generation_tasks (batch_id, batch_index);
-- Counts by status.
CREATE INDEX IF NOT EXISTS idx_image_generation_tasks_status
    ON image_generation_tasks (status);

COMMENT ON TABLE image_generation_tasks IS 'Generation tasks: one row per generated image, i.e. one Celery task. The worker updates this table and the batch aggregates when a task starts, succeeds or fails.';
COMMENT ON COLUMN image_generation_tasks.task_id IS 'Celery task id.';
COMMENT ON COLUMN image_generation_tasks.batch_id IS 'The batch the image belongs to; deleting the batch deletes its tasks.';
COMMENT ON COLUMN image_generation_tasks.batch_index IS 'Position in the batch (0, 1, 2, ...).';
COMMENT ON COLUMN image_generation_tasks.seed IS 'The random seed actually used.';
COMMENT ON COLUMN image_generation_tasks.status IS 'Status: pending, running, success, error or cancelled.';
COMMENT ON COLUMN image_generation_tasks.error_code IS 'Error code.';
COMMENT ON COLUMN image_generation_tasks.error_hint IS 'Error hint.';
COMMENT ON COLUMN image_generation_tasks.error_message IS 'Error message.';
COMMENT ON COLUMN image_generation_tasks.prompt IS 'Prompt.';
COMMENT ON COLUMN image_generation_tasks.negative_prompt IS 'Negative prompt.';
COMMENT ON COLUMN image_generation_tasks.width IS 'Image width in pixels.';
COMMENT ON COLUMN image_generation_tasks.height IS 'Image height in pixels.';
COMMENT ON COLUMN image_generation_tasks.num_inference_steps IS 'Number of inference steps.';
COMMENT ON COLUMN image_generation_tasks.guidance_scale IS 'Guidance scale.';
COMMENT ON COLUMN image_generation_tasks.cfg_normalization IS 'CFG normalization switch.';
COMMENT ON COLUMN image_generation_tasks.cfg_truncation IS 'CFG truncation.';
COMMENT ON COLUMN image_generation_tasks.max_sequence_length IS 'Maximum sequence length.';
COMMENT ON COLUMN image_generation_tasks.created_at IS 'Creation time.';
COMMENT ON COLUMN image_generation_tasks.finished_at IS 'Finish time.';
COMMENT ON COLUMN image_generation_tasks.image_id IS 'Image id.';
COMMENT ON COLUMN image_generation_tasks.output_path IS 'Output path of the image.';
COMMENT ON COLUMN image_generation_tasks.preview_path IS 'Path of the preview image.';
COMMENT ON COLUMN image_generation_tasks.relative_path IS 'Relative path of the image.';
COMMENT ON COLUMN image_generation_tasks.preview_relative_path IS 'Relative path of the preview image.';
COMMENT ON COLUMN image_generation_tasks.metadata IS 'Raw metadata from the worker.';
