"""Imports (IFC models, spreadsheets) for a caller: a stored import is a passport upload, through the
same guard; a dry run converts and validates for anyone and stores nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyoxigraph import RdfFormat

from registry.access.mappings import AccessControlledMappings
from registry.access.passports import AccessControlledPassports
from registry.concepts import ConceptScheme
from registry.importers import ifc, spreadsheet, untp
from registry.passports.model import Agent, WriteResult
from registry.validation import ValidationReport


@dataclass(frozen=True)
class Imported:
    """The converted passport and its import report; `written` when stored, `validation` on a dry run."""

    turtle: bytes
    report: dict[str, Any]
    written: WriteResult | None = None
    validation: ValidationReport | None = None


class AccessControlledImports:
    def __init__(self, passports: AccessControlledPassports, concepts: ConceptScheme, base: str,
                 mappings: AccessControlledMappings) -> None:
        self.passports = passports
        self.concepts = concepts
        self.base = base
        self.mappings = mappings

    def ifc(self, agent: Agent, data: bytes, name: str, slug: str | None, dry_run: bool,
            mappings: str | None = None) -> Imported:
        """`mappings`: the organisation whose material-mapping table to apply (the caller must be able to read it)."""
        if not dry_run:
            self.passports.check_writer(agent)  # before the conversion: it is the expensive part
        importer = ifc.IfcImporter(self.concepts, self.base, self.mappings.for_import(agent, mappings))
        result = importer.import_bytes(data, name)
        return self._finish(agent, result.turtle, result.report.as_dict(), slug, dry_run, f"imported from IFC {name}")

    def spreadsheet(
        self, agent: Agent, data: bytes, name: str, kind: str, slug: str | None, dry_run: bool,
        mappings: str | None = None,
    ) -> Imported:
        """`kind` is "xlsx" or "csv"; `mappings` as for `ifc`."""
        if not dry_run:
            self.passports.check_writer(agent)
        importer = spreadsheet.SheetImporter(self.concepts, self.base, self.mappings.for_import(agent, mappings))
        result = importer.import_bytes(data, name, kind)
        return self._finish(agent, result.turtle, result.report.as_dict(), slug, dry_run,
                            f"imported from spreadsheet {name}")

    def _finish(
        self, agent: Agent, turtle: bytes, report: dict[str, Any], slug: str | None, dry_run: bool, reason: str
    ) -> Imported:
        if dry_run:
            return Imported(turtle, report, validation=self.passports.check(turtle, RdfFormat.TURTLE))
        written = self.passports.create(agent, turtle, RdfFormat.TURTLE, slug, reason)
        return Imported(turtle, report, written=written)

    def untp(self, agent: Agent, data: bytes, slug: str | None, dry_run: bool) -> Imported:
        """A UNTP Digital Product Passport (JSON-LD) as a product passport (registry/importers/untp.py)."""
        if not dry_run:
            self.passports.check_writer(agent)
        result = untp.import_untp(data)
        return self._finish(agent, result.turtle, result.report(), slug, dry_run, "imported from a UNTP DPP")
