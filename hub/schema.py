"""Every JSON shape the hub shows, defined once: the HTTP API's response models, and the
documents the CLI prints and chat renders (INTERFACE.md names each shape exactly).

Plain data: a model is built from rows the services read (``from_row``) and knows nothing of
how they were read, so every service and every surface can use this module without importing
one another. A shape grows by a field with a default (a district integration's ``school_ids``,
a run's per-person ``changes`` for the console), never by a second definition elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from hub.models import ApiToken, Integration, Run, School, iso
from hub.roster import roles_list
from hub.run_status import COUNT_KEYS, STATUSES


class Shape(BaseModel):
    """A shape is exactly its fields: nothing more is accepted or shown."""

    model_config = ConfigDict(extra="forbid")


class IssueOut(Shape):
    """Something about one person (or the whole run) that the run could not do as asked."""

    severity: str = Field(description="error | warning")
    external_id: str | None
    email: str | None
    message: str


class RunCounts(Shape):
    """How many people each kind of change touched."""

    created: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @classmethod
    def of(cls, counts: Mapping[str, Any] | None) -> RunCounts:
        counts = counts or {}
        return cls(**{key: int(counts.get(key, 0)) for key in COUNT_KEYS})


class RunSummary(Shape):
    """A run without its issues (an integration's ``last_run``)."""

    id: str
    integration_id: str
    status: str = Field(description=" | ".join(STATUSES))
    trigger: str = Field(description="manual | schedule | chat | api | undo")
    started_at: str | None = Field(description="ISO-8601 (when it was asked for, until it starts)")
    finished_at: str | None
    counts: RunCounts
    schools: dict[str, RunCounts] | None = Field(
        default=None,
        description="A district run's counts per linked school (top-level counts: their sum)",
    )
    error: str | None = Field(description="Why the run failed, was held or was superseded")

    @model_serializer(mode="wrap")
    def _district_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``schools`` is shown for a district run only: a one-school run keeps its shape."""
        data: dict[str, Any] = handler(self)
        if data.get("schools") is None:
            data.pop("schools", None)
        return data

    @classmethod
    def fields_of(cls, run: Run) -> dict[str, Any]:
        per_school = run.school_counts
        return {
            "schools": (
                {school: RunCounts.of(counts) for school, counts in per_school.items()}
                if per_school is not None
                else None
            ),
            "id": run.id,
            "integration_id": run.integration_id,
            "status": run.status,
            "trigger": run.trigger,
            "started_at": iso(run.started_at or run.created_at),
            "finished_at": iso(run.finished_at),
            "counts": RunCounts.of(run.counts),
            "error": run.error,
        }

    @classmethod
    def from_row(cls, run: Run) -> RunSummary:
        return cls(**cls.fields_of(run))


class RunOut(RunSummary):
    """A run: INTERFACE.md "A run"."""

    issues: list[IssueOut]

    @classmethod
    def from_rows(cls, run: Run, issues: Iterable[Mapping[str, Any]] = ()) -> RunOut:
        return cls(**cls.fields_of(run), issues=[IssueOut(**dict(i)) for i in issues])


class SchoolOut(Shape):
    id: str
    name: str
    timezone: str
    district_id: str | None = None

    @classmethod
    def from_row(cls, school: School) -> SchoolOut:
        return cls(
            id=school.id,
            name=school.name,
            timezone=school.timezone,
            district_id=school.district_id,
        )


class DistrictOut(Shape):
    id: str
    name: str
    schools: list[str] = Field(description="The ids of the district's schools")


class LinkOut(Shape):
    """A district integration feeding one school, with that school's selection."""

    school_id: str
    settings: dict[str, str | int | float | bool | None | list[str]]


SettingValue = str | int | float | bool | None


class IntegrationOut(Shape):
    """An integration: its settings (never its secrets, only which are set) and its last run."""

    id: str
    provider: str
    school_id: str | None = Field(description="The school of a one-school integration")
    district_id: str | None = Field(default=None, description="The district of a district one")
    links: list[LinkOut] = Field(default_factory=list, description="The schools it feeds")
    enabled: bool
    schedule: str
    last_run: RunSummary | None
    settings: dict[str, SettingValue]
    secrets_set: list[str] = Field(description="The secret settings that have a value")
    max_deactivate_percent: float
    admin_implies_teacher: bool

    @classmethod
    def from_row(
        cls,
        integration: Integration,
        *,
        last_run: Run | None,
        secrets_set: Iterable[str],
        links: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> IntegrationOut:
        return cls(
            id=integration.id,
            provider=integration.provider,
            school_id=integration.school_id,
            district_id=integration.district_id,
            links=[
                LinkOut(school_id=school, settings=dict(chosen))
                for school, chosen in (links or {}).items()
            ],
            enabled=integration.enabled,
            schedule=integration.schedule,
            last_run=RunSummary.from_row(last_run) if last_run is not None else None,
            settings=dict(integration.settings),
            secrets_set=sorted(secrets_set),
            max_deactivate_percent=integration.max_deactivate_percent,
            admin_implies_teacher=integration.admin_implies_teacher,
        )


class TokenOut(Shape):
    """What may be shown about an API token: never the token, nor its hash. ``district_id``
    is set for a district_it token limited to one district."""

    id: str
    role: str
    school_id: str | None
    district_id: str | None
    created_at: str | None
    last_used_at: str | None

    @classmethod
    def from_row(cls, row: ApiToken) -> TokenOut:
        return cls(
            id=row.id,
            role=row.role,
            school_id=row.school_id,
            district_id=row.district_id,
            created_at=iso(row.created_at),
            last_used_at=iso(row.last_used_at),
        )


class TokenCreated(TokenOut):
    """A new token: the only answer that ever holds the token itself."""

    token: str


class TokenRevoked(Shape):
    id: str
    revoked: bool


class AccountOut(Shape):
    """An account as seen from one school: INTERFACE.md "An account"."""

    email: str
    first_name: str
    last_name: str
    roles: list[str] = Field(description="Sorted: admin, student, teacher")
    status: str = Field(description="active | deactivated")
    source: str
    external_id: str | None


def account_doc(
    email: str,
    first_name: str,
    last_name: str,
    roles: str,
    status: str,
    source: str,
    external_id: str | None,
) -> dict[str, Any]:
    """:class:`AccountOut` as a plain dict, straight from the columns: a school lists
    thousands of accounts, so this shape skips building a model per row."""
    return {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "roles": roles_list(roles),
        "status": status,
        "source": source,
        "external_id": external_id,
    }


class RunOutcome(Shape):
    """A run that has just ended, as the ``rosterhub_run_finished`` hook receives it."""

    run: RunOut
    provider: str = Field(description="The integration's provider")
    schools: list[SchoolOut] = Field(description="The schools the integration feeds")


class ExplainRole(Shape):
    role: str
    source: str = Field(description="clever | classlink | gsuite | csv | manual")
    integration_id: str | None
    reason: str = Field(description="Where the role came from (OU, group, provider role, sheet)")
    run_id: str | None = Field(description="The run or upload that gave it")


class ExplainOut(Shape):
    """INTERFACE.md "Explain and undo": why this person is (or is not) at this school."""

    email: str
    school_id: str
    present: bool
    status: str | None = Field(description="active | deactivated | null")
    roles: list[ExplainRole]
    owner: str | None = Field(description="integration id | csv | manual | null")
    last_changed_by: str | None = Field(description="run or upload id")
    reason: str


class UndoConflictOut(Shape):
    email: str | None
    school_id: str | None
    what: str = Field(description="membership | account")
    changed_by: str = Field(description="the later run or upload")


class UndoRefusedOut(Shape):
    """409 from an undo: rows changed again since; nothing was done."""

    detail: str
    conflicts: list[UndoConflictOut]


class UploadUndoOut(Shape):
    """An upload's undo: a new upload record (itself undoable) with run-style counts."""

    id: str
    undoes: str
    school_id: str
    status: str
    counts: dict[str, int]
    issues: list[str]


class AuditEventOut(Shape):
    at: str | None
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]
