"""A school with teachers, an admin and students, for the rooms tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hub import accounts
from hub.context import Hub
from hub.schools import create_school

TEACHER = "tess@ada.example.org"
TEACHER_2 = "theo@ada.example.org"
ADMIN = "ada@ada.example.org"
STUDENT = "sam@ada.example.org"
OTHER_TEACHER = "olga@brook.example.org"


@dataclass
class School:
    hub: Hub
    id: str
    other: str


@pytest.fixture
def school(hub: Hub) -> School:
    ada = create_school(hub, name="Ada High", actor="t")
    brook = create_school(hub, name="Brook Middle", actor="t")
    for email, role in (
        (TEACHER, "teacher"),
        (TEACHER_2, "teacher"),
        (ADMIN, "admin"),
        (STUDENT, "student"),
    ):
        accounts.add_manual_account(
            hub,
            school_id=ada.id,
            email=email,
            first_name="F",
            last_name="L",
            roles=[role],
            actor="t",
        )
    accounts.add_manual_account(
        hub,
        school_id=brook.id,
        email=OTHER_TEACHER,
        first_name="O",
        last_name="B",
        roles=["teacher"],
        actor="t",
    )
    return School(hub, ada.id, brook.id)
