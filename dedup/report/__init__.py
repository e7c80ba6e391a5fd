"""Renderers of a :class:`~dedup.records.ScanResult`: terminal, JSON/CSV, HTML."""
