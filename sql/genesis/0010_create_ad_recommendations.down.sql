-- Drop ad_recommendations (its indexes and comments go with it).
DROP TABLE IF EXISTS ad_recommendations;
