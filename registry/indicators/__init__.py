"""Read-only indicators of passports: mass by material, circularity (MCI), embodied carbon, detachability."""

from registry.indicators.service import Indicators, IndicatorService

__all__ = ["IndicatorService", "Indicators"]
