"""The Clever benchmark still measures what it claims (a tiny district, so it stays fast)."""

from __future__ import annotations

from bench import bench_clever


def test_figures_measure_both_sides() -> None:
    (figure,) = bench_clever.figures(users=300)
    assert "300 users via Clever sandbox over loopback HTTP" in figure.name
    assert figure.seconds > 0 and figure.floor_seconds > 0
    assert figure.target_ratio == 2.0
