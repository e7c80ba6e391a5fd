"""dedup's reading corpora (files, folders, JSON lines, CSV, Parquet, HTML) and writing outputs."""
