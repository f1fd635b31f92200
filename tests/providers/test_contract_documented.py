"""Every hook and every part of the provider contract says what it does, in its docstring and in
the plugin author's guide (as datasette's tests/test_docs.py does for its hooks): a hook or a
contract method added without documentation fails here."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

import hub.testing
from hub import errors, formats, hookspecs, provider, roster
from hub.provider import CheckResult, Provider, Sandbox, Source

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
CONTRACT_CLASSES = (Provider, Source, CheckResult, Sandbox)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _assigned(node: ast.stmt, *, on_self: bool) -> str | None:
    if isinstance(node, ast.AnnAssign):
        target: ast.expr = node.target
    elif isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    else:
        return None
    if on_self:
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            return target.attr if target.value.id == "self" else None
        return None
    return target.id if isinstance(target, ast.Name) else None


def _docstring(node: ast.stmt | None) -> str | None:
    if node is None or not _is_docstring(node):
        return None
    assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    return str(node.value.value)


def attribute_docs(path: Path) -> tuple[dict[str, str | None], set[str]]:
    """``Class.attr`` -> its attribute docstring (the string right after the assignment, as
    Sphinx reads it) or None, for class-level annotations and ``self.x = ...`` in
    ``__init__``; and the subset that comes from ``__init__``."""
    docs: dict[str, str | None] = {}
    from_init: set[str] = set()
    for cls in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        bodies: list[tuple[list[ast.stmt], bool]] = [(cls.body, False)]
        bodies += [
            (fn.body, True)
            for fn in cls.body
            if isinstance(fn, ast.FunctionDef) and fn.name == "__init__"
        ]
        for body, on_self in bodies:
            for index, node in enumerate(body):
                name = _assigned(node, on_self=on_self)
                if name is None or name.startswith("_"):
                    continue
                key = f"{cls.name}.{name}"
                docs[key] = _docstring(body[index + 1] if index + 1 < len(body) else None)
                if on_self:
                    from_init.add(key)
    return docs, from_init


ATTRIBUTES, INSTANCE_ATTRIBUTES = attribute_docs(Path(provider.__file__))


def contract_members() -> dict[str, str | None]:
    """``Class.member`` -> docstring, for every public method, property and attribute of the
    provider contract classes."""
    members: dict[str, str | None] = {}
    for cls in CONTRACT_CLASSES:
        fields = set(getattr(cls, "__annotations__", {}))
        for name, value in vars(cls).items():
            if name.startswith("_") or name in fields:
                continue
            target: Any = value.__func__ if isinstance(value, classmethod | staticmethod) else value
            if isinstance(target, property):
                target = target.fget
            members[f"{cls.__name__}.{name}"] = inspect.getdoc(target)
        for name in fields:
            if not name.startswith("_"):
                members[f"{cls.__name__}.{name}"] = ATTRIBUTES.get(f"{cls.__name__}.{name}")
    for key in INSTANCE_ATTRIBUTES:
        members[key] = ATTRIBUTES[key]
    return members


MEMBERS = contract_members()


def format_members() -> dict[str, str | None]:
    """The same, for the upload-format contract (:mod:`hub.formats`)."""
    documented, _ = attribute_docs(Path(formats.__file__))
    members: dict[str, str | None] = {}
    for cls in (formats.UploadFormat, formats.UploadPerson, formats.FileCheck):
        for name in getattr(cls, "__annotations__", {}):
            members[f"{cls.__name__}.{name}"] = documented.get(f"{cls.__name__}.{name}")
        for name, value in vars(cls).items():
            if name.startswith("_") or name in getattr(cls, "__annotations__", {}):
                continue
            target: Any = value.fget if isinstance(value, property) else value
            if callable(target):
                members[f"{cls.__name__}.{name}"] = inspect.getdoc(target)
    return members


FORMAT_MEMBERS = format_members()
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if callable(value) and hasattr(value, "rosterhub_spec")
)
PUBLIC = {
    "hub.provider": ["Provider", "ProviderSettings", "Source", "CheckResult", "Sandbox"],
    "hub.roster": ["RosterRecord", "Skip", "Cursor"],
    "hub.errors": ["ProviderError", "RetriableProviderError", "CursorExpired", "ConfigError"],
    "hub.testing": list(hub.testing.__all__),
}
MODULES = {"hub.provider": provider, "hub.roster": roster, "hub.errors": errors}


def in_guide(name: str) -> bool:
    """``name`` appears as a word inside a code span of docs/plugins.md."""
    return re.search(rf"`[^`\n]*\b{re.escape(name)}\b[^`\n]*`", GUIDE) is not None


def test_the_lists_are_not_empty() -> None:
    """The discovery below finds what it must, so the checks cannot pass by finding nothing."""
    assert HOOKS == [
        "rosterhub_read_tables",
        "rosterhub_register_providers",
        "rosterhub_register_upload_formats",
        "rosterhub_run_finished",
    ]
    assert {"UploadFormat.validate", "UploadPerson.role", "FileCheck.persons"} <= set(
        FORMAT_MEMBERS
    )
    for expected in (
        "Provider.name",
        "Provider.Settings",
        "Provider.settings",
        "Provider.fetch",
        "Provider.fetch_changes",
        "Provider.incremental",
        "Provider.parse_settings",
        "Provider.close",
        "Source.kind",
        "CheckResult.ok",
    ):
        assert expected in MEMBERS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook))
    assert doc and "Called" in doc, f"{hook}: say when and how it is called"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_guide(hook: str) -> None:
    assert in_guide(hook)


@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_every_contract_member_has_a_docstring(member: str) -> None:
    assert MEMBERS[member], f"{member} has no docstring"


@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_every_contract_member_is_in_the_guide(member: str) -> None:
    assert in_guide(member.split(".")[1]), f"docs/plugins.md does not mention {member}"


@pytest.mark.parametrize("member", sorted(FORMAT_MEMBERS))
def test_every_upload_format_member_is_documented(member: str) -> None:
    assert FORMAT_MEMBERS[member], f"{member} has no docstring"
    assert in_guide(member.split(".")[1]), f"docs/plugins.md does not mention {member}"


@pytest.mark.parametrize(
    "qualified", [f"{module}.{name}" for module, names in PUBLIC.items() for name in names]
)
def test_every_public_name_is_documented(qualified: str) -> None:
    module, name = qualified.rsplit(".", 1)
    value = getattr(hub.testing if module == "hub.testing" else MODULES[module], name)
    assert inspect.getdoc(value), f"{qualified} has no docstring"
    assert in_guide(name), f"docs/plugins.md does not mention {name}"


@pytest.mark.parametrize(
    ("where", "phrases"),
    [
        # The rules a provider cannot learn from the signatures alone.
        ("Provider.fetch", ["external_id", "already seen", "dropped silently", "last one wins"]),
        ("Provider.fetch", ["Skip that names an ``external_id``", "not deactivate"]),
        ("Provider.fetch_changes", ["CursorExpired", "absent"]),
        ("ProviderSettings", ["schedule", "max_deactivate_percent", "admin_implies_teacher"]),
        ("module", ["RetriableProviderError", "never retries", "Secrets never appear"]),
    ],
)
def test_the_rules_are_in_the_contract(where: str, phrases: list[str]) -> None:
    if where == "module":
        doc = provider.__doc__ or ""
    elif where == "ProviderSettings":
        doc = provider.ProviderSettings.__doc__ or ""
    else:
        doc = MEMBERS[where] or ""
    text = " ".join(doc.split())
    for phrase in phrases:
        assert phrase in text, f"{where} does not state: {phrase}"
