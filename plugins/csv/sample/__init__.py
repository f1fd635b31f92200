"""The demo's accounts spreadsheet (committed; regenerate with
``python -m plugins.csv.sample.make_sample``)."""

from __future__ import annotations

from pathlib import Path

DEMO_ACCOUNTS = Path(__file__).with_name("demo-accounts.xlsx")

__all__ = ["DEMO_ACCOUNTS"]
