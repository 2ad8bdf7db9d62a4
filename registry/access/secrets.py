"""The registry's own secret: the key of its blank-node IRIs, kept in the store so every worker shares it.

Why a key at all: blank-node IRIs digest a node's content (registry/rdf.py: skolemize), restricted
triples included, and the IRIs are public; unkeyed, anyone could confirm a guessed price or supplier
by hashing the guess. Why in the store: every API worker, and a registry restarted on the same data,
must name the same blank node the same way, or re-uploading an unchanged passport would make a new
version. The key is made once, at first start, by whichever worker's guarded write lands first; the
others read that one. It is never logged or returned, and the admin graph holding it never reaches
the public store (registry/access/public.py copies passport graphs only).
"""

from __future__ import annotations

import secrets

from pyoxigraph import Literal, NamedNode, Triple

from registry.errors import StoreError
from registry.namespaces import mpr, sparql_prefixes
from registry.store.base import Changeset, GraphChange, TripleStore
from registry.store.guards import Absent

SKOLEM_KEY = mpr("skolemKey")
KEY_BYTES = 32
P = sparql_prefixes()


def secrets_graph(base: str) -> NamedNode:
    return NamedNode(f"{base.rstrip('/')}/admin/secrets")


def _stored_key(store: TripleStore, graph: NamedNode) -> bytes | None:
    rows = store.select(P + "SELECT ?g ?key WHERE { GRAPH ?g { ?g mpr:skolemKey ?key } } ORDER BY ?key LIMIT 1",
                        {"g": graph})
    return bytes.fromhex(rows[0]["key"].value) if rows else None


def stored_bases(store: TripleStore) -> list[str]:
    """The base URLs the store's keys were made under: normally one, the registry's `MPR_BASE_URL`."""
    rows = store.select(P + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g mpr:skolemKey ?key } }")
    return sorted(row["g"].value.removesuffix("/admin/secrets") for row in rows)


def skolem_key(store: TripleStore, base: str) -> bytes:
    """The store's key for blank-node IRIs, made on first use (32 random bytes)."""
    graph = secrets_graph(base)
    key = _stored_key(store, graph)
    if key is not None:
        return key
    made = Literal(secrets.token_bytes(KEY_BYTES).hex())
    store.apply(Changeset(
        changes=[GraphChange(graph, add=[Triple(graph, SKOLEM_KEY, made)])],
        guard=Absent(graph, graph, SKOLEM_KEY),
    ))
    key = _stored_key(store, graph)  # ours, or the one a worker starting at the same time wrote first
    if key is None:
        raise StoreError("the store did not keep the registry's key for blank-node IRIs")
    return key
