-- Drop performance_metrics (its indexes and comments go with it).
DROP TABLE IF EXISTS performance_metrics;
