"""The ``dedup`` commands behind :mod:`dedup.cli`: argument parsing, settings, each command.

Modules here import the library's heavy parts (numpy, scikit-learn, numba kernels, rich)
only inside the functions that run a command, so that ``dedup --help`` answers at once.
"""
