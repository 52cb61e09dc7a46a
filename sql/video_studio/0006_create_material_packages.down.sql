-- Drops material_packages (with its indexes and comments).
DROP TABLE IF EXISTS material_packages;
