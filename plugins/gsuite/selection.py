"""Which users an integration's OU and group settings select, and in which roles.

OUs are matched on the user's ``orgUnitPath`` as users.list returns it, so the whole domain is
listed once and filtered here: an OU setting includes its sub-OUs (``/Students`` matches
``/Students/2026`` but not ``/Students-Graduated``). Groups are resolved to the ids of their user
members, nested groups included, before the users are listed; that set of ids is all that is
held in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hub.errors import ProviderError
from hub.roster import ADMIN, STUDENT, TEACHER
from plugins.gsuite.settings import PROVIDER, GoogleSettings

if TYPE_CHECKING:
    from plugins.gsuite.client import DirectoryClient

ROLE_OF_SETTING = {
    "student_ous": STUDENT,
    "teacher_ous": TEACHER,
    "admin_ous": ADMIN,
    "student_groups": STUDENT,
    "teacher_groups": TEACHER,
    "admin_groups": ADMIN,
}


def under(path: str, ou: str) -> bool:
    """True when ``path`` is ``ou`` or one of its sub-OUs (OU paths ignore case)."""
    path, ou = path.casefold(), ou.casefold()
    return ou == "/" or path == ou or path.startswith(ou + "/")


@dataclass(frozen=True, slots=True)
class OuRule:
    setting: str
    path: str

    @property
    def role(self) -> str:
        return ROLE_OF_SETTING[self.setting]

    @property
    def value(self) -> str:
        return self.path


@dataclass(slots=True)
class GroupRule:
    setting: str
    group: str
    user_ids: set[str] = field(default_factory=set)
    everyone: bool = False
    """The group has the whole customer as a member (``type: CUSTOMER``)."""

    @property
    def role(self) -> str:
        return ROLE_OF_SETTING[self.setting]

    @property
    def value(self) -> str:
        return self.group


@dataclass
class Selection:
    ou_rules: list[OuRule]
    group_rules: list[GroupRule]

    @property
    def empty(self) -> bool:
        return not self.ou_rules and not self.group_rules

    def matching(self, user_id: str, ou: str) -> list[OuRule | GroupRule]:
        """The rules that select this user."""
        found: list[OuRule | GroupRule] = [r for r in self.ou_rules if under(ou, r.path)]
        found.extend(r for r in self.group_rules if r.everyone or user_id in r.user_ids)
        return found

    def roles(self, user_id: str, ou: str) -> frozenset[str]:
        return frozenset(rule.role for rule in self.matching(user_id, ou))

    def explained(
        self, user_id: str, ou: str
    ) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
        """The roles, with the OU or group (and the setting naming it) behind each."""
        rules = self.matching(user_id, ou)
        return frozenset(rule.role for rule in rules), reasons(rules, ou)


def reasons(rules: Iterable[OuRule | GroupRule], ou: str) -> tuple[tuple[str, str], ...]:
    """(role, why) for each rule that selects a user in ``ou``: the OU or group, and the
    setting naming it."""
    return tuple(
        (
            rule.role,
            f"in OU {ou} (under {rule.path}, {rule.setting})"
            if isinstance(rule, OuRule)
            else f"member of group {rule.group} ({rule.setting})",
        )
        for rule in rules
    )


def load_selection(client: DirectoryClient, settings: GoogleSettings) -> Selection:
    """Check the configured OUs exist and read the configured groups' members."""
    ou_rules = [
        OuRule(setting, path) for setting, paths in settings.ous().items() for path in paths
    ]
    check_ous(client, ou_rules)
    group_rules: list[GroupRule] = []
    for setting, groups in settings.groups().items():
        for group in groups:
            group_rules.append(read_group(client, GroupRule(setting, group)))
    return Selection(ou_rules=ou_rules, group_rules=group_rules)


def check_ous(client: DirectoryClient, ou_rules: list[OuRule]) -> None:
    """Every configured OU must exist: a typo would select nobody and deactivate everyone."""
    if not ou_rules:
        return
    known = {
        str(unit["orgUnitPath"]).casefold(): str(unit["orgUnitPath"])
        for unit in client.orgunits()
        if unit.get("orgUnitPath")
    }
    known["/"] = "/"
    for ou_rule in ou_rules:
        if ou_rule.path.casefold() not in known:
            shown = ", ".join(sorted(p for p in known.values() if p != "/")[:12]) or "none"
            msg = (
                f"{PROVIDER} has no organisational unit '{ou_rule.path}' "
                f"(setting: {ou_rule.setting}); "
                f"the OUs are: {shown} (Admin console > Directory > Organizational units)"
            )
            raise ProviderError(msg)


def read_group(client: DirectoryClient, rule: GroupRule) -> GroupRule:
    """Fill a group rule with the group's user members (nested groups included)."""
    for member in client.members(rule.group, setting=rule.setting):
        kind = member.get("type")
        if kind == "USER" and member.get("id"):
            rule.user_ids.add(str(member["id"]))
        elif kind == "CUSTOMER":
            rule.everyone = True
    return rule


Placement = tuple[str, OuRule | GroupRule]
"""(hub school id, the school's rule: its setting gives the hub role)."""


@dataclass
class DistrictSelection:
    """Every linked school's OUs and groups at once, indexed so that placing a user costs the
    depth of their OU path plus one dictionary look-up, however many schools are linked."""

    by_ou: dict[str, list[Placement]] = field(default_factory=dict)
    by_user: dict[str, list[Placement]] = field(default_factory=dict)
    everyone: list[Placement] = field(default_factory=list)

    def placements(self, user_id: str, ou: str) -> dict[str, tuple[tuple[str, str], ...]]:
        """Hub school id -> the roles this user holds there, each with why (the OU or group
        and the setting naming it, as :meth:`Selection.explained` says it)."""
        placed: dict[str, list[OuRule | GroupRule]] = {}
        found = list(self.by_ou.get("/", ()))
        path = ""
        for part in ou.casefold().split("/"):
            if part:
                path += "/" + part
                found.extend(self.by_ou.get(path, ()))
        found.extend(self.by_user.get(user_id, ()))
        found.extend(self.everyone)
        for school, rule in found:
            placed.setdefault(school, []).append(rule)
        return {school: reasons(rules, ou) for school, rules in placed.items()}


def load_district_selection(
    client: DirectoryClient, links: dict[str, GoogleSettings]
) -> DistrictSelection:
    """Check every linked OU exists and read every linked group's members once (a group
    linked to several schools is read once)."""
    selection = DistrictSelection()
    ou_rules: list[OuRule] = []
    members: dict[str, GroupRule] = {}
    for school, settings in links.items():
        for setting, paths in settings.ous().items():
            for path in paths:
                ou_rule = OuRule(setting, path)
                ou_rules.append(ou_rule)
                key = "/" if path.strip() in ("", "/") else path.casefold().rstrip("/")
                selection.by_ou.setdefault(key, []).append((school, ou_rule))
        for setting, groups in settings.groups().items():
            for group in groups:
                rule = members.get(group.casefold())
                if rule is None:
                    rule = read_group(client, GroupRule(setting, group))
                    members[group.casefold()] = rule
                # the members are read once; the role is this school's setting's
                place: Placement = (school, GroupRule(setting, group))
                if rule.everyone:
                    selection.everyone.append(place)
                for user_id in rule.user_ids:
                    selection.by_user.setdefault(user_id, []).append(place)
    check_ous(client, ou_rules)
    return selection
