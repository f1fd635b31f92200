"""Building a district in the hub: schools, a district integration and its links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from hub import accounts, districts, integrations, runs, schools
from hub.context import Hub
from hub.models import Account, Run


def make_district(hub: Hub, *names: str) -> tuple[str, list[str]]:
    """A district with a school of each name: (district id, school ids)."""
    district = districts.create_district(hub, name="Cedar Valley Unified", actor="test")
    made = [
        schools.create_school(hub, name=name, district_id=district.id, actor="test").id
        for name in names
    ]
    return district.id, made


def connect(
    hub: Hub,
    district_id: str,
    provider: str,
    settings: dict[str, str],
    secrets: dict[str, str],
    links: dict[str, dict[str, str]],
) -> str:
    integration = integrations.create_integration(
        hub,
        district_id=district_id,
        provider=provider,
        settings=settings,
        secrets=secrets,
        actor="test",
    )
    for school_id, chosen in links.items():
        school = schools.get_school(hub, school_id)
        districts.link_school(hub, integration.id, school=school, settings=chosen, actor="test")
    return integration.id


def sync(hub: Hub, integration_id: str, **options: Any) -> Run:
    request = runs.RunRequest(integration_id=integration_id, actor="test", **options)
    return runs.submit(hub, request, here=True).run


def emails(hub: Hub, school_id: str, **options: Any) -> dict[str, list[str]]:
    return {
        a["email"]: a["roles"] for a in accounts.list_accounts(hub, school_id=school_id, **options)
    }


def account_count(hub: Hub) -> int:
    with hub.session() as session:
        return int(session.execute(select(func.count()).select_from(Account)).scalar_one())


def run_doc(hub: Hub, run: Run) -> dict[str, Any]:
    return runs.run_json(hub, run)
