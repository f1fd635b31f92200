"""Acme SIS on loopback, built on the plugin kit: :class:`hub.testing.BaseSandbox` gives it
the controls the conformance suite drives."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.testing import BaseSandbox


class AcmeSandbox(BaseSandbox):
    """One campus, ``north``: a student, a principal and a parent (whom the provider skips)."""

    def __init__(self, *, api_key: str = "acme-key-123") -> None:
        super().__init__()
        self.api_key = api_key
        self.campuses = [{"id": "north", "name": "North Campus"}]
        self.people: dict[str, list[dict[str, Any]]] = {
            "north": [
                _person("a-1", "Ada", "Lovelace", "student"),
                _person("a-2", "Alan", "Turing", "principal"),
                _person("a-3", "Parent", "Person", "parent"),
            ]
        }
        self.app = Starlette(
            routes=[
                Route("/v1/campuses", self._campuses),
                Route("/v1/campuses/{campus}/people", self._people),
            ]
        )

    def settings(self, base_url: str) -> dict[str, str]:
        """What connects an integration to this sandbox (the API key is a secret)."""
        return {"base_url": base_url, "campus": "north"}

    def _refusal(self, request: Request) -> Response | None:
        fault = self.faults.take()
        if fault is not None:
            body = {"message": f"simulated {fault.status}"}
            return JSONResponse(body, status_code=fault.status, headers=fault.headers)
        if self.revoked or request.headers.get("x-api-key") != self.api_key:
            return JSONResponse({"message": "invalid API key"}, status_code=401)
        return None

    async def _campuses(self, request: Request) -> Response:
        return self._refusal(request) or JSONResponse({"campuses": self.campuses})

    async def _people(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        people = self.people.get(request.path_params["campus"])
        if people is None:
            return JSONResponse({"message": "no such campus"}, status_code=404)
        page = int(request.query_params.get("page", 1))
        size = int(request.query_params.get("per_page", 100))
        chunk = people[(page - 1) * size : page * size]
        more = page * size < len(people)
        next_page = page if self.looping else page + 1 if more else None
        return JSONResponse({"people": chunk, "next_page": next_page})


def _person(person_id: str, first: str, last: str, role: str) -> dict[str, Any]:
    email = f"{first}@north.example".lower()
    return {"id": person_id, "first": first, "last": last, "role": role, "email": email}
