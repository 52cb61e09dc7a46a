-- Drops export_files (with its index and comments).
DROP TABLE IF EXISTS export_files;
