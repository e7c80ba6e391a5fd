"""dedup's what is built on a scan: the persistent index, overlap against a reference, dedupe."""
