"""dedup's pair, document, source and corpus scores; direction and story families."""
