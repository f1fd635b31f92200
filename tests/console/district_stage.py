"""A district in the console: Ada Lovelace Elementary and a second school in Cedar Valley,
fed by one Clever district integration; Brook Middle in another district; district IT staff
users limited to each district."""

from __future__ import annotations

from dataclasses import dataclass

from hub import districts, integrations, runs, schools
from hub.context import Hub
from hub.models import School
from hub.staff import add_staff
from tests.console.conftest import Console


@dataclass
class DistrictStage:
    district: str
    other_district: str
    second_school: str
    integration: str
    run: str
    staff: tuple[str, str]


@dataclass
class Districts:
    district: str
    other_district: str
    second_school: str
    staff: tuple[str, str]
    other_staff: tuple[str, str]


def build_districts(hub: Hub, console: Console) -> Districts:
    """Cedar Valley (Ada Lovelace Elementary, Cedar Ridge Middle) and Other District (Brook
    Middle), each with a district IT staff user of its own; no district integration yet."""
    from sqlalchemy import update

    cedar = districts.create_district(hub, name="Cedar Valley", actor="test")
    other = districts.create_district(hub, name="Other District", actor="test")
    with hub.transaction() as session:
        for school, where in ((console.school_a, cedar.id), (console.school_b, other.id)):
            session.execute(
                update(School).where(School.id == school).values(district_id=where)  # type: ignore[arg-type]
            )
    second = schools.create_school(hub, name="Cedar Ridge Middle", district_id=cedar.id, actor="t")
    staff, password = add_staff(
        hub, email="it@cedar.example.org", role="district_it", district_id=cedar.id, actor="t"
    )
    outsider, outsider_password = add_staff(
        hub, email="it@other.example.org", role="district_it", district_id=other.id, actor="t"
    )
    return Districts(
        district=cedar.id,
        other_district=other.id,
        second_school=second.id,
        staff=(staff.email, password),
        other_staff=(outsider.email, outsider_password),
    )


def build_district(hub: Hub, console: Console, clever_url: str, token: str) -> DistrictStage:
    made = build_districts(hub, console)
    integration = integrations.create_integration(
        hub,
        district_id=made.district,
        provider="clever",
        settings={"base_url": clever_url},
        secrets={"token": token},
        actor="test",
    )
    check = integrations.check_integration(hub, integration.id)
    ids = [s["id"] for s in check["sources"]]
    for school_id, clever_id in ((console.school_a, ids[0]), (made.second_school, ids[1])):
        districts.link_school(
            hub,
            integration.id,
            school=schools.get_school(hub, school_id),
            settings={"schools": clever_id},
            actor="test",
        )
    run = runs.submit(hub, runs.RunRequest(integration.id, actor="test"), here=True).run
    assert run.status == "succeeded", run.error
    return DistrictStage(
        district=made.district,
        other_district=made.other_district,
        second_school=made.second_school,
        integration=integration.id,
        run=run.id,
        staff=made.staff,
    )
