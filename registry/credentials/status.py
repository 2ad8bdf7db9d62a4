"""Revocation through a W3C Bitstring Status List (Bitstring Status List v1.0, W3C Recommendation 2025).

Each passport version gets one entry (an index into one list of 131,072 bits, the specification's
minimum size for group privacy, section 6.1); every credential issued for that version points at it,
so revoking a version revokes all its credentials, full and filtered. Indexes are drawn at random,
not counted up, so a bit's position tells nothing about when or for what it was issued (section 6.4).

Entries are kept in the store, graph `{base}/admin/credential-status`, which the public projection
never copies: `<list#index> mpr:statusOf <passport/credential/vN>`, and `mpr:revokedAt` once revoked.
An index is claimed with a guarded write (the index is still free), so two workers never share one.
It is claimed right after the passport version is written (registry/core.py: the passport service's
change hook), so issuing a credential (an anonymous GET) only reads it; `index` still claims one for
a version written without it (before the hook existed, or a crash between the two writes).
"""

from __future__ import annotations

import base64
import gzip
import secrets
from datetime import UTC, datetime

from pyoxigraph import NamedNode, Triple

from registry.errors import StoreError
from registry.namespaces import mpr, sparql_prefixes
from registry.rdf import datetime_literal
from registry.store.base import Changeset, GraphChange, TripleStore
from registry.store.guards import Absent

LIST_SIZE = 131_072  # bits (16 KiB): Bitstring Status List v1.0, section 6.1
LIST_PATH = "/credentials/status/revocation"
STATUS_OF = mpr("statusOf")
REVOKED_AT = mpr("revokedAt")
MAX_ATTEMPTS = 16
P = sparql_prefixes()


def encode(revoked: set[int], size: int = LIST_SIZE) -> str:
    """`encodedList`: the GZIP-compressed bitstring, base64url without padding, multibase prefix `u`.
    Bit 0 is the left-most (most significant) bit of the first byte (section 4.1)."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The bitstring of an `encodedList` (for verifiers and tests)."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


class StatusList:
    def __init__(self, store: TripleStore, base: str) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.url = self.base + LIST_PATH
        self.graph = NamedNode(f"{self.base}/admin/credential-status")

    def _entry(self, index: int) -> NamedNode:
        return NamedNode(f"{self.url}#{index}")

    @staticmethod
    def subject(passport_iri: str, version: int) -> NamedNode:
        return NamedNode(f"{passport_iri}/credential/v{version}")

    def _indexes(self, subject: NamedNode) -> list[int]:
        rows = self.store.select(P + "SELECT ?g ?s ?e WHERE { GRAPH ?g { ?e mpr:statusOf ?s } }",
                                 {"g": self.graph, "s": subject})
        return sorted(int(r["e"].value.rsplit("#", 1)[1]) for r in rows)

    def index(self, passport_iri: str, version: int) -> int:
        """The entry of this passport version, claimed on first use."""
        subject = self.subject(passport_iri, version)
        for _ in range(MAX_ATTEMPTS):
            found = self._indexes(subject)
            if found:
                return found[0]  # two workers may both have claimed one: the lowest is the one used
            entry = self._entry(secrets.randbelow(LIST_SIZE))
            self.store.apply(Changeset(
                changes=[GraphChange(self.graph, add=[Triple(entry, STATUS_OF, subject)])],
                guard=Absent(self.graph, entry, STATUS_OF),
            ))
        raise StoreError("could not claim a free status list index")

    def revoke(self, passport_iri: str, version: int) -> int:
        index = self.index(passport_iri, version)
        if not self.revoked_index(index):
            stamp = Triple(self._entry(index), REVOKED_AT, datetime_literal(datetime.now(UTC)))
            self.store.apply(Changeset(changes=[GraphChange(self.graph, add=[stamp])],
                                       guard=Absent(self.graph, self._entry(index), REVOKED_AT)))
        return index

    def revoked_index(self, index: int) -> bool:
        query = P + "ASK { GRAPH ?g { ?e mpr:revokedAt ?t } }"
        return self.store.ask(query, {"g": self.graph, "e": self._entry(index)})

    def revoked(self) -> set[int]:
        rows = self.store.select(P + "SELECT ?g ?e WHERE { GRAPH ?g { ?e mpr:revokedAt ?t } }", {"g": self.graph})
        return {int(r["e"].value.rsplit("#", 1)[1]) for r in rows}

    def entry(self, index: int) -> dict[str, str]:
        """The `credentialStatus` of a credential (section 2.1, BitstringStatusListEntry)."""
        return {"id": f"{self.url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                "statusListIndex": str(index), "statusListCredential": self.url}
