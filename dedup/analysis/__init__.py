"""dedup's one document at a time: normalize, detect the language, segment, shingle."""
