"""dedup's records, errors, parameters and the compiled kernels every stage shares."""
