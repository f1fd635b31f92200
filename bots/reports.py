"""Words for upload results and runs, shared by every chat surface.

Plain text with light markup (``*bold*``, backticks) that reads fine where it is not rendered.
Nothing here ever sees a password: upload results carry counts and validation messages, runs
carry counts and issues.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.cells import csv_bytes
from hub.run_status import ACTIVE

SHOWN_ERRORS = 20
SHOWN_ISSUES = 5
SHOWN_WARNINGS = 5

RUN_COUNT_KEYS = ("created", "updated", "deactivated", "reactivated", "unchanged", "skipped")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _where(problem: Mapping[str, Any]) -> str:
    parts = [str(problem.get("sheet") or "file")]
    if problem.get("row"):
        parts.append(f"row {problem['row']}")
    if problem.get("column"):
        parts.append(str(problem["column"]))
    return ", ".join(parts)


def problem_lines(problems: Iterable[Mapping[str, Any]], *, limit: int) -> list[str]:
    items = list(problems)
    lines = [f"• {_where(p)}: {p.get('message', '')}" for p in items[:limit]]
    if len(items) > limit:
        lines.append(f"…and {len(items) - limit} more.")
    return lines


def problems_csv(problems: Iterable[Mapping[str, Any]]) -> bytes:
    """All validation problems as a CSV a person can sort and filter (UTF-8 with BOM for Excel).
    Sheet names and messages quote the uploaded file, so every cell is formula-escaped."""
    return csv_bytes(
        ("Sheet", "Row", "Column", "Message"),
        (
            (
                p.get("sheet") or "",
                p.get("row") or "",
                p.get("column") or "",
                p.get("message") or "",
            )
            for p in problems
        ),
        bom=True,
    )


def upload_counts(counts: Mapping[str, Any]) -> str:
    return (
        f"{counts.get('created', 0)} new, {counts.get('updated', 0)} updated, "
        f"{counts.get('unchanged', 0)} unchanged"
    )


def rejected_text(filename: str, result: Mapping[str, Any]) -> str:
    errors = list(result.get("errors") or [])
    head = (
        f"I couldn't accept `{filename}`: it has {_plural(len(errors), 'problem')}, so nothing "
        "was changed. Please fix them and send the file again."
    )
    return "\n".join([head, *problem_lines(errors, limit=SHOWN_ERRORS)])


def preview_text(filename: str, school: str, result: Mapping[str, Any], *, ttl_minutes: int) -> str:
    counts = result.get("counts") or {}
    generated = int(counts.get("passwords_generated", 0) or 0)
    lines = [
        f"`{filename}` for *{school}* looks good. If you confirm, I will apply it: "
        f"{upload_counts(counts)}.",
    ]
    if generated:
        lines.append(
            f"{_plural(generated, 'new password')} will be generated and sent to you privately."
        )
    return _with_warnings(lines, result, ttl_minutes)


def _with_warnings(lines: list[str], result: Mapping[str, Any], ttl_minutes: int) -> str:
    """A preview's lines, then its warnings and how long it is valid."""
    warnings = list(result.get("warnings") or [])
    if warnings:
        lines.append(f"{_plural(len(warnings), 'warning')} (nothing blocking):")
        lines.extend(problem_lines(warnings, limit=SHOWN_WARNINGS))
    lines.append(f"This preview is valid for {ttl_minutes} minutes.")
    return "\n".join(lines)


def applied_text(filename: str, school: str, result: Mapping[str, Any]) -> str:
    counts = result.get("counts") or {}
    return f"Done: `{filename}` is applied to *{school}* ({upload_counts(counts)})."


def support_notice(
    who: str, filename: str, school: str, upload_id: str, result: Mapping[str, Any]
) -> str:
    counts = result.get("counts") or {}
    generated = int(counts.get("passwords_generated", 0) or 0)
    return (
        f"{who} uploaded `{filename}` to *{school}* from chat ({upload_id}): "
        f"{upload_counts(counts)}; {_plural(generated, 'password')} generated and sent to them privately."
    )


def rooms_preview_text(
    filename: str, school: str, result: Mapping[str, Any], *, ttl_minutes: int
) -> str:
    lines = [
        f"`{filename}` for *{school}* looks good. If you confirm, I will import the rooms: "
        f"{upload_counts(result.get('counts') or {})}. No room is changed until then."
    ]
    return _with_warnings(lines, result, ttl_minutes)


def rooms_applied_text(filename: str, school: str, result: Mapping[str, Any]) -> str:
    counts = result.get("counts") or {}
    return (
        f"Done: the rooms in `{filename}` are imported into *{school}* ({upload_counts(counts)})."
    )


def rooms_support_notice(who: str, filename: str, school: str, result: Mapping[str, Any]) -> str:
    counts = result.get("counts") or {}
    return f"{who} imported rooms from `{filename}` into *{school}* from chat: {upload_counts(counts)}."


# -- runs -------------------------------------------------------------------------------------


def run_counts(counts: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} {int(counts.get(key, 0) or 0)}" for key in RUN_COUNT_KEYS)


def run_line(label: str, run: Mapping[str, Any]) -> str:
    """One line per run: where it is, and once it ended, what it did."""
    status = run.get("status")
    head = f"{label}: `{run.get('id')}` *{status}*"
    if status in ACTIVE:
        return f"{head}…"
    parts = [head, f"({run_counts(run.get('counts') or {})})"]
    if run.get("error"):
        parts.append(f"— {run['error']}")
    return " ".join(parts)


def run_issues(run: Mapping[str, Any], *, limit: int = SHOWN_ISSUES) -> list[str]:
    issues = list(run.get("issues") or [])
    if not issues:
        return []
    lines = [f"  {_plural(len(issues), 'issue')}:"]
    for issue in issues[:limit]:
        who = issue.get("email") or issue.get("external_id") or "—"
        lines.append(f"  • {issue.get('severity', 'warning')} {who}: {issue.get('message', '')}")
    if len(issues) > limit:
        lines.append(f"  …and {len(issues) - limit} more (`rosterhub runs show {run.get('id')}`).")
    return lines
