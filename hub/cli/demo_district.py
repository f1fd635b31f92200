"""The demo's district: one district integration feeding two schools from one read of a
provider sandbox (Clever's, when installed), linked the way district IT links them: from the
sources ``integration check`` lists."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from hub import districts, integrations, runs, schools
from hub.cli.output import one_line, table
from hub.context import Hub
from hub.errors import UsageError
from hub.models import District, School
from hub.provider import Provider
from hub.run_status import COUNT_KEYS, FAILED
from hub.testing import LoopbackServer

ACTOR = "demo"
DISTRICT = "Demo District"
SCHOOLS = ("Demo District North School", "Demo District South School")
PREFERRED = "clever"


def district_provider(hub: Hub) -> type[Provider] | None:
    """The provider the demo connects a district with: Clever when installed, else the first
    one with a single per-school setting and a sandbox."""
    candidates = [p for p in hub.registry if len(p.link_keys) == 1]
    candidates.sort(key=lambda p: p.name != PREFERRED)
    for provider in candidates:
        if provider.sandbox(seed=0) is not None:
            return provider
    return None


def demo_district(hub: Hub, log: Any) -> dict[str, Any] | None:
    provider = district_provider(hub)
    if provider is None:
        return None
    entry: dict[str, Any] = {
        "provider": provider.name,
        "district": None,
        "integration_id": None,
        "schools": [],
        "run": None,
        "error": None,
    }
    sandbox = provider.sandbox(seed=0)
    assert sandbox is not None
    server = LoopbackServer(sandbox.app).start()
    try:
        district = _district(hub)
        entry["district"] = {"id": district.id, "name": district.name}
        fed = [_school(hub, name, district) for name in SCHOOLS]
        settings = {
            k: v for k, v in sandbox.settings(server.url).items() if k not in provider.link_keys
        }
        existing = [
            i
            for i in integrations.list_integrations(hub, district_id=district.id)
            if i.provider == provider.name and i.district_id == district.id
        ]
        if existing:
            integration = integrations.update_integration(
                hub, existing[0].id, settings=settings, secrets=dict(sandbox.secrets), actor=ACTOR
            )
        else:
            integration = integrations.create_integration(
                hub,
                district_id=district.id,
                provider=provider.name,
                settings=settings,
                secrets=dict(sandbox.secrets),
                actor=ACTOR,
            )
        entry["integration_id"] = integration.id
        check = integrations.check_integration(hub, integration.id)
        sources = [s for s in check["sources"] if s.get("kind") in ("school", "org")]
        if len(sources) < len(fed):
            msg = f"{provider.title} shows {len(sources)} school(s); the demo links {len(fed)}"
            raise UsageError(msg)
        key = provider.link_keys[0]
        for school, source in zip(fed, sources, strict=False):
            districts.link_school(
                hub, integration.id, school=school, settings={key: source["id"]}, actor=ACTOR
            )
            entry["schools"].append({"id": school.id, "name": school.name, key: source["id"]})
            log(f"district: {school.name} <- {provider.title} {source['name']}")
        log(f"district: syncing {district.name} ({integration.id}), one read for both schools")
        request = runs.RunRequest(integration.id, trigger="manual", actor=ACTOR)
        run = runs.submit(hub, request, here=True).run
        doc = runs.run_json(hub, run)
        doc.pop("issues")
        entry["run"] = doc
        if doc["status"] == FAILED:
            entry["error"] = f"run failed: {doc['error']}"
        log(f"district: run {doc['id']} {doc['status']}")
    except Exception as exc:  # noqa: BLE001 - reported like the other demo steps
        entry["error"] = one_line(str(exc)) or type(exc).__name__
        log(f"district: failed: {entry['error']}")
    finally:
        server.stop()
    return entry


def _district(hub: Hub) -> District:
    try:
        return districts.resolve_district(hub, DISTRICT)
    except UsageError:
        return districts.create_district(hub, name=DISTRICT, actor=ACTOR)


def _school(hub: Hub, name: str, district: District) -> School:
    try:
        return schools.resolve_school(hub, name)
    except UsageError:
        return schools.create_school(hub, name=name, district_id=district.id, actor=ACTOR)


def render_district(console: Console, entry: dict[str, Any] | None) -> None:
    if entry is None:
        return
    name = entry["district"]["name"] if entry["district"] else DISTRICT
    console.print(f"\n[bold]{escape(name)}[/bold] ({entry['provider']}, one district integration)")
    run = entry["run"]
    if run is not None:
        console.print(f"run {run['id']}: {run['status']}", markup=False)
        names = {s["id"]: s["name"] for s in entry["schools"]}
        rows = [
            [names.get(school, school)] + [counts.get(k, 0) for k in COUNT_KEYS]
            for school, counts in (run.get("schools") or {}).items()
        ]
        console.print(table(None, ["school", *COUNT_KEYS], rows))
    if entry["error"]:
        console.print(f"[bold red]failed:[/bold red] {entry['error']}", highlight=False)
