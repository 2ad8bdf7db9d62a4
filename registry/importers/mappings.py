"""An organisation's own material-name table: the names its models use, mapped to concepts, kept in the store.

Why: builders' tools and templates repeat the same few hundred names; once a person has mapped "Vloer
kanaalplaat 200" or "STEEL/NEOPRENE" for their organisation, every later import (and a re-import) should apply
it, and nobody should have to teach the registry the same name twice. This is the daily work of material
passport users (Madaster's "material mapping").

Stored as SKOS: the table is a `skos:ConceptScheme` in the named graph `{base}/organisations/{org}/material-mappings`;
each name is a `skos:Concept` of it (`skos:prefLabel` the name as written) with a SKOS mapping property
(`skos:exactMatch`, or `skos:closeMatch`/`skos:broadMatch` when the organisation says the concept is only close
or broader) to a concept of ontology/materials.ttl. Versioned like passports: `owl:versionInfo` counts the
versions, every version is kept whole in `{graph}/versions/{n}` (tables are small), and a write names the
version it replaces (If-Match), checked in the same step as the write.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from registry.access.tokens import ORG_PATTERN
from registry.concepts import ConceptScheme, normalise
from registry.errors import MalformedInput, PreconditionFailed
from registry.namespaces import DCTERMS, MATERIALS, OWL, PROV, RDF_TYPE, SKOS, XSD
from registry.rdf import datetime_literal
from registry.store.base import Changeset, GraphChange
from registry.store.guards import Absent, Contains
from registry.store.organisations import OrganisationGraphs

#: SKOS mapping properties an organisation may state, by the short name the API accepts.
RELATIONS = {"exact": SKOS + "exactMatch", "close": SKOS + "closeMatch", "broad": SKOS + "broadMatch"}
#: A table holds at most this many names, each at most this long (bounds what one request can store).
MAX_NAMES = 5000
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class NameMapping:
    """One name of the table: the concept it maps to and how (exact, close, broad)."""

    concept: str
    relation: str = "exact"


@dataclass
class MappingTable:
    organisation: str
    version: int = 0
    modified: str | None = None
    modified_by: str | None = None
    mappings: dict[str, NameMapping] = field(default_factory=dict)

    def concepts(self) -> dict[str, str]:
        """Name -> concept, what the importers apply."""
        return {name: m.concept for name, m in self.mappings.items()}

    def as_dict(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "version": self.version, "modified": self.modified,
                "modified_by": self.modified_by,
                "mappings": [{"name": n, "concept": m.concept, "relation": m.relation}
                             for n, m in sorted(self.mappings.items())]}


def parse_table(body: Any, concepts: ConceptScheme) -> dict[str, NameMapping]:
    """The JSON body of a PUT: {"mappings": [{"name", "concept", "relation"?}, ...]}; 400 naming the entry at fault."""
    entries = body.get("mappings") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise MalformedInput('send {"mappings": [{"name": "...", "concept": "..."}, ...]}')
    if len(entries) > MAX_NAMES:
        raise MalformedInput(f"{len(entries)} mappings; a table holds at most {MAX_NAMES}")
    table: dict[str, NameMapping] = {}
    seen: dict[str, str] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                or not isinstance(entry.get("concept"), str):
            raise MalformedInput(f"mapping {number}: give a 'name' and a 'concept' as strings")
        name = entry["name"].strip()
        if not name or len(name) > MAX_NAME_LENGTH or not normalise(name):
            raise MalformedInput(f"mapping {number}: the name must have 1 to {MAX_NAME_LENGTH} characters")
        relation = entry.get("relation", "exact")
        if not isinstance(relation, str) or relation not in RELATIONS:
            raise MalformedInput(f"mapping {number}: relation {relation!r} is not one of {', '.join(RELATIONS)}")
        if normalise(name) in seen:
            raise MalformedInput(f"mapping {number}: {name!r} is the same name as {seen[normalise(name)]!r}")
        seen[normalise(name)] = name
        concept = concepts.resolve(entry["concept"], MATERIALS, "material concept")
        table[name] = NameMapping(concept, relation)
    return table


def read_table_body(path: Path) -> Any:
    """A table file as the API's JSON body: the JSON itself, or CSV rows `name,concept[,relation]` (a header
    row is skipped). Not yet checked: parse_table does that, here or in the server a command sends it to."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedInput(f"{path.name} is not JSON: {exc}") from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(cell.strip() for cell in row)]
    if rows and [c.strip().casefold() for c in rows[0][:2]] == ["name", "concept"]:
        rows = rows[1:]
    entries = [{"name": r[0], "concept": r[1] if len(r) > 1 else "", "relation": (r[2].strip() if len(r) > 2
                                                                                 and r[2].strip() else "exact")}
               for r in rows]
    return {"mappings": entries}


def read_table_file(path: Path, concepts: ConceptScheme) -> dict[str, NameMapping]:
    """A table from a file: the JSON of the API, or CSV rows `name,concept[,relation]` (a header row is skipped)."""
    return parse_table(read_table_body(path), concepts)


class MaterialMappings(OrganisationGraphs):
    """The tables of all organisations, in the store; no access rule here (see registry/access/mappings.py)."""

    def graph(self, organisation: str) -> NamedNode:
        if not ORG_PATTERN.match(organisation):
            raise MalformedInput(f"invalid organisation {organisation!r}: use 1-64 lower-case letters, digits, "
                                 "'.', '_' or '-'")
        return NamedNode(f"{self.base}/organisations/{organisation}/material-mappings")

    def get(self, organisation: str) -> MappingTable:
        """The current table (version 0 and empty when the organisation has none yet)."""
        return self._read(organisation, self.store.triples(self.graph(organisation)))

    def _read(self, organisation: str, triples: list[Triple]) -> MappingTable:
        scheme = self.graph(organisation)
        table = MappingTable(organisation)
        labels: dict[NamedNode, str] = {}
        targets: dict[NamedNode, tuple[str, str]] = {}
        relation_of = {iri: short for short, iri in RELATIONS.items()}
        for t in triples:
            predicate, obj = t.predicate.value, t.object
            if not isinstance(obj, NamedNode | Literal):
                continue
            if t.subject == scheme and predicate == OWL + "versionInfo":
                table.version = int(obj.value)
            elif t.subject == scheme and predicate == DCTERMS + "modified":
                table.modified = obj.value
            elif t.subject == scheme and predicate == PROV + "wasAttributedTo":
                table.modified_by = obj.value
            elif predicate == SKOS + "prefLabel" and isinstance(t.subject, NamedNode):
                labels[t.subject] = obj.value
            elif predicate in relation_of and isinstance(t.subject, NamedNode):
                targets[t.subject] = (obj.value, relation_of[predicate])
        for node, name in labels.items():
            if node in targets:
                table.mappings[name] = NameMapping(*targets[node])
        return table

    def put(self, organisation: str, mappings: Mapping[str, NameMapping], agent: str,
            expected_version: int | None = None) -> MappingTable:
        """Replace the table with a new version; PreconditionFailed when `expected_version` is not current."""
        current = self.get(organisation)
        if expected_version is not None and expected_version != current.version:
            raise PreconditionFailed(f"the material mappings of {organisation!r} are at version {current.version}, "
                                     f"not {expected_version}")
        graph, version = self.graph(organisation), current.version + 1
        triples = self._triples(organisation, mappings, version, agent)
        history = NamedNode(f"{graph.value}/versions/{version}")
        guard: Contains | Absent
        if current.version:
            guard = Contains(graph, (Triple(graph, NamedNode(OWL + "versionInfo"), _integer(current.version)),))
        else:
            guard = Absent(graph, graph, NamedNode(OWL + "versionInfo"))
        changes = [GraphChange(graph, remove=self.store.triples(graph), add=triples),
                   GraphChange(history, add=triples)]
        if not self.store.apply(Changeset(changes, guard)):
            raise PreconditionFailed(f"the material mappings of {organisation!r} changed meanwhile; fetch them again")
        return self._read(organisation, triples)

    def _triples(
        self, organisation: str, mappings: Mapping[str, NameMapping], version: int, agent: str,
    ) -> list[Triple]:
        scheme = self.graph(organisation)
        triples = [
            Triple(scheme, RDF_TYPE, NamedNode(SKOS + "ConceptScheme")),
            Triple(scheme, NamedNode(DCTERMS + "title"), Literal(f"Material names of {organisation}")),
            Triple(scheme, NamedNode(OWL + "versionInfo"), _integer(version)),
            Triple(scheme, NamedNode(DCTERMS + "modified"), datetime_literal(self.clock())),
            Triple(scheme, NamedNode(PROV + "wasAttributedTo"), Literal(agent)),
        ]
        for name, mapping in sorted(mappings.items()):
            node = NamedNode(f"{scheme.value}#n-{hashlib.sha256(name.encode()).hexdigest()[:16]}")
            triples += [Triple(node, RDF_TYPE, NamedNode(SKOS + "Concept")),
                        Triple(node, NamedNode(SKOS + "inScheme"), scheme),
                        Triple(node, NamedNode(SKOS + "prefLabel"), Literal(name)),
                        Triple(node, NamedNode(RELATIONS[mapping.relation]), NamedNode(mapping.concept))]
        return triples

    def turtle(self, organisation: str) -> bytes:
        """The current table as Turtle (what a SKOS tool reads)."""
        triples = self.store.triples(self.graph(organisation))
        data = serialize(triples, format=RdfFormat.TURTLE, prefixes={"skos": SKOS, "dcterms": DCTERMS})
        assert data is not None  # serialize returns bytes when no output is given
        return data


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))
