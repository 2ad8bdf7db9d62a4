"""The remote backend: any SPARQL 1.1 server over HTTP, split by job (see `store` for the map)."""

from registry.store.sparql.store import SparqlStore

__all__ = ["SparqlStore"]
