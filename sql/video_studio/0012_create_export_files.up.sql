-- export_files: the files an export task produced (video, audio, subtitles, cover).
CREATE TABLE export_files (
    id             uuid          NOT NULL DEFAULT gen_random_uuid(),
    export_task_id uuid          NOT NULL,
    file_type      varchar(20)   NOT NULL,
    file_name      varchar(255)  NOT NULL,
    file_url       varchar(500)  NOT NULL,
    file_size      bigint        NOT NULL,
    duration       numeric(10,2),
    metadata       jsonb         DEFAULT '{}'::jsonb,
    download_count integer       NOT NULL DEFAULT 0,
    expires_at     timestamptz,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT export_files_pkey PRIMARY KEY (id),
    CONSTRAINT export_files_export_task_id_fkey FOREIGN KEY (export_task_id)
        REFERENCES export_tasks (id) ON DELETE CASCADE,
    CONSTRAINT export_files_file_type_check
        CHECK (file_type IN ('video', 'audio', 'subtitle', 'cover'))
);

CREATE INDEX idx_export_files_task ON export_files (export_task_id);

COMMENT ON TABLE export_files IS 'Export files: the files produced by an export.';
COMMENT ON COLUMN export_files.id IS 'Unique file id.';
COMMENT ON COLUMN export_files.export_task_id IS 'Export task id.';
COMMENT ON COLUMN export_files.file_type IS 'Type: video, audio, subtitle or cover.';
COMMENT ON COLUMN export_files.file_name IS 'File name.';
COMMENT ON COLUMN export_files.file_url IS 'File URL.';
COMMENT ON COLUMN export_files.file_size IS 'File size in bytes.';
COMMENT ON COLUMN export_files.duration IS 'Duration in seconds.';
COMMENT ON COLUMN export_files.metadata IS 'Extension information (for example subtitle contents).';
COMMENT ON COLUMN export_files.download_count IS 'Number of downloads.';
COMMENT ON COLUMN export_files.expires_at IS 'Expiry time.';
COMMENT ON COLUMN export_files.created_at IS 'Creation time.';
