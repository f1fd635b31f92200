"""A dry run and a preview do only what they report: no password generated, nothing hashed,
no thread pool started when there is nothing to check (calls counted on the real functions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from hub import uploads
from hub.context import Hub
from hub.models import School
from hub.schools import create_school
from hub.uploads import password_work
from plugins.csv.template import build_workbook


@pytest.fixture
def north(hub: Hub) -> School:
    return create_school(hub, name="North High", actor="test")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counted: Counter[str] = Counter()

    def counting(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return real(*args, **kwargs)

        return wrapper

    for name in (
        "generate_password",
        "hash_password",
        "hash_generated_password",
        "verify_password",
    ):
        monkeypatch.setattr(password_work, name, counting(name, getattr(password_work, name)))
    monkeypatch.setattr(
        password_work,
        "ThreadPoolExecutor",
        counting("ThreadPoolExecutor", password_work.ThreadPoolExecutor),
    )
    return counted


def people(count: int) -> bytes:
    """New people: a third with a blank password, a third numeric, a third text."""
    rows = []
    for n in range(count):
        password = ("", f"{40_000_000 + n}", f"pass-word-{n}")[n % 3]
        sheet = ("Student", "Teacher", "Admin")[n % 3]
        rows.append((sheet, (f"p{n}@example.org", f"First{n}", f"Last{n}", password, "")))
    return build_workbook(tuple(rows))


def test_a_dry_run_of_new_people_generates_and_hashes_nothing(
    hub: Hub, north: School, calls: Counter[str]
) -> None:
    outcome = uploads.process_upload(
        hub, school_id=north.id, filename="f.xlsx", content=people(30), dry_run=True, actor="ann"
    )
    assert outcome.result["status"] == "dry_run"
    assert outcome.result["counts"] == {
        "created": 30,
        "updated": 0,
        "unchanged": 0,
        "passwords_generated": 10,
    }
    assert outcome.credentials_csv is None
    assert calls == Counter()


def test_a_preview_generates_and_hashes_nothing_and_confirming_does(
    hub: Hub, north: School, calls: Counter[str]
) -> None:
    preview = uploads.preview_upload(
        hub, school_id=north.id, filename="f.xlsx", content=people(12), actor="ann"
    )
    assert preview.result["counts"]["passwords_generated"] == 4
    assert calls == Counter()
    applied = uploads.confirm_upload(hub, upload_id=preview.upload_id, actor="ann")
    assert applied.result["status"] == "applied"
    assert calls["generate_password"] == 4
    assert calls["hash_password"] == 8  # the passwords people chose: full parameters
    assert calls["hash_generated_password"] == 4  # the generated ones: the lighter ones
    assert calls["ThreadPoolExecutor"] == 1


def test_a_dry_run_only_checks_given_passwords_of_existing_accounts(
    hub: Hub, north: School, calls: Counter[str]
) -> None:
    content = people(6)
    uploads.process_upload(
        hub, school_id=north.id, filename="f.xlsx", content=content, dry_run=False, actor="ann"
    )
    calls.clear()
    again = uploads.process_upload(
        hub, school_id=north.id, filename="f.xlsx", content=content, dry_run=True, actor="ann"
    )
    assert again.result["counts"]["unchanged"] == 6
    # Four rows carry a password: checking them against the stored hash decides "unchanged".
    assert calls["verify_password"] == 4
    assert calls["hash_password"] == calls["generate_password"] == 0
    assert calls["hash_generated_password"] == 0
