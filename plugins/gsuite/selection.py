"""Which users an integration's OU and group settings select, and in which roles.

OUs are matched on the user's ``orgUnitPath`` as users.list returns it, so the whole domain is
listed once and filtered here: an OU setting includes its sub-OUs (``/Students`` matches
``/Students/2026`` but not ``/Students-Graduated``). Groups are resolved to the ids of their user
members, nested groups included, before the users are listed; that set of ids is all that is
held in memory.
"""

from __future__ import annotations

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
        why = tuple(
            (
                rule.role,
                f"in OU {ou} (under {rule.path}, {rule.setting})"
                if isinstance(rule, OuRule)
                else f"member of group {rule.group} ({rule.setting})",
            )
            for rule in rules
        )
        return frozenset(rule.role for rule in rules), why


def load_selection(client: DirectoryClient, settings: GoogleSettings) -> Selection:
    """Check the configured OUs exist and read the configured groups' members."""
    ou_rules = [
        OuRule(setting, path) for setting, paths in settings.ous().items() for path in paths
    ]
    if ou_rules:
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
    group_rules: list[GroupRule] = []
    for setting, groups in settings.groups().items():
        for group in groups:
            rule = GroupRule(setting, group)
            for member in client.members(group, setting=setting):
                kind = member.get("type")
                if kind == "USER" and member.get("id"):
                    rule.user_ids.add(str(member["id"]))
                elif kind == "CUSTOMER":
                    rule.everyone = True
            group_rules.append(rule)
    return Selection(ou_rules=ou_rules, group_rules=group_rules)
