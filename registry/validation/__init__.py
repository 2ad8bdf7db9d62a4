"""SHACL validation of passports and demands."""

from registry.validation.report import ValidationReport, ValidationResult
from registry.validation.validator import Validator

__all__ = ["ValidationReport", "ValidationResult", "Validator"]
