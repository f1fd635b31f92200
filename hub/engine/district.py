"""Planning a district integration's run: one read of the provider, one plan per linked school.

The provider is walked once (:meth:`hub.provider.Provider.fetch_linked`); every person comes
as a :class:`~hub.roster.Routed` that says which linked schools they belong to, and each entry
is fed to that school's :class:`~hub.engine.planner.Planner`, exactly as a one-school run
would feed it. Ownership is per (integration, school): the integration's memberships are read
in ONE query and dealt to the school planners, so a school's planner only ever changes that
school's memberships, and a school that is not linked is never touched.

A person new to the hub who belongs to two linked schools is planned as new in both; applying
creates one account and a membership at each (:func:`hub.engine.apply.apply_plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection

from hub.engine.mapping import Mapped, Rejected, RoleMapper
from hub.engine.plan import Plan
from hub.engine.planner import Planner, owned_query
from hub.issues import Issue
from hub.roster import Cursor, LinkedItem, RosterRecord, Routed, Skip


class DistrictPlanner:
    """Feeds one district read to one :class:`Planner` per linked school."""

    def __init__(
        self,
        conn: Connection,
        *,
        integration_id: str,
        school_ids: Iterable[str],
        source: str,
        admin_implies_teacher: bool = True,
    ) -> None:
        self.plan = Plan(integration_id=integration_id, school_id="", source=source, full=True)
        self.parts: dict[str, Planner] = {
            school_id: Planner(
                conn,
                integration_id=integration_id,
                school_id=school_id,
                source=source,
                admin_implies_teacher=admin_implies_teacher,
                full=True,
                load=False,
            )
            for school_id in school_ids
        }
        self.mapper = RoleMapper(admin_implies_teacher=admin_implies_teacher)
        parts = self.parts
        for row in conn.execute(owned_query(integration_id)).tuples():
            part = parts.get(row[-1])
            if part is not None:  # an unlinked school's memberships are not this run's
                part.take(row)

    def feed(self, item: LinkedItem) -> None:
        if type(item) is Routed:
            self.plan.records += 1
            parts = self.parts
            mapper = self.mapper
            last: RosterRecord | None = None
            mapped: Mapped | Rejected | None = None
            for school_id, entry in item.by_school.items():
                part = parts.get(school_id)
                if part is None:
                    continue
                if type(entry) is RosterRecord:
                    # schools that see the person alike share one record: map it once
                    if entry is not last:
                        last, mapped = entry, mapper.map(entry)
                    part._record(entry, mapped)
                else:
                    part.feed(entry)
        elif isinstance(item, Cursor):
            self.plan.cursor = item.value
        elif isinstance(item, Skip):
            # Placed in no school: it still protects its external id everywhere.
            if item.external_id:
                for part in self.parts.values():
                    part.seen.add(item.external_id)
            self.plan.add_issue(Issue(item.severity, item.message, item.external_id, item.email))
        else:
            msg = f"the provider yielded an unexpected item: {type(item).__name__}"
            raise TypeError(msg)

    def finish(self) -> Plan:
        plan = self.plan
        plan.parts = [part.finish() for part in self.parts.values()]
        plan.active_before = sum(part.active_before for part in plan.parts)
        plan.total_counts()
        return plan


def plan_district(
    conn: Connection,
    items: Iterable[LinkedItem],
    *,
    integration_id: str,
    school_ids: Iterable[str],
    source: str,
    admin_implies_teacher: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
    every: int = 1000,
) -> Plan:
    """Plan a district run (always a full read) from a provider's linked stream."""
    planner = DistrictPlanner(
        conn,
        integration_id=integration_id,
        school_ids=school_ids,
        source=source,
        admin_implies_teacher=admin_implies_teacher,
    )
    feed = planner.feed
    done = 0
    for item in items:
        feed(item)
        done += 1
        if progress is not None and done % every == 0:
            progress(done, None)
    if progress is not None:
        progress(done, done)
    return planner.finish()
