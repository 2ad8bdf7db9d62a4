"""Triple store backends behind one interface."""

from registry.store.base import Changeset, GraphChange, QueryOutput, StoreInfo, TripleStore

__all__ = ["Changeset", "GraphChange", "QueryOutput", "StoreInfo", "TripleStore"]
