"""Who the OU and group settings select, and in which roles, against the sandbox."""

from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.roster import RosterRecord
from hub.testing import drain
from plugins.gsuite.sandbox import GoogleSandbox
from plugins.gsuite.selection import under
from tests.plugins.gsuite.conftest import MakeProvider

NO_GROUPS = {"teacher_groups": "", "admin_groups": ""}


def by_id(records: list[RosterRecord]) -> dict[str, RosterRecord]:
    return {r.external_id: r for r in records}


@pytest.mark.parametrize(
    ("path", "ou", "expected"),
    [
        ("/Students/2026", "/Students", True),
        ("/Students", "/Students", True),
        ("/Students-Graduated", "/Students", False),
        ("/StudentsX", "/Students", False),
        ("/students/2026", "/Students", True),
        ("/Staff", "/Staff/Administration", False),
        ("/Anything/Deep", "/", True),
    ],
)
def test_an_ou_includes_its_sub_ous_only(path: str, ou: str, expected: bool) -> None:
    assert under(path, ou) is expected


def test_sub_ous_are_included_and_prefix_ous_are_not(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    records, _, _ = drain(make_provider(teacher_ous="", admin_ous="", **NO_GROUPS))
    got = {r.external_id for r in records}
    domain = sandbox.domain
    students = {
        u.id for u in domain.users.values() if u.ou.startswith("/Students/") or u.ou == "/Students"
    }
    assert got == students
    assert len(got) == 22
    assert not got & {u.id for u in domain.by_label("graduate")}
    assert all(r.roles == frozenset({"student"}) for r in records)


def test_admin_ou_nested_in_the_staff_ou_is_admin_and_teacher(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    records = by_id(drain(make_provider(student_ous="", **NO_GROUPS))[0])
    for admin in sandbox.domain.by_label("school-admin"):
        assert admin.ou == "/Staff/Administration"
        assert records[admin.id].roles == frozenset({"admin", "teacher"})
    for teacher in sandbox.domain.by_label("teacher"):
        assert records[teacher.id].roles == frozenset({"teacher"})


def test_admin_ou_alone_gives_admin_only(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    """The hub, not the provider, adds teacher to admins (admin_implies_teacher)."""
    records = drain(make_provider(student_ous="", teacher_ous="", **NO_GROUPS))[0]
    assert {r.external_id for r in records} == {
        u.id for u in sandbox.domain.by_label("school-admin")
    }
    assert {r.roles for r in records} == {frozenset({"admin"})}


def test_nested_group_members_are_included(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    """coaches@ is a member of teachers@: its users are teachers; the group itself is not a user."""
    provider = make_provider(student_ous="", teacher_ous="", admin_ous="", admin_groups="")
    records = by_id(drain(provider)[0])
    domain = sandbox.domain
    expected = {u.id for u in domain.by_label("teacher")[:2]}
    expected |= {u.id for u in domain.by_label("coach")}
    expected |= {u.id for u in domain.by_label("student-coach")}
    assert set(records) == expected
    assert all(r.roles == frozenset({"teacher"}) for r in records.values())
    members_calls = [q for path, q in sandbox.requests if path.endswith("/members")]
    assert members_calls and all(q["includeDerivedMembership"] == "true" for q in members_calls)


def test_group_members_outside_the_domain_are_ignored(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    provider = make_provider(student_ous="", teacher_ous="", admin_ous="", teacher_groups="")
    records = drain(provider)[0]
    director = sandbox.domain.by_label("it-director")[0]
    assert [(r.external_id, r.roles) for r in records] == [(director.id, frozenset({"admin"}))]


def test_a_customer_member_makes_the_group_everyone(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    provider = make_provider(
        student_ous="",
        teacher_ous="",
        admin_ous="",
        teacher_groups="",
        admin_groups="",
        student_groups=f"everyone@{sandbox.domain.name}",
    )
    records = drain(provider)[0]
    assert {r.external_id for r in records} == set(sandbox.domain.users)


def test_student_who_is_also_staff_gets_both_roles(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    records = by_id(drain(make_provider())[0])
    student_coach = sandbox.domain.by_label("student-coach")[0]
    assert records[student_coach.id].roles == frozenset({"student", "teacher"})


def test_suspended_and_archived_users_are_inactive(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    records = by_id(drain(make_provider())[0])
    inactive = {ext for ext, r in records.items() if not r.active}
    domain = sandbox.domain
    suspended = next(u for u in domain.users.values() if u.suspended)
    archived = next(u for u in domain.users.values() if u.archived)
    assert inactive == {suspended.id, archived.id}
    assert records[suspended.id].email == suspended.email
    assert records[archived.id].roles == frozenset({"teacher"})


def test_unselected_users_are_not_yielded(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    records = by_id(drain(make_provider())[0])
    for label in ("custodian", "graduate", "super-admin"):
        for user in sandbox.domain.by_label(label):
            assert user.id not in records


def test_record_fields(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    user = sandbox.domain.add_user(
        "/Students/2026",
        label="student",
        given="Zoë",
        family="O'Neil",
        email="Zoe.ONeil@District0.example.edu",
    )
    record = by_id(drain(make_provider())[0])[user.id]
    assert record == RosterRecord(
        external_id=user.id,
        email="zoe.oneil@district0.example.edu",
        first_name="Zoë",
        last_name="O'Neil",
        roles=frozenset({"student"}),
        schools=("/Students/2026",),
        active=True,
    )


def test_settings_are_matched_loosely(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    """Trailing slashes, a missing leading slash, OU case and group email case do not matter."""
    strict = drain(make_provider())[0]
    loose = drain(
        make_provider(
            student_ous="students/",
            teacher_ous=" /STAFF/ ",
            admin_ous="Staff/Administration/",
            teacher_groups=f"Teachers@{sandbox.domain.name.upper()}",
        )
    )[0]
    assert {(r.external_id, r.roles) for r in loose} == {(r.external_id, r.roles) for r in strict}


def test_root_ou_selects_the_whole_domain(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    records = drain(make_provider(student_ous="", teacher_ous="/", admin_ous="", **NO_GROUPS))[0]
    assert {r.external_id for r in records} == set(sandbox.domain.users)


def test_nothing_chosen_is_a_config_error(make_provider: MakeProvider) -> None:
    provider = make_provider(student_ous="", teacher_ous="", admin_ous="", **NO_GROUPS)
    with pytest.raises(ConfigError, match="choose who to sync"):
        drain(provider)
    result = provider.check()
    assert result.ok is True
    assert "choose who to sync" in result.message


def test_requests_use_the_documented_parameters(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    drain(make_provider())
    users = [q for path, q in sandbox.requests if path == "/admin/directory/v1/users"]
    assert users and all(q["customer"] == "my_customer" for q in users)
    assert all(q["maxResults"] == "500" for q in users)
    orgunits = [q for path, q in sandbox.requests if path.endswith("/orgunits")]
    assert orgunits == [{"type": "all", "alt": "json"}]
    assert sandbox.requests[-1][0] == "/admin/directory/v1/users", "users are listed last"


def test_small_pages_read_everything_once(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    records = drain(make_provider(page_size=4))[0]
    users = [q for path, q in sandbox.requests if path == "/admin/directory/v1/users"]
    assert len(users) == 10  # 40 users, 4 a page
    assert len({r.external_id for r in records}) == len(records) == 35


def test_changes_between_runs(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    domain = sandbox.domain
    teacher = domain.by_label("teacher")[0]
    student = domain.by_label("student", ou="/Students/2025")[0]
    graduate = domain.by_label("graduate")[0]
    domain.move(student.id, "/Students-Graduated")
    domain.move(graduate.id, "/Students/2026")
    domain.suspend(teacher.id)
    domain.rename(teacher.id, "t.renamed@district0.example.edu")
    domain.remove_member(f"teachers@{domain.name}", f"coaches@{domain.name}")
    records = by_id(drain(make_provider())[0])
    assert student.id not in records
    assert records[graduate.id].roles == frozenset({"student"})
    assert records[teacher.id].active is False
    assert records[teacher.id].email == "t.renamed@district0.example.edu"
    assert all(u.id not in records for u in domain.by_label("coach"))
    student_coach = domain.by_label("student-coach")[0]
    assert records[student_coach.id].roles == frozenset({"student"})


def test_sources_list_ous_and_groups(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    sources = make_provider().sources()
    ous = [s.id for s in sources if s.kind == "ou"]
    groups = [s.id for s in sources if s.kind == "group"]
    assert ous == sorted(sandbox.domain.orgunits)
    assert f"teachers@{sandbox.domain.name}" in groups
    assert len(groups) == len(sandbox.domain.groups)


def test_check_reports_what_a_sync_would_read(
    sandbox: GoogleSandbox, make_provider: MakeProvider
) -> None:
    result = make_provider().check()
    assert result.ok, result.message
    message = result.message
    assert sandbox.domain.customer_id in message
    assert sandbox.domain.name in message
    assert "40 users" in message
    assert "student_ous /Students: 22 users" in message
    assert "admin_ous /Staff/Administration: 2 users" in message
    assert f"teacher_groups teachers@{sandbox.domain.name}: 5 users" in message
    assert "35 people" in message
    assert "2 suspended or archived" in message
    assert "1 both student and staff" in message
    assert {s.kind for s in result.sources} == {"ou", "group"}
