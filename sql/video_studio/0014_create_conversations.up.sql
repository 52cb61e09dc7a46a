-- conversations: the message history between the system and the user within a project.
CREATE TABLE conversations (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    project_id          uuid        NOT NULL,
    material_package_id uuid,
    message_type        varchar(20) NOT NULL,
    message_content     text        NOT NULL,
    context_data        jsonb,
    display_order       integer     NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversations_pkey PRIMARY KEY (id),
    CONSTRAINT conversations_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT conversations_material_package_id_fkey FOREIGN KEY (material_package_id)
        REFERENCES material_packages (id) ON DELETE SET NULL,
    CONSTRAINT conversations_message_type_check CHECK (message_type IN ('system', 'user'))
);

CREATE INDEX idx_conversations_project ON conversations (project_id);
-- Foreign-key index: deleting a material package sets material_package_id to NULL here.
CREATE INDEX idx_conversations_material_package ON conversations (material_package_id);

COMMENT ON TABLE conversations IS 'Conversations: the message history between the system and the user.';
COMMENT ON COLUMN conversations.id IS 'Unique message id.';
COMMENT ON COLUMN conversations.project_id IS 'Project id.';
COMMENT ON COLUMN conversations.material_package_id IS 'Material package id; set to NULL when the package is deleted.';
COMMENT ON COLUMN conversations.message_type IS 'Type: system or user.';
COMMENT ON COLUMN conversations.message_content IS 'Message content.';
COMMENT ON COLUMN conversations.context_data IS 'Context data.';
COMMENT ON COLUMN conversations.display_order IS 'Display order.';
COMMENT ON COLUMN conversations.created_at IS 'Creation time.';
