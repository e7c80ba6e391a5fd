"""Renderers of a :class:`~dedup.core.records.ScanResult`: terminal, JSON/CSV, HTML."""
