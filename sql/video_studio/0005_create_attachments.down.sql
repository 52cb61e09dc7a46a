-- Drops attachments (with its indexes and comments).
DROP TABLE IF EXISTS attachments;
