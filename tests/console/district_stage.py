"""A district in the console: Ada Lovelace Elementary and a second school in Cedar Valley,
fed by one Clever district integration; Brook Middle in another district; a district IT staff
user limited to Cedar Valley."""

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


def build_district(hub: Hub, console: Console, clever_url: str, token: str) -> DistrictStage:
    from sqlalchemy import update

    cedar = districts.create_district(hub, name="Cedar Valley", actor="test")
    other = districts.create_district(hub, name="Other District", actor="test")
    with hub.transaction() as session:
        for school, where in ((console.school_a, cedar.id), (console.school_b, other.id)):
            session.execute(
                update(School).where(School.id == school).values(district_id=where)  # type: ignore[arg-type]
            )
    second = schools.create_school(hub, name="Cedar Ridge Middle", district_id=cedar.id, actor="t")
    integration = integrations.create_integration(
        hub,
        district_id=cedar.id,
        provider="clever",
        settings={"base_url": clever_url},
        secrets={"token": token},
        actor="test",
    )
    check = integrations.check_integration(hub, integration.id)
    ids = [s["id"] for s in check["sources"]]
    for school_id, clever_id in ((console.school_a, ids[0]), (second.id, ids[1])):
        districts.link_school(
            hub,
            integration.id,
            school=schools.get_school(hub, school_id),
            settings={"schools": clever_id},
            actor="test",
        )
    run = runs.submit(hub, runs.RunRequest(integration.id, actor="test"), here=True).run
    assert run.status == "succeeded", run.error
    staff, password = add_staff(
        hub, email="it@cedar.example.org", role="district_it", district_id=cedar.id, actor="t"
    )
    return DistrictStage(
        district=cedar.id,
        other_district=other.id,
        second_school=second.id,
        integration=integration.id,
        run=run.id,
        staff=(staff.email, password),
    )
