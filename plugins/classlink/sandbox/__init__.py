"""The ClassLink sandbox: a OneRoster 1.1 (and 1.2 rostering) server on loopback
(:mod:`.server`) over a generated tenant (:mod:`.tenant`), serving each root the records its
binding allows (:mod:`.render`), checking OAuth 1.0a signatures (:mod:`.verify`) and evaluating
``filter`` (:mod:`.filtering`). Only tests and ``rosterhub demo`` import it; a sync never does."""

from __future__ import annotations

from plugins.classlink.sandbox.filtering import FilterError, parse_filter
from plugins.classlink.sandbox.server import ROOTS, OneRosterSandbox, Received, imsx_error
from plugins.classlink.sandbox.tenant import DISTRICT, ELM, OAK, PINE, SCHOOLS, build_tenant

__all__ = [
    "DISTRICT",
    "ELM",
    "OAK",
    "PINE",
    "ROOTS",
    "SCHOOLS",
    "FilterError",
    "OneRosterSandbox",
    "Received",
    "build_tenant",
    "imsx_error",
    "parse_filter",
]
