"""dedup's candidate pairs: MinHash, LSH, passage features, boilerplate, evidence."""
