"""Passports: create, read, update as new versions, withdraw; versions kept as patches with provenance."""

from registry.passports.model import Agent, ChangeInfo, PassportRecord, WriteResult
from registry.passports.service import PassportService

__all__ = ["Agent", "ChangeInfo", "PassportRecord", "PassportService", "WriteResult"]
