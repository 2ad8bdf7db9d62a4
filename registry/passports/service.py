"""The passport life cycle on top of the store interface.

Every write is one atomic changeset: the new content (as a diff against the current content), the
change record with its RDF Patch, and the version bump, guarded by the version it was computed from.
That guard is what makes If-Match and concurrent writers safe on any backend.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from registry.errors import Conflict, Gone, InvalidPassport, MalformedInput, NotFound, PreconditionFailed
from registry.namespaces import (
    DCTERMS,
    MPR,
    OWL,
    PASSPORT,
    PROV,
    RDF_TYPE,
    RDFS,
    XSD_INTEGER,
    mpr,
    sparql_prefixes,
)
from registry.passports import records
from registry.passports.model import (
    Agent,
    ChangeInfo,
    Diff,
    Page,
    PassportRecord,
    Published,
    WriteResult,
    diff_of,
)
from registry.passports.naming import ID_PATTERN, PassportNames, check_id, new_id
from registry.passports.patches import apply_backwards, patch_text, touches
from registry.passports.records import ACTIVE, CURRENT_VERSION, MODIFIED, STATUS, WITHDRAWN, RecordState
from registry.rdf import datetime_literal, parse_triples, skolemize
from registry.store.base import Changeset, GraphChange, Row, Term, TripleStore
from registry.store.guards import Guard
from registry.store.sparql_text import values_clause
from registry.validation import ValidationReport, ValidationResult, Validator
from registry.validation.validator import named

CREATED = NamedNode(DCTERMS + "created")
IDENTIFIER = NamedNode(DCTERMS + "identifier")
LABEL = NamedNode(RDFS + "label")
ATTRIBUTED_TO = NamedNode(PROV + "wasAttributedTo")
VISIBILITY = mpr("visibility")
COMMENT = NamedNode(RDFS + "comment")
CHANGE_TOKEN = mpr("changeToken")
CHANGE_KINDS = {"created": mpr("Created"), "updated": mpr("Updated"), "withdrawn": mpr("Withdrawn")}
MAX_ATTEMPTS = 8

P = sparql_prefixes()
# What a record read shows besides version and status (continues the record's subject, see records.pattern).
_RECORD_DETAILS = "; dcterms:created ?c ; dcterms:modified ?m OPTIONAL { ?p prov:wasAttributedTo/rdfs:label ?owner }"


def _now() -> datetime:
    return datetime.now(UTC)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)




class PassportService:
    """Versioned, validated records. Passports by default; `collection`/`anchor` give the same life
    cycle to other records (demands live under /demands with anchor mpr:Demand), so versions,
    history and validation are written once."""

    def __init__(
        self,
        store: TripleStore,
        validator: Validator,
        base: str,
        clock: Callable[[], datetime] = _now,
        collection: str = "passports",
        anchor: NamedNode = PASSPORT,
        noun: str = "passport",
        check_content: Callable[[Sequence[Triple]], object] | None = None,
        on_change: Callable[[str, int, Sequence[Triple]], None] | None = None,
        *,
        skolem_key: bytes,
        reserved_ids: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        # The registry's secret key for blank-node IRIs (registry/access/secrets.py), never shown.
        self.skolem_key = skolem_key
        self.validator = validator
        self.base = base.rstrip("/")
        self.clock = clock
        self.collection = collection
        self.anchor = anchor
        self.noun = noun
        # Called with the id, the version and the content just stored after every successful write (keeps
        # derived data such as the public projection in step without reading the content back); the write
        # itself is already durable when it runs.
        self.on_change = on_change
        # Checks shapes cannot express (e.g. a demand's dates in order); they raise before anything is stored.
        self.check_content = check_content
        # Ids no record may take because a page lives at /{collection}/{id} (GET /demands/new is the demand form).
        self.reserved_ids = reserved_ids
        anchor_name = anchor.value.rsplit("#", 1)[-1]
        self._anchor_name = f"mpr:{anchor_name}" if anchor.value.startswith(MPR) else str(anchor)
        # Listing and counting only see this collection's records (demands share the store).
        self._in_collection = f"GRAPH ?p {{ ?p a {anchor} }}"
        # One small graph whose token every write replaces: readers that keep derived data in memory
        # (the supply index) compare it on each request to learn, with one lookup, whether anything changed.
        self.changes_node = NamedNode(f"{self.base}/admin/changes/{collection}")

    def names(self, passport_id: str) -> PassportNames:
        return PassportNames(self.base, check_id(passport_id), self.collection)

    def _new_names(self, record_id: str) -> PassportNames:
        """Names for a write: reserved ids are refused here, reads of them stay a plain 404."""
        if record_id in self.reserved_ids:
            raise MalformedInput(f"{self.noun} id {record_id!r} is reserved (/{self.collection}/{record_id} is a page "
                                 "of the registry); choose another id")
        return self.names(record_id)

    # --- turning an upload into the triples we would store -------------------------------------

    def prepare(self, data: bytes, fmt: RdfFormat, names: PassportNames) -> list[Triple]:
        """Parse with the passport IRI as base, give the passport node that IRI, skolemise blank nodes."""
        triples = parse_triples(data, fmt, names.iri)
        passports = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == self.anchor}
        if len(passports) != 1:
            found = ", ".join(sorted(str(p) for p in passports)) or "none"
            raise InvalidPassport(
                f"a {self.noun} document describes exactly one {self._anchor_name}; found {len(passports)} ({found})",
                report=ValidationReport(results=[ValidationResult(
                    severity="Violation", focus_node=names.iri, path=None, value=None,
                    message=f"exactly one node of type {self._anchor_name} is required",
                    source_shape=None, constraint=None)]),
            )
        (node,) = passports
        if node != names.node:
            renamed = [Triple(names.node if t.subject == node else t.subject, t.predicate,
                              names.node if t.object == node else t.object) for t in triples]
            if isinstance(node, NamedNode):
                renamed.append(Triple(names.node, NamedNode(OWL + "sameAs"), node))
            triples = renamed
        return skolemize(triples, names.genid_base, self.skolem_key, canonicalize=True)

    def check(
        self, data: bytes, fmt: RdfFormat, profiles: Sequence[str] = (), engine: str | None = None
    ) -> ValidationReport:
        """Validate without storing (POST /validate, `mpr validate`), with the default or the named engine."""
        names = PassportNames(self.base, "draft", self.collection)
        try:
            triples = self.prepare(data, fmt, names)
        except InvalidPassport as exc:
            report: ValidationReport = exc.extra["report"]
            return report
        return self.validator.validate(triples, profiles, engine)

    def _validated(self, data: bytes, fmt: RdfFormat, names: PassportNames) -> tuple[list[Triple], int]:
        triples = self.prepare(data, fmt, names)
        report = self.validator.validate(triples, names=False)
        if not report.conforms:
            raise InvalidPassport(
                f"the {self.noun} has {len(report.violations)} SHACL violation(s); nothing was stored",
                report=named(report, triples),
            )
        if self.check_content is not None:
            self.check_content(triples)
        return triples, len(report.warnings)

    # --- writes ---------------------------------------------------------------------------------

    def create(
        self, data: bytes, fmt: RdfFormat, agent: Agent, passport_id: str | None = None,
        reason: str | None = None,
    ) -> WriteResult:
        names = self._new_names(passport_id or new_id())
        triples, warnings = self._validated(data, fmt, names)
        changeset = self._changeset(names, None, set(), triples, "created", agent, reason)
        if not self.store.apply(changeset):
            raise Conflict(f"{self.noun} id {names.id!r} is already taken")
        self._changed(names.id, 1, triples)
        return WriteResult(names.id, names.iri, 1, len(triples), warnings)

    def replace(
        self, passport_id: str, data: bytes, fmt: RdfFormat, agent: Agent,
        expected_version: int | None = None, reason: str | None = None,
    ) -> tuple[WriteResult, bool]:
        """A new version (or the first one if the id is new). Returns (result, created)."""
        names = self._new_names(passport_id)
        triples, warnings = self._validated(data, fmt, names)
        for _ in range(MAX_ATTEMPTS):
            state = self._state(names)
            if state is None:
                if expected_version is not None:
                    raise PreconditionFailed(f"{self.noun} {names.id!r} does not exist; If-Match cannot hold")
                if self.store.apply(self._changeset(names, None, set(), triples, "created", agent, reason)):
                    self._changed(names.id, 1, triples)
                    return WriteResult(names.id, names.iri, 1, len(triples), warnings), True
                continue
            self._check_writable(names, state, expected_version)
            current = set(self.store.triples(names.content_graph))
            if current == set(triples):
                return WriteResult(names.id, names.iri, state.version, len(triples), warnings), False
            if self.store.apply(self._changeset(names, state, current, triples, "updated", agent, reason)):
                self._changed(names.id, state.version + 1, triples)
                return WriteResult(names.id, names.iri, state.version + 1, len(triples), warnings), False
            if expected_version is not None:
                raise PreconditionFailed(f"{self.noun} {names.id!r} changed while this update was prepared")
        raise Conflict(f"{self.noun} {names.id!r} is being changed by others; try again")

    def withdraw(
        self, passport_id: str, agent: Agent, expected_version: int | None = None, reason: str | None = None
    ) -> WriteResult:
        names = self.names(passport_id)
        for _ in range(MAX_ATTEMPTS):
            state = self._state(names)
            if state is None:
                raise NotFound(f"no {self.noun} {names.id!r}")
            self._check_writable(names, state, expected_version)
            current = set(self.store.triples(names.content_graph))
            if self.store.apply(self._changeset(names, state, current, [], "withdrawn", agent, reason)):
                self._changed(names.id, state.version + 1, [])
                return WriteResult(names.id, names.iri, state.version + 1, 0)
            if expected_version is not None:
                raise PreconditionFailed(f"{self.noun} {names.id!r} changed while it was being withdrawn")
        raise Conflict(f"{self.noun} {names.id!r} is being changed by others; try again")

    def _changed(self, record_id: str, version: int, content: Sequence[Triple]) -> None:
        if self.on_change is not None:
            self.on_change(record_id, version, content)

    def _check_writable(self, names: PassportNames, state: RecordState, expected_version: int | None) -> None:
        if state.status == WITHDRAWN:
            raise Gone(f"{self.noun} {names.id!r} was withdrawn at version {state.version}")
        if expected_version is not None and expected_version != state.version:
            raise PreconditionFailed(
                f"If-Match names version {expected_version} of {names.id!r}, but the current version is "
                f"{state.version}; read it again and retry"
            )

    def _organisation(self, organisation: str) -> NamedNode:
        return NamedNode(f"{self.base}/organisations/{quote(organisation, safe='')}")

    def _agent_triples(self, agent: Agent) -> tuple[NamedNode, list[Triple]]:
        """The PROV agent of a change (and the organisation it acted for), as the record states it."""
        agent_node = NamedNode(f"{self.base}/agents/{quote(agent.name, safe='')}")
        found = [Triple(agent_node, RDF_TYPE, NamedNode(PROV + "Agent")),
                 Triple(agent_node, LABEL, Literal(agent.name))]
        if agent.organisation:
            org = self._organisation(agent.organisation)
            found += [
                Triple(agent_node, NamedNode(PROV + "actedOnBehalfOf"), org),
                Triple(org, RDF_TYPE, NamedNode(PROV + "Organization")),
                Triple(org, LABEL, Literal(agent.organisation)),
            ]
        return agent_node, found

    def _changeset(
        self, names: PassportNames, state: RecordState | None, current: set[Triple], new: Sequence[Triple],
        kind: str, agent: Agent, reason: str | None,
    ) -> Changeset:
        if current:
            new_set = set(new)
            added = [t for t in dict.fromkeys(new) if t not in current]
            removed = [t for t in current if t not in new_set]
        else:  # a creation: no set of a million triples to build
            added, removed = list(dict.fromkeys(new)), []
        version = (state.version if state else 0) + 1
        now = datetime_literal(self.clock())
        node, change = names.node, names.change(version)
        agent_node, agent_triples = self._agent_triples(agent)
        status = WITHDRAWN if kind == "withdrawn" else ACTIVE
        record_add = [
            Triple(node, CURRENT_VERSION, _int(version)),
            Triple(node, STATUS, status),
            Triple(node, MODIFIED, now),
            Triple(change, RDF_TYPE, mpr("PassportChange")),
            Triple(change, RDF_TYPE, NamedNode(PROV + "Activity")),
            Triple(change, mpr("changeOf"), node),
            Triple(change, mpr("version"), _int(version)),
            Triple(change, mpr("changeKind"), CHANGE_KINDS[kind]),
            Triple(change, NamedNode(PROV + "endedAtTime"), now),
            Triple(change, NamedNode(PROV + "wasAssociatedWith"), agent_node),
            Triple(change, mpr("triplesAdded"), _int(len(added))),
            Triple(change, mpr("triplesRemoved"), _int(len(removed))),
            *agent_triples,
        ]
        if reason:
            record_add.append(Triple(change, COMMENT, Literal(reason)))
        if state is None:
            # Version 0 is empty by definition, so the creation patch is never needed to rebuild a
            # version; only its size is recorded (it would double the stored data).
            record_add += [Triple(node, CREATED, now), Triple(node, IDENTIFIER, Literal(names.id))]
            if agent.organisation:
                record_add.append(Triple(node, ATTRIBUTED_TO, self._organisation(agent.organisation)))
            record_remove: list[Triple] = []
            guard: Guard = records.not_created(names)
        else:
            record_add.append(Triple(change, mpr("patch"), Literal(patch_text(added, removed))))
            record_remove = [
                Triple(node, CURRENT_VERSION, _int(state.version)),
                Triple(node, STATUS, state.status),
                Triple(node, MODIFIED, state.modified),
            ]
            guard = records.unchanged(names, state)
        token = Literal(f"{names.id} v{version} {secrets.token_hex(8)}")
        return Changeset(
            changes=[
                GraphChange(names.content_graph, remove=removed, add=added),
                GraphChange(names.record_graph, remove=record_remove, add=record_add),
                GraphChange(self.changes_node, add=[Triple(self.changes_node, CHANGE_TOKEN, token)]),
            ],
            guard=guard,
            # Concurrent writers may each leave a token, and so may a crash between a bulk write and its
            # cleanup (registry/store/oxigraph.py); readers join them all, and the next write removes them.
            cleanup=[GraphChange(self.changes_node, remove=self._token_triples())],
        )

    def _token_triples(self) -> list[Triple]:
        rows = self.store.select(P + "SELECT ?g ?t WHERE { GRAPH ?g { ?g mpr:changeToken ?t } }",
                                 {"g": self.changes_node})
        return [Triple(self.changes_node, CHANGE_TOKEN, row["t"]) for row in rows]

    def change_token(self) -> str:
        """Differs after every write to this collection (also one by another worker process)."""
        return " ".join(sorted(t.object.value for t in self._token_triples() if isinstance(t.object, Literal)))

    # --- reads ----------------------------------------------------------------------------------

    def _state(self, names: PassportNames) -> RecordState | None:
        return records.state(self.store, names)

    def record(self, passport_id: str) -> PassportRecord:
        names = self.names(passport_id)
        rows = self.store.select(
            P + "SELECT ?rg ?p ?v ?s ?c ?m ?title ?owner ?vis WHERE { "
            + records.pattern(also=_RECORD_DETAILS)
            + " OPTIONAL { GRAPH ?p { ?p dcterms:title ?title } } OPTIONAL { GRAPH ?p { ?p mpr:visibility ?vis } } }",
            {"rg": names.record_graph, "p": names.node},
        )
        if not rows:
            raise NotFound(f"no {self.noun} {names.id!r}")
        return self._record_from_row(names, rows[0])

    def _record_from_row(self, names: PassportNames, row: Row) -> PassportRecord:
        return PassportRecord(
            id=names.id,
            iri=names.iri,
            version=int(row["v"].value),
            status="withdrawn" if row["s"] == WITHDRAWN else "active",
            created=row["c"].value,
            modified=row["m"].value,
            title=row["title"].value if "title" in row else None,
            owner=row["owner"].value if "owner" in row else None,
            visibility="restricted" if row.get("vis") == mpr("Restricted") else "public",
        )

    def list(
        self, offset: int = 0, limit: int = 50, search: str | None = None, visible_to: str | bool | None = True
    ) -> Page:
        """Active records, ordered by id; withdrawn ones keep their history but are not listed.

        `visible_to=True` lists everything; otherwise only public records and those owned by the
        organisation named (None: public ones only). `search` matches words of the title.
        """
        also = "; dcterms:identifier ?id " + _RECORD_DETAILS
        where = (records.pattern(status=records.IS_ACTIVE, graph="?g", also=also)
                 + f" {records.in_record_graph('?p', '?g')} {self._in_collection}"
                 " OPTIONAL { GRAPH ?p { ?p mpr:visibility ?vis } }")
        bindings: dict[str, Term] = {}
        if visible_to is not True:
            where += " FILTER(!BOUND(?vis) || ?vis != mpr:Restricted"
            if isinstance(visible_to, str):
                where += " || (BOUND(?owner) && ?owner = ?viewer)"
                bindings["viewer"] = Literal(visible_to)
            where += ")"
        if search:
            where += (" FILTER EXISTS { GRAPH ?p { ?p dcterms:title ?anyTitle } "
                      "FILTER(CONTAINS(LCASE(STR(?anyTitle)), LCASE(?search))) }")
            bindings["search"] = Literal(search)
        projected = " ".join(f"?{name}" for name in bindings)
        total = self.store.select(
            P + f"SELECT {projected} (COUNT(*) AS ?n) WHERE {{ {where} }} GROUP BY {projected}", bindings
        ) if bindings else self.store.select(P + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        # Substituted variables are bound at the top level only (not inside sub-selects), so the
        # filters stay in the outer query.
        rows = self.store.select(
            P + f"SELECT {projected} ?id ?v ?c ?m ?owner ?vis ?title WHERE {{ {where} "
            "OPTIONAL { SELECT ?p (SAMPLE(?t) AS ?title) WHERE { GRAPH ?p { ?p dcterms:title ?t } } GROUP BY ?p } "
            f"}} ORDER BY ?id LIMIT {int(limit)} OFFSET {int(offset)}",
            bindings,
        )
        items = [
            self._record_from_row(PassportNames(self.base, r["id"].value, self.collection), {**r, "s": ACTIVE})
            for r in rows
        ]
        return Page(items=items, total=int(total[0]["n"].value) if total else 0, offset=offset, limit=limit)

    def owned(self, owner: str, visible_to: str | bool | None = True) -> builtins.dict[str, int]:
        """Active records of one organisation, IRI -> current version: what `list` would yield for `visible_to`,
        kept to `owner`, in one query (a report over thousands; paging by OFFSET re-sorted the lot per page)."""
        where = (records.owned_pattern(owner, status=records.IS_ACTIVE, graph="?g")
                 + f" {self._in_collection} OPTIONAL {{ GRAPH ?p {{ ?p mpr:visibility ?vis }} }}")
        if visible_to is not True and visible_to != owner:  # the owner's members see its restricted ones
            where += " FILTER(!BOUND(?vis) || ?vis != mpr:Restricted)"
        rows = self.store.select(P + f"SELECT ?g ?p ?v WHERE {{ {where} }}")
        # From record graphs only: a passport may claim an owner, a version and a status in its own content.
        return {r["p"].value: int(r["v"].value) for r in rows if self.is_record(r["p"].value, r["g"])}

    def active(self) -> builtins.dict[str, int]:
        """Every active record, IRI -> current version, in one query of the record graphs."""
        prefix = f"{self.base}/{self.collection}/"
        rows = self.store.select(P + "SELECT ?rg ?p ?v ?prefix WHERE { " + records.pattern(status=records.IS_ACTIVE)
                                 + " FILTER(STRSTARTS(STR(?p), ?prefix)) }", {"prefix": Literal(prefix)})
        return {row["p"].value: int(row["v"].value) for row in rows if self.is_record(row["p"].value, row["rg"])}

    def is_record(self, iri: str, graph: Term) -> bool:
        """Is `iri` a record of this collection and `graph` its record graph? (A passport's own content may say
        anything of itself, in its own graph, and name any IRI: one that is no record of the collection is none.)"""
        prefix = f"{self.base}/{self.collection}/"
        if not iri.startswith(prefix) or ID_PATTERN.match(iri[len(prefix):]) is None:
            return False
        return graph == PassportNames(self.base, iri[len(prefix):], self.collection).record_graph

    def published(self, owner: str | None = None) -> builtins.dict[str, Published]:
        """Every record (of `owner`, if given), active or withdrawn, by IRI: its owner and the visibility each
        version was published with (`visibilities`), in two queries for all of them, where one record at a
        time cost two queries each (a report `?at=` a moment for a caller who may not see restricted ones)."""
        prefix = f"{self.base}/{self.collection}/"
        bindings: builtins.dict[str, Term] = {"prefix": Literal(prefix)}
        attributed = "OPTIONAL { ?p prov:wasAttributedTo/rdfs:label ?owner }"
        if owner is not None:
            bindings["owner"], attributed = Literal(owner), "; prov:wasAttributedTo/rdfs:label ?owner"
        found = {}
        for row in self.store.select(
            P + "SELECT ?rg ?p ?v ?s ?owner ?vis ?prefix WHERE { " + records.pattern(also=attributed)
            + " OPTIONAL { GRAPH ?p { ?p mpr:visibility ?vis } } FILTER(STRSTARTS(STR(?p), ?prefix)) }", bindings,
        ):
            if self.is_record(row["p"].value, row["rg"]):
                found[row["p"].value] = row
        patches = self._marker_patches(prefix)
        return {iri: Published(row["owner"].value if "owner" in row else None, _published(
            int(row["v"].value), row["s"] == WITHDRAWN, row.get("vis") == mpr("Restricted"),
            patches.get(iri, {}), Triple(NamedNode(iri), VISIBILITY, mpr("Restricted"))))
            for iri, row in found.items()}

    def _marker_patches(self, prefix: str) -> builtins.dict[str, builtins.dict[int, str]]:
        """Record IRI -> version -> patch, of the patches that may add or delete a restricted marker: those
        holding its object (a patch that touches the marker holds that line, so holds the IRI; `touches` decides)."""
        rows = self.store.select(
            P + "SELECT ?g ?p ?v ?patch ?prefix ?marker WHERE { GRAPH ?g { ?c mpr:changeOf ?p ; mpr:version ?v ; "
            "mpr:patch ?patch } FILTER(STRSTARTS(STR(?p), ?prefix) && CONTAINS(?patch, ?marker)) }",
            {"prefix": Literal(prefix), "marker": Literal(str(mpr("Restricted")))},
        )
        found: builtins.dict[str, builtins.dict[int, str]] = {}
        for row in rows:
            if self.is_record(row["p"].value, row["g"]):
                found.setdefault(row["p"].value, {})[int(row["v"].value)] = row["patch"].value
        return found

    def summary_triples(self, records_listed: Sequence[PassportRecord]) -> builtins.dict[str, builtins.list[Triple]]:
        """For each listed record (by id), the few current triples a list of passports shows: what the record
        describes and its types, labels and address locality, and its owner's labels. One query for the
        whole list, where a full read per row cost one query and the whole content each (the landing page)."""
        if not records_listed:
            return {}
        labels = "schema:name, rdfs:label, dcterms:title"
        query = P + f"""SELECT ?g ?s ?p ?o WHERE {{
  {values_clause("g", [r.iri for r in records_listed])}
  GRAPH ?g {{
    {{ ?g ?p ?o FILTER(?p IN (mpr:describes, mpr:owner)) BIND(?g AS ?s) }}
    UNION {{ ?g mpr:describes ?s . ?s ?p ?o FILTER(?p IN (rdf:type, schema:address, {labels})) }}
    UNION {{ ?g mpr:describes/schema:address ?s . ?s ?p ?o FILTER(?p = schema:addressLocality) }}
    UNION {{ ?g mpr:owner ?s . ?s ?p ?o FILTER(?p IN ({labels})) }}
  }}
}}"""
        by_graph: builtins.dict[str, builtins.list[Triple]] = {r.iri: [] for r in records_listed}
        for row in self.store.select(query):
            subject, predicate = row["s"], row["p"]
            if isinstance(subject, NamedNode | BlankNode) and isinstance(predicate, NamedNode):
                by_graph[row["g"].value].append(Triple(subject, predicate, row["o"]))
        return {r.id: by_graph[r.iri] for r in records_listed}

    def count(self) -> int:
        rows = self.store.select(
            P + f"SELECT (COUNT(*) AS ?n) WHERE {{ {records.pattern(status=records.IS_ACTIVE, graph='?g')} "
            f"{records.in_record_graph('?p', '?g')} {self._in_collection} }}"
        )
        return int(rows[0]["n"].value)

    def content(self, passport_id: str, version: int | None = None) -> tuple[PassportRecord, builtins.list[Triple]]:
        """The passport's triples, now or at an earlier version (rebuilt from patches)."""
        record = self.record(passport_id)
        names = self.names(passport_id)
        if version is None or version == record.version:
            if record.status == "withdrawn":
                raise Gone(
                    f"{self.noun} {names.id!r} was withdrawn at version {record.version}; earlier versions "
                    f"remain readable with ?version=1..{record.version - 1}"
                )
            return record, self.store.triples(names.content_graph)
        return record, sorted(self._rebuild(names, record.version, version), key=str)

    def _rebuild(self, names: PassportNames, current: int, version: int) -> set[Triple]:
        if not 1 <= version <= current:
            raise NotFound(f"{self.noun} {names.id!r} has versions 1 to {current}; there is no version {version}")
        rows = self.store.select(
            P + "SELECT ?g ?p ?since ?v ?patch WHERE { GRAPH ?g { ?c mpr:changeOf ?p ; mpr:version ?v ; "
            "mpr:patch ?patch } FILTER(?v > ?since) } ORDER BY DESC(?v)",
            {"g": names.record_graph, "p": names.node, "since": _int(version)},
        )
        return apply_backwards(set(self.store.triples(names.content_graph)), (r["patch"].value for r in rows))

    def visibilities(self, passport_id: str) -> builtins.dict[int, str]:
        """The visibility ("public" or "restricted") every version was published with.

        Each version keeps its own: a passport restricted at version 1 and public at version 2 must
        not show version 1 to the public. Read by walking back from the current content through
        the patches that add or delete the restricted marker; a withdrawal (which empties the
        content) keeps the visibility of the version it withdrew.
        """
        record = self.record(passport_id)
        names = self.names(passport_id)
        rows = self.store.select(
            P + "SELECT ?g ?p ?v ?patch WHERE { GRAPH ?g { ?c mpr:changeOf ?p ; mpr:version ?v ; mpr:patch ?patch } }",
            {"g": names.record_graph, "p": names.node},
        )
        return _published(record.version, record.status == "withdrawn", record.visibility == "restricted",
                          {int(r["v"].value): r["patch"].value for r in rows},
                          Triple(names.node, VISIBILITY, mpr("Restricted")))

    def history(self, passport_id: str) -> builtins.list[ChangeInfo]:
        names = self.names(passport_id)
        self.record(passport_id)
        rows = self.store.select(
            P + "SELECT ?g ?p ?v ?kind ?time ?who ?org ?reason ?added ?removed WHERE { GRAPH ?g { "
            "?c mpr:changeOf ?p ; mpr:version ?v ; mpr:changeKind ?kind ; prov:endedAtTime ?time ; "
            "prov:wasAssociatedWith ?agent ; mpr:triplesAdded ?added ; mpr:triplesRemoved ?removed . "
            "?agent rdfs:label ?who . OPTIONAL { ?agent prov:actedOnBehalfOf/rdfs:label ?org } "
            "OPTIONAL { ?c rdfs:comment ?reason } } } ORDER BY ?v",
            {"g": names.record_graph, "p": names.node},
        )
        kinds: dict[Term, str] = {iri: name for name, iri in CHANGE_KINDS.items()}
        return [
            ChangeInfo(
                version=int(r["v"].value),
                kind=kinds.get(r["kind"], r["kind"].value),
                time=r["time"].value,
                agent=r["who"].value,
                organisation=r["org"].value if "org" in r else None,
                reason=r["reason"].value if "reason" in r else None,
                added=int(r["added"].value),
                removed=int(r["removed"].value),
            )
            for r in rows
        ]

    def history_triples(self, passport_id: str) -> builtins.list[Triple]:
        """The PROV-O record of every change, for auditors who want it as RDF."""
        names = self.names(passport_id)
        self.record(passport_id)
        return self.store.triples(names.record_graph)

    def diff(self, passport_id: str, from_version: int, to_version: int) -> Diff:
        record = self.record(passport_id)
        names = self.names(passport_id)
        old = self._rebuild(names, record.version, from_version)
        new = self._rebuild(names, record.version, to_version)
        return diff_of(from_version, to_version, old, new)


def _published(version: int, withdrawn: bool, restricted: bool, patches: Mapping[int, str], marker: Triple
               ) -> builtins.dict[int, str]:
    """Version -> "public" or "restricted": walked back from the current visibility through the patches that
    add or delete the restricted `marker`; a withdrawal keeps the visibility of the version it withdrew."""
    seen: builtins.dict[int, str] = {}
    for number in range(version, 0, -1):
        seen[number] = "restricted" if restricted else "public"
        operation = touches(patches.get(number, ""), marker)
        restricted = {"A": False, "D": True}.get(operation or "", restricted)
    if withdrawn and version > 1:
        seen[version] = seen[version - 1]
    return seen
