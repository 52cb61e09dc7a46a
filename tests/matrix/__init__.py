"""Other PostgreSQL versions for the tests: throwaway clusters and the version-matrix runs."""
