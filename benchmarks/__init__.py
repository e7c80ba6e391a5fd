"""Benchmarks of dedup: speed, memory and accuracy measured on generated and shared corpora.

Each module is a script (``python benchmarks/accuracy.py`` or ``python -m
benchmarks.accuracy`` from the checkout's root); the corpus generators and scorers are
importable by the tests as ``benchmarks.labeled``, ``benchmarks.corpus`` and the like.
"""
