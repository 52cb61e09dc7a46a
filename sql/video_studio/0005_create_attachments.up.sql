-- attachments: every file uploaded to a project (images, audio, video, documents).
CREATE TABLE attachments (
    id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    project_id    uuid         NOT NULL,
    file_name     varchar(255) NOT NULL,
    file_type     varchar(50)  NOT NULL,
    file_category varchar(20)  NOT NULL,
    file_url      varchar(500) NOT NULL,
    file_size     bigint       NOT NULL,
    metadata      jsonb        DEFAULT '{}'::jsonb,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT attachments_pkey PRIMARY KEY (id),
    CONSTRAINT attachments_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT attachments_file_category_check
        CHECK (file_category IN ('image', 'audio', 'video', 'document'))
);

CREATE INDEX idx_attachments_project ON attachments (project_id);
CREATE INDEX idx_attachments_category ON attachments (file_category);

COMMENT ON TABLE attachments IS 'Attachments: all uploaded files (images, video, audio, documents).';
COMMENT ON COLUMN attachments.id IS 'Unique attachment id.';
COMMENT ON COLUMN attachments.project_id IS 'Project id.';
COMMENT ON COLUMN attachments.file_name IS 'File name.';
COMMENT ON COLUMN attachments.file_type IS 'File type.';
COMMENT ON COLUMN attachments.file_category IS 'Category: image, audio, video or document.';
COMMENT ON COLUMN attachments.file_url IS 'File URL.';
COMMENT ON COLUMN attachments.file_size IS 'File size in bytes.';
COMMENT ON COLUMN attachments.metadata IS 'Metadata (labels, purpose, ...); replaces the attachment_labels table.';
COMMENT ON COLUMN attachments.created_at IS 'Creation time.';
