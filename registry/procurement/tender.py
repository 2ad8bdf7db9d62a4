"""Checking offers (product passports) against a criteria profile: per criterion pass, fail or not shown.

Why the verdicts are made here and not read off `conforms`: SHACL reports only violations, so a
criterion whose targets are absent from an offer (no product with a GTIN, no material composition)
would pass vacuously. A criterion is therefore
- "not shown" when none of its focus nodes is in the offer, or when the only violations are of
  sh:minCount (the value is missing);
- "fail" when any other constraint of it is violated (the failing triple is the evidence);
- "pass" otherwise (the triples that satisfy it are the evidence).
Award criteria earn their weight when passed; score = passed award weight / all award weight x 100.
Offers are ranked admissible first (every minimum requirement passed), then by score, then by id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Quad, Store, Triple

from registry.errors import NotComputable
from registry.namespaces import RDF, SH
from registry.procurement.criteria import Criterion, Profile
from registry.validation import ValidationResult
from registry.validation.fast import FastEngine
from registry.validation.shapes import ShapesSource

MIN_COUNT = SH + "MinCountConstraintComponent"
MAX_EVIDENCE = 10
FOCUS = {
    "targetClass": "?focus <" + RDF + "type> ?t",
    "targetSubjectsOf": "?focus ?t ?any",
    "targetObjectsOf": "?any ?t ?focus",
    "targetNode": "BIND(?t AS ?focus)",
}


@dataclass(frozen=True)
class Offer:
    """One passport offered, with the graphs it draws on (its own and its product types'), by IRI."""

    passport: str
    version: int
    graphs: dict[str, list[Triple]]
    versions: dict[str, int] = field(default_factory=dict)  # graph -> version read


@dataclass
class Verdict:
    criterion: Criterion
    status: str  # "pass" | "fail" | "not shown"
    evidence: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"criterion": self.criterion.as_dict(), "status": self.status, "evidence": self.evidence}


@dataclass
class OfferResult:
    passport: str
    version: int
    verdicts: list[Verdict]
    sources: dict[str, int]  # graphs read and their versions
    score: float = 0.0
    admissible: bool = False
    rank: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"passport": self.passport, "version": self.version, "rank": self.rank, "admissible": self.admissible,
                "score": self.score, "sources": self.sources, "criteria": [v.as_dict() for v in self.verdicts]}


@dataclass
class TenderReport:
    profile: str
    profile_version: int | None
    offers: list[OfferResult]

    def as_dict(self) -> dict[str, object]:
        return {"profile": self.profile, "profile_version": self.profile_version,
                "offers": [o.as_dict() for o in self.offers]}

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["rank", "passport", "version", "admissible", "score", "criterion", "label_en", "label_nl",
                         "kind", "weight", "status", "subject", "predicate", "object", "graph", "source"])
        for o in self.offers:
            for v in o.verdicts:
                c = v.criterion
                first = v.evidence[0] if v.evidence else {}
                writer.writerow([o.rank, o.passport, o.version, o.admissible, f"{o.score:.2f}", c.iri, c.label_en,
                                 c.label_nl or "", c.kind, c.weight, v.status, first.get("subject", ""),
                                 first.get("predicate", ""), first.get("object", ""), first.get("graph", ""),
                                 c.source or ""])
        return out.getvalue()


def _store(offer: Offer) -> Store:
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object, NamedNode(g)) for g, ts in offer.graphs.items() for t in ts)
    return store


def _focus_nodes(store: Store, criterion: Criterion) -> list[tuple[str, str]]:
    """(focus node, graph) of each focus node of the criterion's targets in the offer."""
    found: list[tuple[str, str]] = []
    for kind, iri in criterion.targets:
        pattern = FOCUS.get(kind)
        if pattern is None:
            continue
        query = f"SELECT DISTINCT ?focus ?g WHERE {{ BIND(<{NamedNode(iri).value}> AS ?t) GRAPH ?g {{ {pattern} }} }}"
        found += [(r["focus"].value, r["g"].value) for r in store.query(query)]  # type: ignore[union-attr]
    return sorted(set(found))


def _values(store: Store, criterion: Criterion, focus: str) -> list[dict[str, str]]:
    if criterion.path is None:
        return []
    rows = store.query(f"SELECT ?v ?g WHERE {{ GRAPH ?g {{ <{NamedNode(focus).value}> "
                       f"<{NamedNode(criterion.path).value}> ?v }} }}")
    return [{"subject": focus, "predicate": criterion.path, "object": r["v"].value, "graph": r["g"].value}
            for r in rows]  # type: ignore[union-attr]


def _belongs(result: ValidationResult, criterion: Criterion) -> bool:
    shape = result.source_shape or ""
    return shape == criterion.iri or shape.startswith(criterion.iri + " ")


def verdict(store: Store, criterion: Criterion, results: Sequence[ValidationResult]) -> Verdict:
    focus = _focus_nodes(store, criterion)
    mine = [r for r in results if r.severity == "Violation" and _belongs(r, criterion)]
    if not focus:
        return Verdict(criterion, "not shown")
    # sh:hasValue is violated too where the value is missing: a focus node without a value is not shown
    missing = {r.focus_node for r in mine if r.constraint == MIN_COUNT}
    failing = [r for r in mine if r.constraint != MIN_COUNT and r.focus_node not in missing]
    if failing:
        return Verdict(criterion, "fail", [{"subject": r.focus_node, "predicate": r.path or "", "object": r.value or "",
                                            "message": r.message} for r in failing[:MAX_EVIDENCE]])
    if mine:
        shown = [r for r in mine if r.constraint == MIN_COUNT]
        return Verdict(criterion, "not shown", [{"subject": r.focus_node, "predicate": r.path or "", "object": "",
                                                 "message": r.message} for r in shown[:MAX_EVIDENCE]])
    evidence = [e for node, _graph in focus for e in _values(store, criterion, node)]
    return Verdict(criterion, "pass", evidence[:MAX_EVIDENCE])


def check_offers(profile: Profile, offers: Sequence[Offer], vocabulary: Sequence[Triple]) -> TenderReport:
    """Every offer against every criterion of the profile, scored and ranked."""
    try:
        engine = FastEngine(ShapesSource(shapes=profile.shapes, vocabulary=tuple(vocabulary)))
    except ValueError as exc:  # a profile stored before a check existed, or written around the service
        raise NotComputable(f"profile {profile.name!r} cannot be compiled: {exc}", reason=str(exc)) from exc
    award_weight = sum(c.weight for c in profile.criteria if c.kind == "award")
    results = []
    for offer in offers:
        store = _store(offer)
        data = [t for ts in offer.graphs.values() for t in ts]
        report = engine.validate(data)
        verdicts = [verdict(store, c, report.results) for c in profile.criteria]
        passed = sum(v.criterion.weight for v in verdicts if v.criterion.kind == "award" and v.status == "pass")
        admissible = all(v.status == "pass" for v in verdicts if v.criterion.kind == "minimum")
        score = 100 * passed / award_weight if award_weight > 0 else 0.0
        results.append(OfferResult(offer.passport, offer.version, verdicts, offer.versions, score, admissible))
    results.sort(key=lambda r: (not r.admissible, -r.score, r.passport))
    for rank, result in enumerate(results, 1):
        result.rank = rank
    return TenderReport(profile.name, profile.version, results)

