"""Time travel: which version of each record was current at a moment, and its content then.

Why from the change records and not from stored copies: history is kept as patches (docs/architecture.md
2), every change says when it ended (`prov:endedAtTime`), so the version current at T is the highest
version whose change ended at or before T, and its content is rebuilt by applying the later patches
backwards. A withdrawal is a change too: a record withdrawn at or before T had no content at T.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pyoxigraph import Literal, NamedNode

from registry.errors import Gone, InvalidParameter, NotFound
from registry.namespaces import XSD, sparql_prefixes
from registry.passports import records
from registry.passports.naming import ID_PATTERN
from registry.passports.service import CHANGE_KINDS, PassportService
from registry.store.sparql_text import values_clause

P = sparql_prefixes()
XSD_DATETIME = NamedNode(XSD + "dateTime")
WITHDRAWN_KIND = CHANGE_KINDS["withdrawn"]
AT_FORM = "YYYY-MM-DD or an xsd:dateTime such as 2025-01-31T12:00:00Z"

# One row per change that ended at or before the moment (its kind and end); the highest version of each
# record is kept in Python: a MAX sub-select joined back to the changes took twice as long (10k records).
# The moment and prefix are written into the text as N-Triples literals (made here, never from input text);
# `among`: nothing (every record), one organisation's records, or a VALUES list of records.
VERSIONS_AT = P + """SELECT ?g ?p ?v ?kind ?t WHERE {{ {among}
  GRAPH ?g {{ ?c mpr:changeOf ?p ; mpr:version ?v ; mpr:changeKind ?kind ; prov:endedAtTime ?t }}
  FILTER(?t <= {at} && STRSTARTS(STR(?p), {prefix}))
}}"""


def parse_at(text: str) -> datetime:
    """`?at=`: a date means the end of that day (UTC); a dateTime without a zone is taken as UTC."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidParameter(f"at={text[:40]!r} is not a date or dateTime; use {AT_FORM}") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00:00+01:00 lies before the first representable moment
        raise InvalidParameter(f"at={text[:40]!r} lies outside the years 1 to 9999 in UTC") from exc


@dataclass(frozen=True)
class VersionAt:
    iri: str
    version: int
    withdrawn: bool  # the change current at that moment withdrew the record
    since: str  # when that change ended (xsd:dateTime)


def _stamp(moment: datetime) -> Literal:
    return Literal(moment.astimezone(UTC).isoformat().replace("+00:00", "Z"), datatype=XSD_DATETIME)


def versions_at(service: PassportService, moment: datetime, owner: str | None = None,
                among: Iterable[str] | None = None) -> dict[str, VersionAt]:
    """Every record of the service's collection that existed at `moment`, by IRI (withdrawn ones marked); of one
    `owner` only, or of the records `among`, if given (a small organisation's baseline reads its own records'
    changes, not everyone's)."""
    prefix = f"{service.base}/{service.collection}/"
    clause = ""
    if owner is not None:
        clause = records.owned_pattern(owner, "?p", "?owned_v", "?owned_s", "?g")
    elif among is not None:
        clause = values_clause("p", sorted(among))
    rows = service.store.select(VERSIONS_AT.format(among=clause, at=_stamp(moment), prefix=Literal(prefix)))
    found: dict[str, VersionAt] = {}
    for row in rows:
        iri, version = row["p"].value, int(row["v"].value)
        if not service.is_record(iri, row["g"]) or (iri in found and found[iri].version >= version):
            continue  # not a record's change in its record graph (a sub-resource, a passport's own claim), or older
        found[iri] = VersionAt(iri, version, row["kind"] == WITHDRAWN_KIND, row["t"].value)
    return found


class VersionsThen(dict[str, int]):
    """Record IRI -> its version at a moment (absent: not there yet, or withdrawn then), from `versions_at`; when
    that read one organisation's records only (`complete` False), `cover` reads other records (product types of
    other owners) as they are needed, a list at a time."""

    def __init__(self, service: PassportService, moment: datetime, found: Mapping[str, VersionAt],
                 complete: bool = True) -> None:
        super().__init__((iri, at.version) for iri, at in found.items() if not at.withdrawn)
        self.service, self.moment, self.complete = service, moment, complete
        self.asked = set(found)

    def cover(self, graphs: Iterable[str]) -> None:
        """Read the versions then of these graphs not read yet: those that name a record of the collection (a
        passport's `mpr:instanceOf` may name anything)."""
        prefix = f"{self.service.base}/{self.service.collection}/"
        missing = {g for g in set(graphs) - self.asked if g.startswith(prefix) and ID_PATTERN.match(g[len(prefix):])}
        if self.complete or not missing:
            return
        self.asked |= missing
        found = versions_at(self.service, self.moment, among=missing)
        self.update((iri, at.version) for iri, at in found.items() if not at.withdrawn)


def version_at(service: PassportService, record_id: str, moment: datetime) -> int:
    """The version of one record current at `moment`; 404 before it existed, 410 while withdrawn."""
    names = service.names(record_id)
    rows = service.store.select(
        P + "SELECT ?g ?p ?at ?v ?kind WHERE { GRAPH ?g { ?c mpr:changeOf ?p ; mpr:version ?v ; mpr:changeKind ?kind ; "
        "prov:endedAtTime ?end } FILTER(?end <= ?at) } ORDER BY DESC(?v) LIMIT 1",
        {"g": names.record_graph, "p": names.node, "at": _stamp(moment)},
    )
    shown = moment.isoformat()
    if not rows:
        raise NotFound(f"{service.noun} {record_id!r} did not exist yet at {shown}")
    version = int(rows[0]["v"].value)
    if rows[0]["kind"] == WITHDRAWN_KIND:
        raise Gone(f"{service.noun} {record_id!r} was withdrawn at {shown} (version {version}); "
                   f"earlier versions remain readable")
    return version
