"""Benchmarks with their floors: ``python -m bench [--quick] [--big]`` (``make bench``).

Every ``bench/bench_*.py`` module exposes ``figures(*, users: int) -> list[Figure]``; the
harness in :mod:`bench.__main__` discovers them, prints one table and writes
``docs/benchmarks.md``.
"""
