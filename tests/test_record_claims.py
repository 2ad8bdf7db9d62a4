"""A record's own content may say anything of itself, registry-managed facts too (a version, a status, an owner, a
time of change): every read of those facts takes them from the record graph only.

The claims are written straight into the content graph through the store: uploads that carry them are refused
(SHACL), but a store written around the service, or an older one, may hold them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from registry.access.projection import restricted_properties
from registry.access.public import PublicProjection
from registry.core import Registry
from registry.namespaces import DCTERMS, PROV, RDFS, XSD_DATETIME, XSD_INTEGER
from registry.passports import records
from registry.passports.model import Agent
from registry.reports.baseline import FRACTIONS
from registry.reports.scope import current_scope
from registry.store.base import Changeset, GraphChange

ORG = "gemeente-zwolle"
OWNER = Agent("owner", ORG, "builder")
CHAIR = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix schema: <https://schema.org/> .
@prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .
@prefix mat: <https://w3id.org/mpr/materials/> .
<> a mpr:Passport ; mpr:describes <#product> .
<#product> a schema:Product ; mpr:composedOf [ mpr:material mat:aluminium ;
  mpr:mass [ qudt:numericValue 3 ; qudt:unit unit:KiloGM ] ] .
"""


def _claim(core: Registry, passport_id: str, *, about: str | None = None, versions: tuple[int, ...] = (7,),
           owner: str | None = None, modified: str | None = None, identifier: str | None = None) -> None:
    """Write into the content graph of `passport_id` that `about` (itself by default) is an active record (at a
    version below and one above the true one: a read that takes the last row of a record takes a claim then)."""
    graph = core.domain.passports.names(passport_id).content_graph
    node = NamedNode(about) if about is not None else graph
    claims = [Triple(node, records.STATUS, records.ACTIVE)]
    claims += [Triple(node, records.CURRENT_VERSION, Literal(str(v), datatype=XSD_INTEGER)) for v in versions]
    if owner is not None:
        agent = NamedNode(f"{graph.value}#claimed-owner")  # not a blank node: Virtuoso takes none in INSERT DATA
        claims += [Triple(node, NamedNode(PROV + "wasAttributedTo"), agent),
                   Triple(agent, NamedNode(RDFS + "label"), Literal(owner))]
    if modified is not None:
        claims.append(Triple(node, records.MODIFIED, Literal(modified, datatype=XSD_DATETIME)))
    if identifier is not None:
        stamp = Literal("2024-01-01T00:00:00Z", datatype=XSD_DATETIME)
        claims += [Triple(node, NamedNode(DCTERMS + "identifier"), Literal(identifier)),
                   Triple(node, NamedNode(DCTERMS + "created"), stamp), Triple(node, records.MODIFIED, stamp)]
    core.store.apply(Changeset([GraphChange(graph, add=claims)]))


@pytest.fixture
def chair(core: Registry) -> Registry:
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, OWNER, passport_id="chair")
    return core


def test_a_passport_claiming_a_record_in_its_content_is_listed_and_counted_once(chair: Registry):
    _claim(chair, "chair", identifier="somebody-else")
    page = chair.domain.passports.list()
    assert [(p.id, p.version) for p in page.items] == [("chair", 1)]
    assert page.total == 1
    assert chair.domain.passports.count() == 1


def test_a_passport_claiming_another_owner_in_its_content_keeps_its_owner_in_the_supply_index(core: Registry):
    # A lamp: the rows of its content graph come after those of its record graph (Oxigraph orders graphs by a
    # hash of their name), so a read that kept the last row of a record took the claim.
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, OWNER, passport_id="lamp")
    _claim(core, "lamp", versions=(0, 9), owner="somebody-else")
    states = core.domain.matching.supply.reader.passports()
    assert {iri: (state.version, state.owner) for iri, state in states.items()} == {
        f"{core.settings.base}/passports/lamp": (1, ORG)}


def test_a_passport_claiming_a_later_change_in_its_content_is_not_changed_since(chair: Registry):
    _claim(chair, "chair", versions=(1,), modified="2999-01-01T00:00:00Z")
    later = datetime(2999, 1, 1, tzinfo=UTC)
    assert chair.domain.matching.supply.reader.changed_since(later) == set()


def test_a_passport_claiming_another_version_in_its_content_leaves_the_public_projection_in_step(core: Registry):
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, OWNER, passport_id="lamp")  # see the supply index test
    _claim(core, "lamp", versions=(0, 9))
    assert core.public_store is not None
    projection = PublicProjection(core.domain.passports, core.public_store,
                                  restricted_properties(core.validator.ontology))
    assert projection.repair() == []


def test_a_passport_claiming_its_own_record_in_its_content_is_read_once_in_its_owners_report(chair: Registry):
    _claim(chair, "chair", versions=(1,), owner=ORG)
    iri = f"{chair.settings.base}/passports/chair"
    scope = current_scope(chair.domain.indicators, {iri: 1}, owner=ORG)
    assert [row["kg"].value for row in scope.rows(FRACTIONS, [iri])] == ["3"]
