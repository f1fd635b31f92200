"""Writes ``demo-accounts.xlsx``: the template filled with a small school, byte-for-byte the
same every time (a test checks the committed file is current)."""

from __future__ import annotations

from pathlib import Path

from plugins.csv.template import build_workbook

ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Student", ("maya.patel@demo-district.example.org", "Maya", "Patel", "", "")),
    ("Student", ("liam.oconnor@demo-district.example.org", "Liam", "O'Connor", "", "")),
    ("Student", ("sofia.garcia@demo-district.example.org", "Sofía", "García", "", "")),
    ("Student", ("noah.kim@demo-district.example.org", "Noah", "Kim", "", "")),
    ("Student", ("ava.johnson@demo-district.example.org", "Ava", "Johnson", "", "")),
    ("Student", ("ethan.nguyen@demo-district.example.org", "Ethan", "Nguyen", "", "")),
    ("Teacher", ("r.okafor@demo-district.example.org", "Rita", "Okafor", "", "")),
    ("Teacher", ("d.silva@demo-district.example.org", "Daniel", "Silva", "", "")),
    ("Admin", ("principal@demo-district.example.org", "Grace", "Whitfield", "", "")),
)


def sample_bytes() -> bytes:
    return build_workbook(ROWS)


def main() -> None:
    target = Path(__file__).with_name("demo-accounts.xlsx")
    target.write_bytes(sample_bytes())
    print(target)


if __name__ == "__main__":
    main()
