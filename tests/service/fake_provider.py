"""A provider for service tests, loaded as an extra plugin (``ROSTERHUB_EXTRA_PLUGINS``).

It makes ``people`` records (``p0@{domain}`` …) without any network. ``pause_after`` /
``pause_seconds`` make it stop mid-roster, after writing ``marker`` (a file path), so a test
can kill the process while a run is certainly in the middle of reading the roster.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from pydantic import SecretStr

from hub import hookimpl
from hub.provider import CheckResult, Provider, ProviderSettings, Source
from hub.roster import STUDENT, TEACHER, Item, RosterRecord


class FakeSettings(ProviderSettings):
    people: int = 5
    domain: str = "example.org"
    pause_after: int = -1
    pause_seconds: float = 0.0
    marker: str = ""
    token: SecretStr | None = None


class FakeProvider(Provider):
    name = "fake"
    title = "Fake roster (tests)"
    Settings = FakeSettings

    @property
    def opts(self) -> FakeSettings:
        assert isinstance(self.settings, FakeSettings)
        return self.settings

    def check(self) -> CheckResult:
        return CheckResult(True, "fake roster reachable", [Source("s1", "Fake School")])

    def sources(self) -> list[Source]:
        return [Source("s1", "Fake School")]

    def fetch(self) -> Iterator[Item]:
        opts = self.opts
        for n in range(opts.people):
            if n == opts.pause_after:
                if opts.marker:
                    Path(opts.marker).write_text("mid-run\n")
                time.sleep(opts.pause_seconds)
            yield RosterRecord(
                external_id=f"fake-{n}",
                email=f"p{n}@{opts.domain}",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                roles=frozenset({TEACHER if n % 10 == 0 else STUDENT}),
                schools=("s1",),
            )


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [FakeProvider]
