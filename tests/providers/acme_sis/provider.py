"""The Acme SIS provider: ``GET /v1/campuses`` and ``GET /v1/campuses/{campus}/people``
(paged by ``page``/``per_page`` with a ``next_page`` number), authenticated by ``X-Api-Key``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from pydantic import SecretStr

from hub.errors import ProviderError
from hub.http import HttpClient, Pages
from hub.provider import CheckResult, Provider, ProviderSettings, Sandbox, Source
from hub.roster import ADMIN, STUDENT, TEACHER, Item, RosterRecord, Skip

ROLES = {"student": STUDENT, "teacher": TEACHER, "principal": ADMIN}


class AcmeSettings(ProviderSettings):
    base_url: str = "https://api.acme-sis.example"
    campus: str
    page_size: int = 100
    api_key: SecretStr


class AcmeClient(HttpClient):
    provider = "Acme SIS"

    def describe(self, response: httpx.Response) -> str:
        if response.status_code == 401:
            return "Acme SIS refused the API key: check api_key"
        return super().describe(response)


class AcmeProvider(Provider):
    name = "acme"
    title = "Acme SIS"
    Settings = AcmeSettings

    def __init__(self, settings: ProviderSettings) -> None:
        super().__init__(settings)
        assert isinstance(settings, AcmeSettings)
        self.acme = settings
        self.client = AcmeClient(
            settings.base_url, headers={"X-Api-Key": settings.api_key.get_secret_value()}
        )

    def check(self) -> CheckResult:
        try:
            campuses = self.sources()
        except ProviderError as exc:
            return CheckResult(ok=False, message=str(exc))
        if self.acme.campus not in {c.id for c in campuses}:
            message = f"Acme SIS has no campus '{self.acme.campus}' (setting: campus)"
            return CheckResult(ok=False, message=message, sources=campuses)
        return CheckResult(
            ok=True, message=f"connected; {len(campuses)} campuses", sources=campuses
        )

    def sources(self) -> list[Source]:
        data = self.client.get_json("/v1/campuses")
        return [Source(c["id"], c["name"], kind="school") for c in data["campuses"]]

    def fetch(self) -> Iterator[Item]:
        pages = Pages(self._page, 1, what="people", provider=self.title)
        for people in pages:
            for person in people:
                yield self._item(person)

    def close(self) -> None:
        self.client.close()

    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox:
        from .sandbox import AcmeSandbox

        server = AcmeSandbox()
        return Sandbox(
            app=server.app, settings=server.settings, secrets={"api_key": server.api_key}
        )

    def _page(self, page: int) -> tuple[list[dict[str, Any]], int | None]:
        path = f"/v1/campuses/{self.acme.campus}/people"
        data = self.client.get_json(path, {"page": page, "per_page": self.acme.page_size})
        return data["people"], data.get("next_page")

    @staticmethod
    def _item(person: dict[str, Any]) -> Item:
        role = ROLES.get(person["role"])
        if role is None:
            return Skip(f"{person['role']} record; not synced", external_id=person["id"])
        return RosterRecord(
            external_id=person["id"],
            email=person["email"],
            first_name=person["first"],
            last_name=person["last"],
            roles=frozenset({role}),
            active=person.get("active", True),
        )
