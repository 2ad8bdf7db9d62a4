"""SHACL validation of passports and demands, behind one engine interface (`ShaclEngine`)."""

from registry.validation.engine import ShaclEngine
from registry.validation.report import ValidationReport, ValidationResult
from registry.validation.validator import DEFAULT_ENGINE, ENGINES, Validator, check_engine

__all__ = ["DEFAULT_ENGINE", "ENGINES", "ShaclEngine", "ValidationReport", "ValidationResult", "Validator",
           "check_engine"]
