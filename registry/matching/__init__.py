"""Supply search and matching of demand to supply: read-only computations over the current store."""

from registry.matching.service import MatchingService, build_matching

__all__ = ["MatchingService", "build_matching"]
