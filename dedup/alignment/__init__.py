"""dedup's aligning candidate pairs into matches with exact offsets, and verifying them."""
