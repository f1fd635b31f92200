"""``rosterhub demo``: the main job, end to end, on whatever database the environment names
(by default a SQLite file in the working directory).

For every installed provider that ships a sandbox, the sandbox is started on loopback, a demo
school is connected to it and synced; then the bundled sample spreadsheet is imported into a
spreadsheet school. Running it again reuses the schools and integrations (pointing them at the
new sandbox address), so a second run shows an unchanged sync. One provider failing is
reported and the others go on.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url

from hub import accounts, demo_console, integrations, run_status, runs, schools
from hub.cli.accounts import UPLOAD_COUNT_KEYS, import_spreadsheet
from hub.cli.demo_district import demo_district, render_district
from hub.cli.output import one_line, table
from hub.context import Hub
from hub.errors import UsageError
from hub.models import School
from hub.provider import Provider
from hub.run_status import COUNT_KEYS
from hub.testing import LoopbackServer
from hub.uploads import upload_format

ACTOR = "demo"
SPREADSHEET_SCHOOL = "Demo Spreadsheet School"
ACCOUNTS_SHOWN = 5

Log = Callable[[str], None]


def _console_app(hub: Hub) -> Any:
    """The app ``rosterhub serve`` serves, without its worker (the demo runs the syncs).
    Loaded by name, like the other service commands, so the CLI stays off the service's
    import path until it is needed."""
    build_app = importlib.import_module("hub.server").build_app
    return build_app(hub, worker=False, scheduler=False)


def school_name(provider: type[Provider]) -> str:
    return f"Demo {provider.title} School"


def run_demo(hub: Hub, *, log: Log = print, workdir: Path | None = None) -> dict[str, Any]:
    """Run the demo and return its summary (the ``--json`` document). ``workdir`` is where the
    credentials file of the spreadsheet import goes (default: the current directory)."""
    report: dict[str, Any] = {
        "database": make_url(hub.settings.database_url).render_as_string(hide_password=True),
        "providers": [],
        "district": None,
        "spreadsheet": None,
        "console": None,
        "ok": True,
    }
    person = demo_console.district_it(hub)
    for provider in hub.registry:
        try:
            sandbox = provider.sandbox(seed=0)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not stop the demo
            report["providers"].append(_failure(provider, f"sandbox: {one_line(str(exc))}"))
            log(f"{provider.name}: cannot build its sandbox: {one_line(str(exc))}")
            continue
        if sandbox is None:
            continue
        log(f"{provider.name}: starting the {provider.title} sandbox")
        report["providers"].append(_demo_provider(hub, provider, sandbox, log, person))
    report["district"] = demo_district(hub, log)
    report["spreadsheet"] = _demo_spreadsheet(hub, log, workdir or Path.cwd())
    admin = demo_console.school_admin(hub, _school(hub, SPREADSHEET_SCHOOL))
    report["console"] = {"url": hub.settings.console_url, "people": [person, admin]}
    entries = [*report["providers"], report["spreadsheet"]]
    if report["district"] is not None:
        entries.append(report["district"])
    report["ok"] = all(entry["error"] is None for entry in entries)
    return report


def _failure(provider: type[Provider], error: str) -> dict[str, Any]:
    return {
        "provider": provider.name,
        "title": provider.title,
        "school": None,
        "integration_id": None,
        "run": None,
        "issues": 0,
        "accounts": [],
        "accounts_total": 0,
        "error": error,
    }


def _school(hub: Hub, name: str) -> School:
    try:
        return schools.resolve_school(hub, name)
    except UsageError:
        return schools.create_school(hub, name=name, actor=ACTOR)


def _demo_provider(
    hub: Hub, provider: type[Provider], sandbox: Any, log: Log, person: dict[str, str]
) -> dict[str, Any]:
    entry = _failure(provider, "")
    server: LoopbackServer | None = None
    try:
        server = LoopbackServer(sandbox.app).start()
        school = _school(hub, school_name(provider))
        entry["school"] = schools.school_json(school)
        settings = dict(sandbox.settings(server.url))
        secrets = dict(sandbox.secrets)
        existing = [
            i
            for i in integrations.list_integrations(hub, school_id=school.id)
            if i.provider == provider.name
        ]
        google = demo_console.consent_capable(sandbox.app)
        if google is not None:  # the way district IT does it: the consent page, then the OUs
            log(f"{provider.name}: signing in on the Google consent page as the sync admin")
            connected = demo_console.connect_google(
                hub,
                google=google,
                sandbox_url=server.url,
                school_id=school.id,
                person=person,
                existing=existing[0].id if existing else None,
                app_for=_console_app,
            )
            chosen = {k: v for k, v in settings.items() if k != "api_endpoint"}
            integration = integrations.update_integration(
                hub, connected, settings=chosen, actor=ACTOR
            )
        elif existing:
            integration = integrations.update_integration(
                hub, existing[0].id, settings=settings, secrets=secrets, actor=ACTOR
            )
        else:
            integration = integrations.create_integration(
                hub,
                school_id=school.id,
                provider=provider.name,
                settings=settings,
                secrets=secrets,
                actor=ACTOR,
            )
        entry["integration_id"] = integration.id
        log(f"{provider.name}: syncing {school.name} ({integration.id})")
        request = runs.RunRequest(integration.id, trigger="manual", actor=ACTOR)
        run = runs.submit(hub, request, here=True).run
        doc = runs.run_json(hub, run)
        entry["issues"] = len(doc.pop("issues"))
        entry["run"] = doc
        listed = accounts.list_accounts(hub, school_id=school.id)
        entry["accounts_total"] = len(listed)
        entry["accounts"] = listed[:ACCOUNTS_SHOWN]
        entry["error"] = (
            None if doc["status"] != run_status.FAILED else f"run failed: {doc['error']}"
        )
        log(f"{provider.name}: run {doc['id']} {doc['status']}")
    except Exception as exc:  # noqa: BLE001 - reported, and the next provider goes on
        entry["error"] = one_line(str(exc)) or type(exc).__name__
        log(f"{provider.name}: failed: {entry['error']}")
    finally:
        if server is not None:
            server.stop()
    return entry


def sample_spreadsheet(hub: Hub) -> tuple[str, bytes]:
    """The sample that ships with the upload format (the spreadsheet plugin's), or a small
    .csv made here if this installation lacks it (a .csv carries the same columns plus Role)."""
    bundled = upload_format(hub).sample()
    if bundled is not None:
        return bundled
    rows = [
        ("Email", "First Name", "Last Name", "Password", "Role"),
        ("grace.hopper@demo.example.org", "Grace", "Hopper", "", "Admin"),
        ("alan.turing@demo.example.org", "Alan", "Turing", "", "Teacher"),
        ("ada.lovelace@demo.example.org", "Ada", "Lovelace", "", "Student"),
        ("katherine.johnson@demo.example.org", "Katherine", "Johnson", "", "Student"),
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return "demo-accounts.csv", buffer.getvalue().encode("utf-8")


def _demo_spreadsheet(hub: Hub, log: Log, workdir: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "school": None,
        "file": None,
        "result": None,
        "accounts": [],
        "accounts_total": 0,
        "error": None,
    }
    try:
        filename, content = sample_spreadsheet(hub)
        entry["file"] = filename
        school = _school(hub, SPREADSHEET_SCHOOL)
        entry["school"] = schools.school_json(school)
        log(f"spreadsheet: importing {filename} into {school.name}")
        result = import_spreadsheet(
            hub,
            school,
            filename=filename,
            content=content,
            dry_run=False,
            actor=ACTOR,
            directory=workdir,
        )
        entry["result"] = result
        listed = accounts.list_accounts(hub, school_id=school.id)
        entry["accounts_total"] = len(listed)
        entry["accounts"] = listed[:ACCOUNTS_SHOWN]
        if result.get("status") != "applied":
            first = (result.get("errors") or [{}])[0].get("message", "")
            entry["error"] = f"the sample was {result.get('status')}: {first}".strip(": ")
        log(f"spreadsheet: {result.get('status')}")
    except Exception as exc:  # noqa: BLE001 - reported with the rest
        entry["error"] = one_line(str(exc)) or type(exc).__name__
        log(f"spreadsheet: failed: {entry['error']}")
    return entry


# -- the human rendering -------------------------------------------------------------------


def _accounts_table(entry: dict[str, Any]) -> Any:
    shown = entry["accounts"]
    return table(
        f"accounts: {entry['accounts_total']} active"
        + (f", first {len(shown)}" if entry["accounts_total"] > len(shown) else ""),
        ["email", "name", "roles", "source"],
        [
            (a["email"], f"{a['first_name']} {a['last_name']}", a["roles"], a["source"])
            for a in shown
        ],
    )


def render_report(console: Console, report: dict[str, Any]) -> None:
    console.print(f"[bold]rosterhub demo[/bold] on {report['database']}", highlight=False)
    if not report["providers"]:
        console.print("No installed provider ships a sandbox.")
    for entry in report["providers"]:
        name = entry["school"]["name"] if entry["school"] else f"Demo {entry['title']} School"
        console.print(f"\n[bold]{escape(name)}[/bold] ({entry['provider']})")
        run = entry["run"]
        if run is not None:
            console.print(
                f"run {run['id']}: {run['status']}"
                + (f" ({run['error']})" if run.get("error") else ""),
                markup=False,
            )
            console.print(
                table(
                    None,
                    list(COUNT_KEYS) + ["issues"],
                    [[run["counts"].get(k, 0) for k in COUNT_KEYS] + [entry["issues"]]],
                )
            )
            console.print(_accounts_table(entry))
        if entry["error"]:
            console.print(f"[bold red]failed:[/bold red] {entry['error']}", highlight=False)
    render_district(console, report.get("district"))
    sheet = report["spreadsheet"]
    if sheet is not None:
        console.print(f"\n[bold]{SPREADSHEET_SCHOOL}[/bold] (spreadsheet {sheet['file'] or '-'})")
        result = sheet["result"]
        if result is not None:
            counts = result.get("counts") or {}
            console.print(f"import: {result.get('status')}", markup=False)
            console.print(
                table(
                    None, list(UPLOAD_COUNT_KEYS), [[counts.get(k, 0) for k in UPLOAD_COUNT_KEYS]]
                )
            )
            console.print(_accounts_table(sheet))
            if result.get("credentials_file"):
                console.print(
                    f"generated passwords: {result['credentials_file']} (mode 0600)", markup=False
                )
            else:
                console.print("no new passwords (nothing new to hand out)")
        if sheet["error"]:
            console.print(f"[bold red]failed:[/bold red] {sheet['error']}", highlight=False)
    site = report.get("console")
    if site is not None:
        console.print(
            f"\n[bold]Web console[/bold]: run [bold]rosterhub serve[/bold], then open {site['url']}",
            highlight=False,
        )
        console.print(
            table(
                None,
                ["who", "email", "password", "school"],
                [
                    (p["role"].replace("_", " "), p["email"], p["password"], p.get("school", "all"))
                    for p in site["people"]
                ],
            )
        )
        console.print("(new passwords on every demo run)", highlight=False)
    console.print(
        "[green]demo finished[/green]" if report["ok"] else "[bold red]demo had failures[/bold red]"
    )
