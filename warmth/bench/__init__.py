"""Benchmarks of the roster pipeline on synthetic data (``warmth bench``).

Nothing here is used by the service itself: :mod:`warmth.bench.rosters` writes
synthetic roster files, :mod:`warmth.bench.import_bench` times check, import and
registration on them in a throw-away SQLite store.
"""
