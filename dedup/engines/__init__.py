"""dedup's the scan's order of stages, run on a local process pool or on Spark."""
