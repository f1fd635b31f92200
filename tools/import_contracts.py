"""An import-linter contract type the built-in ones lack: an allowlist.

``type = "allowlist"``: every module in ``source_modules`` (each taken as a package) may import,
from the packages named in ``within``, only modules matching ``allowed_modules`` (module
expressions: ``hub.provider`` is that module alone, ``hub.testing.**`` its descendants).
Imports inside one source package are its own business and are not checked. A module in
parentheses, ``(hub.console)``, is optional: it is checked once it exists. Forbidding by name
(import-linter's ``forbidden``) misses a module added later; an allowlist does not, which is
what "a provider imports only the provider contract" needs.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.domain.helpers import module_expressions_to_modules
from importlinter.domain.imports import ModuleExpression


def _optional(expression: str) -> tuple[str, bool]:
    text = expression.strip()
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1].strip(), True
    return text, False


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


class AllowlistContract(Contract):
    """Sources may import, within some packages, only what the contract allows."""

    type_name = "allowlist"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())
    within = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        allowed = {
            module.name
            for module in module_expressions_to_modules(
                graph,
                [ModuleExpression(_optional(e)[0]) for e in self.allowed_modules],  # type: ignore[attr-defined]
            )
        }
        within: list[str] = list(self.within)  # type: ignore[call-overload]
        illegal: list[dict[str, Any]] = []
        for expression in self.source_modules:  # type: ignore[attr-defined]
            source, optional = _optional(expression)
            if source not in graph.modules:
                if optional:
                    continue
                msg = f"Module '{source}' does not exist."
                raise ValueError(msg)
            for importer in sorted({source} | graph.find_descendants(source)):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if _in_package(imported, source) or imported in allowed:
                        continue
                    if not any(_in_package(imported, root) for root in within):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = tuple(d["line_number"] for d in details)
                    illegal.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(
            kept=not illegal,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"illegal": illegal},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Imports of modules this contract does not allow:", bold=False)
        output.new_line()
        for item in check.metadata["illegal"]:
            lines = ", ".join(map(str, item["lines"]))
            output.print_error(
                f"- {item['importer']} -> {item['imported']} (l.{lines})", bold=False
            )
            output.new_line()
