"""What the sandbox's default settings must select, written from the domain's labels (not
from the provider's own matching code), so the tests check the mapping independently."""

from __future__ import annotations

from plugins.gsuite.sandbox import Domain

ROLES_BY_LABEL: dict[str, frozenset[str]] = {
    "student": frozenset({"student"}),
    "student-coach": frozenset({"student", "teacher"}),  # /Students/2026 and coaches@ (nested)
    "teacher": frozenset({"teacher"}),
    "school-admin": frozenset({"admin", "teacher"}),  # /Staff/Administration under /Staff
    "coach": frozenset({"teacher"}),  # only through coaches@ nested in teachers@
    "it-director": frozenset({"admin"}),  # only through it-admins@
}
"""custodian, graduate (/Students-Graduated) and super-admin (/) are not selected."""


def expected_roster(domain: Domain) -> dict[str, tuple[str | None, frozenset[str], bool]]:
    return {
        user.id: (user.email, ROLES_BY_LABEL[user.label], not (user.suspended or user.archived))
        for user in domain.users.values()
        if user.label in ROLES_BY_LABEL
    }
