"""A small district behind the console: two schools with a fake-provider integration each,
a school admin for each school, and a district IT and a support staff user."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hub import accounts, runs
from hub.api import create_app
from hub.context import Hub
from hub.integrations import create_integration
from hub.queue import set_queue
from hub.schools import create_school
from hub.staff import add_staff
from tests.service.helpers import with_fake_provider

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@dataclass
class Console:
    hub: Hub
    school_a: str
    school_b: str
    integration_a: str
    integration_b: str
    admin_a: tuple[str, str]
    admin_b: tuple[str, str]
    district_it: tuple[str, str]
    support: tuple[str, str]

    def client(self, base_url: str = "http://testserver") -> TestClient:
        return TestClient(create_app(self.hub, worker=False, scheduler=False), base_url=base_url)


def sign_in(client: TestClient, email: str, password: str, *, follow: bool = True) -> object:
    form = client.get("/console/sign-in")
    found = FORM_TOKEN.search(form.text)
    # already signed in, the page redirects: the form's token is the one in its cookie
    token = found.group(1) if found else client.cookies.get("rosterhub_form", "").split(".")[0]
    assert token, form.text
    return client.post(
        "/console/sign-in",
        data={"email": email, "password": password, "form_token": token},
        follow_redirects=follow,
    )


def csrf_of(client: TestClient, path: str = "/console") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def build_console(hub: Hub) -> Console:
    a = create_school(hub, name="Ada Lovelace Elementary", actor="test")
    b = create_school(hub, name="Brook Middle", actor="test")
    ia = create_integration(
        hub,
        school_id=a.id,
        provider="fake",
        settings={"people": "5", "domain": "ada.example.org"},
        secrets={"token": "sekrit-a-0000"},
        actor="test",
    )
    ib = create_integration(
        hub,
        school_id=b.id,
        provider="fake",
        settings={"people": "3", "domain": "brook.example.org"},
        secrets={"token": "sekrit-b-0000"},
        actor="test",
    )
    runs.submit(hub, runs.RunRequest(integration_id=ia.id, actor="test"), here=True)
    runs.submit(hub, runs.RunRequest(integration_id=ib.id, actor="test"), here=True)
    admins = []
    for school, email in ((a, "principal@ada.example.org"), (b, "principal@brook.example.org")):
        _account, password = accounts.add_manual_account(
            hub,
            school_id=school.id,
            email=email,
            first_name="Pat",
            last_name="Principal",
            roles=["admin"],
            actor="test",
        )
        assert password
        admins.append((email, password))
    it, it_password = add_staff(
        hub, email="it@district.example.org", role="district_it", actor="test"
    )
    sup, sup_password = add_staff(
        hub, email="help@vendor.example.com", role="support", actor="test"
    )
    return Console(
        hub=hub,
        school_a=a.id,
        school_b=b.id,
        integration_a=ia.id,
        integration_b=ib.id,
        admin_a=admins[0],
        admin_b=admins[1],
        district_it=(it.email, it_password),
        support=(sup.email, sup_password),
    )


@pytest.fixture
def console(hub: Hub) -> Iterator[Console]:
    the_hub = with_fake_provider(hub)
    yield build_console(the_hub)
    set_queue(the_hub, None)


@pytest.fixture
def sqlite_console(sqlite_hub: Hub) -> Iterator[Console]:
    the_hub = with_fake_provider(sqlite_hub)
    yield build_console(the_hub)
    set_queue(the_hub, None)
