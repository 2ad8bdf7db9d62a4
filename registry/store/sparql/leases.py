"""Writes across several workers: short leases kept in the store serialise writers of the same graphs.

A conditional `DELETE {..} INSERT {..} WHERE {guard}` is NOT a compare-and-set on these servers:
measured with 8 concurrent requests whose guard was the same version, `oxigraph serve` 0.5 applied
all 8 (snapshot isolation without write-write conflict detection) and Virtuoso 7.2 applied two of
them in one run of three. So the store serialises writers itself with short leases kept in the
store, in the graph `urn:mpr:write-leases`:

1. claim: INSERT DATA `<graph> mpr:leasedTo <urn:uuid:token>` for every graph the changeset
   touches, plus the lease's expiry time (idempotent, safe to retry);
2. check, in ONE query (one snapshot): the live leases on those graphs, and whether the guard
   holds. Another live lease: withdraw the claim, back off a random while, try again (a claim is
   only kept by a writer that saw no other, so of writers that overlap in time at most one
   proceeds; all may back off, hence the random delays). The guard does not hold: withdraw the
   claim and return False;
3. write, in ONE update request: DELETE DATA (removed triples, this lease, expired leases seen),
   then INSERT DATA (added triples), one operation per GRAPH block (see `sparql_text.data_update`).
   The server applies one request as one transaction (Oxigraph: always, also when killed mid-write,
   see the interrupted-write test; Virtuoso: as long as no operation in it fails).

Three requests per write (claim, check, write) instead of one conditional update: the price of a
guard that holds with several workers. The guard is still evaluated by the server, in step 2.
Did it take effect? A 2xx answer says so. When the answer is lost (connection cut, server killed)
the lease is the marker: it is deleted in the same transaction as the write, so "lease gone" means
"written"; "lease still there" means nothing was written. If the server cannot be asked, the
caller gets StoreUnavailable, the store holds the old or the new state, and the lease expires.

Limits: leases bind only registry workers (an admin's SPARQL UPDATE through /sparql does not
take them); expiry uses the workers' clocks (keep them within seconds); lease graph triples are
briefly visible to queries of the union default graph.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyoxigraph import Literal, NamedNode, Triple

from registry.errors import Conflict, RegistryError, StoreUnavailable
from registry.rdf import datetime_literal
from registry.store.base import Changeset, GraphChange
from registry.store.guards import Guard
from registry.store.sparql.reads import Reader
from registry.store.sparql_text import data_update, guard_pattern, values_clause

log = logging.getLogger(__name__)

LEASE_GRAPH = NamedNode("urn:mpr:write-leases")
LEASED_TO = NamedNode("urn:mpr:leasedTo")
LEASE_EXPIRES = NamedNode("urn:mpr:leaseExpires")


def _now() -> datetime:
    return datetime.now(UTC)



def guard_group(guard: Guard) -> str:
    """The guard as a group graph pattern Virtuoso evaluates: the VALUES row in front makes it run a guard
    that is only a FILTER NOT EXISTS (alone in its group, Virtuoso 7.2 ignores that filter)."""
    return f"{{ VALUES ?mpr_guard {{ 1 }} {guard_pattern(guard)} }}"


@dataclass(frozen=True)
class Lease:
    token: NamedNode
    expiry: Literal | None

    def alive(self, now: datetime) -> bool:
        """A lease without a readable expiry is treated as expired, so it can never block writers forever."""
        if self.expiry is None:
            return False
        try:
            return datetime.fromisoformat(self.expiry.value) > now
        except ValueError:
            return False

    def triples(self, graphs: Sequence[NamedNode]) -> list[Triple]:
        found = [Triple(g, LEASED_TO, self.token) for g in graphs]
        if self.expiry is not None:
            found.append(Triple(self.token, LEASE_EXPIRES, self.expiry))
        return found


class LeasedWriter:
    """`apply` of the SPARQL store: claim, check, write (see the module's note)."""

    LEASE_S = 60.0
    LOCK_WAIT_S = 15.0
    CHUNK = 2000  # triples per GRAPH block in an update (Virtuoso's parser gives up near 5,000)

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.client = reader.client
        self._stale_leases: list[Triple] = []

    def _update(self, changes: Sequence[GraphChange]) -> str:
        return data_update(changes, self.CHUNK)

    def _check(self, graphs: Sequence[NamedNode], guard: Guard | None) -> tuple[list[Lease], bool]:
        """Leases on these graphs and whether the guard holds, read in one query (one snapshot)."""
        leases = (f"{{ GRAPH {LEASE_GRAPH} {{ ?g {LEASED_TO} ?t }} "
                  f"OPTIONAL {{ GRAPH {LEASE_GRAPH} {{ ?t {LEASE_EXPIRES} ?x }} }} "
                  f"{values_clause('g', graphs)} }}")
        holds = (f"UNION {{ SELECT (1 AS ?ok) WHERE {guard_group(guard)} LIMIT 1 }}"
                 if guard is not None else "")
        rows = self.reader.select(f"SELECT ?t ?x ?ok WHERE {{ {leases} {holds} }}")
        found: dict[NamedNode, Lease] = {}
        ok = guard is None
        for row in rows:
            token, expiry = row.get("t"), row.get("x")
            if "ok" in row:
                ok = True
            elif isinstance(token, NamedNode):
                found[token] = Lease(token, expiry if isinstance(expiry, Literal) else None)
        return list(found.values()), ok

    def _release(self, triples: Sequence[Triple]) -> None:
        if not triples:
            return
        try:
            self.client.write_idempotent(self._update([GraphChange(LEASE_GRAPH, remove=triples)]))
        except RegistryError:
            self._stale_leases.extend(triples)  # released later, or expires
            log.warning("could not withdraw a write lease; it expires within %.0f s", self.LEASE_S)

    def _claim(self, graphs: Sequence[NamedNode]) -> list[Triple]:
        token = NamedNode(f"urn:uuid:{uuid.uuid4()}")
        lease = [Triple(g, LEASED_TO, token) for g in graphs]
        lease.append(Triple(token, LEASE_EXPIRES, datetime_literal(_now() + timedelta(seconds=self.LEASE_S))))
        self.client.write_idempotent(self._update([GraphChange(LEASE_GRAPH, add=lease)]))
        return lease

    def apply(self, changeset: Changeset) -> bool:
        if changeset.size == 0:
            return self.reader.ask(f"ASK {guard_group(changeset.guard)}") if changeset.guard else True
        if self._stale_leases:
            stale, self._stale_leases = self._stale_leases, []
            self._release(stale)
        graphs = sorted({c.graph for c in changeset.all_changes}, key=str)
        give_up = time.monotonic() + self.LOCK_WAIT_S
        for attempt in range(1_000):
            claimed_at = time.monotonic()
            lease = self._claim(graphs)
            token = lease[0].object
            try:
                others, guard_holds = self._check(graphs, changeset.guard)
            except RegistryError:
                self._release(lease)
                raise
            now = _now()
            live = [x for x in others if x.token != token and x.alive(now)]
            if live:
                self._release(lease)
                if time.monotonic() > give_up:
                    raise Conflict("other writers keep changing the same data; try again")
                time.sleep(random.uniform(0.005, 0.02) * min(attempt + 1, 10))
                continue
            if not guard_holds:
                self._release(lease)
                return False
            if time.monotonic() - claimed_at > self.LEASE_S / 2:
                self._release(lease)
                continue  # too slow to trust the lease for the write: claim again
            cleanup = [t for x in others if x.token != token for t in x.triples(graphs)]
            return self._write_under_lease(changeset, lease, cleanup)
        raise Conflict("other writers keep changing the same data; try again")

    def _write_under_lease(self, changeset: Changeset, lease: list[Triple], cleanup: list[Triple]) -> bool:
        text = self._update([*changeset.all_changes, GraphChange(LEASE_GRAPH, remove=lease + cleanup)])
        try:
            self.client.send_update(text)
        except StoreUnavailable as exc:
            return self._settle_lost_answer(lease, exc)
        except RegistryError:
            self._release(lease)
            raise
        return True

    def _settle_lost_answer(self, lease: list[Triple], exc: StoreUnavailable) -> bool:
        """The write's answer was lost: the lease tells whether the transaction committed."""
        first = lease[0]
        try:
            still_leased = self.reader.ask(
                f"ASK {{ GRAPH {LEASE_GRAPH} {{ {first.subject} {first.predicate} {first.object} }} }}")
        except RegistryError:
            self._stale_leases.extend(lease)
            raise StoreUnavailable(
                f"{exc.message} (a write was in flight: the store holds either all of it or none of it)"
            ) from exc
        if not still_leased:
            return True
        self._release(lease)
        raise exc
