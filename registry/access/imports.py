"""Imports (IFC models, spreadsheets, EPDs) for a caller: a stored import is a passport upload, through the
same guard; a dry run converts and validates for anyone and stores nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyoxigraph import RdfFormat

from registry.access.passports import AccessControlledPassports
from registry.concepts import ConceptScheme
from registry.importers import epd, ifc, spreadsheet
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
    def __init__(self, passports: AccessControlledPassports, concepts: ConceptScheme, base: str) -> None:
        self.passports = passports
        self.concepts = concepts
        self.base = base

    def ifc(self, agent: Agent, data: bytes, name: str, slug: str | None, dry_run: bool) -> Imported:
        if not dry_run:
            self.passports.check_writer(agent)  # before the conversion: it is the expensive part
        importer = ifc.IfcImporter(self.concepts, self.base)
        result = importer.import_bytes(data, name)
        return self._finish(agent, result.turtle, result.report.as_dict(), slug, dry_run, f"imported from IFC {name}")

    def spreadsheet(
        self, agent: Agent, data: bytes, name: str, kind: str, slug: str | None, dry_run: bool
    ) -> Imported:
        """`kind` is "xlsx" or "csv"."""
        if not dry_run:
            self.passports.check_writer(agent)
        importer = spreadsheet.SheetImporter(self.concepts, self.base)
        result = importer.import_bytes(data, name, kind)
        return self._finish(agent, result.turtle, result.report.as_dict(), slug, dry_run,
                            f"imported from spreadsheet {name}")

    def epd(self, agent: Agent, data: bytes, name: str, kind: str, slug: str | None, dry_run: bool) -> Imported:
        """`kind` is "openepd" or "ilcd" (`registry.importers.epd.detect`); the report says whether it expired."""
        if not dry_run:
            self.passports.check_writer(agent)
        result = epd.import_bytes(data, name, kind)
        return self._finish(agent, result.turtle, result.report, slug, dry_run, f"imported from EPD {name}")

    def _finish(
        self, agent: Agent, turtle: bytes, report: dict[str, Any], slug: str | None, dry_run: bool, reason: str
    ) -> Imported:
        if dry_run:
            return Imported(turtle, report, validation=self.passports.check(turtle, RdfFormat.TURTLE))
        written = self.passports.create(agent, turtle, RdfFormat.TURTLE, slug, reason)
        return Imported(turtle, report, written=written)
