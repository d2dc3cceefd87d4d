"""Infrastructure the use cases share: CSV, PDF, xAPI and per-worker caches."""
