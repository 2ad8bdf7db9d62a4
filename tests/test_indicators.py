"""Indicators against cases worked out by hand from the published formulas (arithmetic in the tests),
and against totals computed independently with SPARQL on a real store."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat

from registry.core import LOADER, Registry, build_registry
from registry.errors import NotFound
from registry.indicators import dgbc, mci
from registry.indicators.background import BackgroundSummaries, Stopped
from registry.settings import Settings
from tests import servers
from tests.conftest import AUTH, BASE, DATA

oxigraph_server = servers.oxigraph_server  # fixtures, used by name
remote_core = servers.remote_core
virtuoso_server = servers.virtuoso_server
virtuoso_core = servers.virtuoso_core

MAT = "https://w3id.org/mpr/materials/"

# --- the MCI formula, term by term ----------------------------------------------------------------


def test_mci_worked_example_with_stated_efficiencies():
    # M = 100 kg, F_R = 0.2, F_U = 0, F_S = 0, C_R = 0.5, C_U = 0, E_C = E_F = 0.75 (stated)
    flows = mci.material_flows(100, recycled=0.2, collected_recycling=0.5, efficiency_eol=0.75,
                               efficiency_feedstock=0.75)
    assert flows.virgin == pytest.approx(80.0)  # V = 100 (1 - 0.2) = 80
    assert flows.w0 == pytest.approx(50.0)  # W0 = 100 (1 - 0.5 - 0 - 0 - 0) = 50
    assert flows.wc == pytest.approx(12.5)  # W_C = 100 (1 - 0.75) 0.5 = 12.5
    assert flows.wf == pytest.approx(100 * 0.25 * 0.2 / 0.75)  # W_F = 100 (0.25)(0.2)/0.75 = 6.6667
    assert flows.waste == pytest.approx(50 + (6.666667 + 12.5) / 2, rel=1e-6)  # W = 59.5833
    lfi = mci.linear_flow_index(flows)
    # LFI = (80 + 59.5833) / (200 + (6.6667 - 12.5)/2) = 139.5833 / 197.0833 = 0.708245
    assert lfi == pytest.approx(139.583333 / 197.083333, rel=1e-6)
    assert lfi == pytest.approx(0.708245, abs=1e-6)
    # X = 1 -> F(X) = 0.9; MCI = 1 - 0.708245 * 0.9 = 0.362579
    assert mci.product_mci(flows) == pytest.approx(0.362579, abs=1e-6)


def test_mci_utility_doubles_lifetime():
    # Same product, lifetime twice the industry average: X = (20/10)(1/1) = 2, F(X) = 0.9/2 = 0.45
    flows = mci.material_flows(100, recycled=0.2, collected_recycling=0.5, efficiency_eol=0.75,
                               efficiency_feedstock=0.75)
    x = mci.utility(lifetime=20, average_lifetime=10)
    assert x == 2.0
    assert mci.utility_factor(x) == 0.45
    # MCI = 1 - 0.708245 * 0.45 = 0.681290
    assert mci.product_mci(flows, x) == pytest.approx(0.681290, abs=1e-6)


def test_mci_no_recycled_input_is_fully_linear():
    # M = 50, nothing recycled, reused or collected: V = 50, W0 = 50, W_C = W_F = 0
    # LFI = (50 + 50) / (100 + 0) = 1; MCI = 1 - 1 x 0.9 = 0.1
    flows = mci.material_flows(50)
    assert (flows.virgin, flows.w0, flows.wc, flows.wf) == (50, 50, 0, 0)
    assert mci.linear_flow_index(flows) == 1.0
    assert mci.product_mci(flows) == pytest.approx(0.1)


def test_mci_fully_reused_product_is_fully_restorative():
    # F_U = 1 and C_U = 1: V = 0, W0 = 0, W_C = W_F = 0 -> LFI = 0, MCI = 1 (any efficiency)
    flows = mci.material_flows(30, reused=1.0, collected_reuse=1.0, efficiency_eol=0.5, efficiency_feedstock=0.5)
    assert mci.linear_flow_index(flows) == 0.0
    assert mci.product_mci(flows) == 1.0


def test_mci_short_life_is_clamped_at_zero():
    # LFI = 1, X = 0.5 -> F(X) = 1.8; 1 - 1.8 < 0 -> MCI = max(0, -0.8) = 0
    assert mci.product_mci(mci.material_flows(10), x=0.5) == 0.0


def test_mci_zero_mass_has_no_index_and_bad_fractions_are_refused():
    with pytest.raises(ValueError):
        mci.linear_flow_index(mci.material_flows(0))
    with pytest.raises(ValueError):
        mci.material_flows(10, recycled=0.7, reused=0.5)  # F_R + F_U > 1
    with pytest.raises(ValueError):
        mci.material_flows(10, efficiency_eol=0.0)


def test_mci_sustained_production_counts_only_with_evidence():
    # M = 100 kg, renewable input 0.5, nothing else.
    # No evidence: F_S = 0 -> V = 100, W0 = 100, LFI = 200/200 = 1, MCI = 1 - 0.9 = 0.1
    plain = mci.material_flows(100, biological=mci.Biological(sustained=0.5))
    assert plain.virgin == 100 and mci.product_mci(plain) == pytest.approx(0.1)
    # Evidence: F_S = 0.5 -> V = 100 (1 - 0.5) = 50, W0 = 100; LFI = 150/200 = 0.75, MCI = 1 - 0.675 = 0.325
    evidenced = mci.material_flows(100, biological=mci.Biological(sustained=0.5, evidenced=True))
    assert evidenced.virgin == 50
    assert mci.product_mci(evidenced) == pytest.approx(0.325)


def test_mci_composting_and_energy_recovery_2019():
    # M = 100 kg, F_S = 1 (evidenced), C_C = 0.3, B_C = 0.5, E_E = 0.6: C_E = E_E B_C = 0.6 x 0.5 = 0.3
    # V = 100 (1 - 1) = 0; W0 = 100 (1 - 0 - 0 - 0.3 - 0.3) = 40; W_C = W_F = 0
    # LFI = (0 + 40) / 200 = 0.2; MCI = 1 - 0.9 x 0.2 = 0.82
    bio = mci.Biological(sustained=1.0, composted=0.3, sent_to_recovery=0.5, evidenced=True)
    assert mci.energy_recovered(0.5, 0.6) == pytest.approx(0.3)
    flows = mci.material_flows(100, biological=bio, efficiency_energy=0.6)
    assert flows.virgin == 0 and flows.w0 == pytest.approx(40)
    assert mci.product_mci(flows) == pytest.approx(0.82)


def test_mci_energy_recovery_without_efficiency_earns_nothing():
    # As above but E_E unstated: default 0 -> C_E = 0; W0 = 100 (1 - 0.3 - 0) = 70
    # LFI = (0 + 70) / 200 = 0.35; MCI = 1 - 0.9 x 0.35 = 0.685
    bio = mci.Biological(sustained=1.0, composted=0.3, sent_to_recovery=0.5, evidenced=True)
    flows = mci.material_flows(100, biological=bio)
    assert flows.w0 == pytest.approx(70)
    assert mci.product_mci(flows) == pytest.approx(0.685)


def test_mci_composting_and_energy_recovery_need_evidence_of_sustained_production():
    # Same inputs, no evidence: F_S, C_C and C_E all 0 -> V = 100, W0 = 100, LFI = 1, MCI = 0.1
    bio = mci.Biological(sustained=1.0, composted=0.3, sent_to_recovery=0.5)
    flows = mci.material_flows(100, biological=bio, efficiency_energy=0.6)
    assert (flows.virgin, flows.w0) == (100, 100)
    assert mci.product_mci(flows) == pytest.approx(0.1)


def test_mci_end_of_life_routes_over_one_are_refused():
    # C_R + C_U + C_C + B_C = 0.5 + 0 + 0.3 + 0.3 = 1.1 > 1
    bio = mci.Biological(sustained=1.0, composted=0.3, sent_to_recovery=0.3, evidenced=True)
    with pytest.raises(ValueError, match="exceeds 1"):
        mci.material_flows(100, collected_recycling=0.5, biological=bio)


def test_mass_weighted_aggregation_and_documented_defaults():
    # (100 kg x 0.362579 + 50 kg x 0.1) / 150 kg = (36.2579 + 5) / 150 = 0.275053
    assert mci.mass_weighted([(100, 0.362579), (50, 0.1)]) == pytest.approx(0.275053, abs=1e-6)
    assert mci.mass_weighted([]) is None
    assert (mci.DEFAULT_EFFICIENCY, mci.DEFAULT_ENERGY_EFFICIENCY) == (1.0, 0.0)


# --- a building and a product type in a real store ---------------------------------------------------

BUILDING = b"""
@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix conn: <https://w3id.org/mpr/connections/> . @prefix acc: <https://w3id.org/mpr/accessibility/> .
@prefix mod: <https://w3id.org/mpr/modules/> .

<> a mpr:Passport ; dcterms:title "Indicator test building" ; mpr:describes <#b> .
<#b> a bot:Building ; mpr:availableFrom "2028-06-01"^^xsd:date ; bot:hasStorey <#s1> , <#s2> .
<#s1> a bot:Storey ; bot:hasElement <#beam> , <#wall> , <#panel> , <#floor> , <#gasket> .
<#s2> a bot:Storey ; bot:hasElement <#chairs> .

<#beam> a bot:Element ; rdfs:label "Beam" ; mpr:connectionType conn:bolted ;
  mpr:availableFrom "2030-01-01"^^xsd:date ;
  mpr:composedOf [ mpr:material mat:structural-steel ;
    mpr:mass [ qudt:numericValue 0.2 ; qudt:unit unit:TONNE ] ;
    mpr:recycledContent 0.6 ; mpr:recyclableAtEndOfLife 0.9 ] ;
  mpr:embodiedCarbon [ mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e 150 ; dcterms:source "EPD X" ] ,
                     [ mpr:lifeCycleModule mod:C3 ; mpr:kgCO2e 5 ] .
<#wall> a bot:Element ; mpr:connectionType conn:mortared ;
  mpr:composedOf [ mpr:material mat:concrete ; mpr:mass [ qudt:numericValue 1000 ; qudt:unit unit:KiloGM ] ] .
<#panel> a bot:Element ; mpr:connectionType conn:screwed ; mpr:connectionAccessibility acc:not-accessible ;
  mpr:mass [ qudt:numericValue 50 ; qudt:unit unit:KiloGM ] .
<#floor> a bot:Element ; mpr:composedOf [ mpr:material mat:brick ] .
<#gasket> a bot:Element ; mpr:connectionType conn:clamped ;
  mpr:composedOf [ mpr:material mat:epdm ; mpr:mass [ qudt:numericValue 0 ; qudt:unit unit:KiloGM ] ] .
<#chairs> a bot:Element ; mpr:instanceOf <chair#product> ; mpr:count 2 ; mpr:connectionType conn:loose-laid .
"""

CHAIR = b"""
@prefix mpr: <https://w3id.org/mpr#> . @prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix mod: <https://w3id.org/mpr/modules/> .

<> a mpr:Passport ; dcterms:title "Chair (product type)" ; mpr:describes <#product> .
<#product> a schema:Product ; dcterms:hasPart <#seat> , <#frame> ;
  mpr:embodiedCarbon [ mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e 30 ] .
<#seat> mpr:composedOf [ mpr:material mat:polypropylene ; mpr:mass [ qudt:numericValue 4 ; qudt:unit unit:KiloGM ] ;
  mpr:recycledContent 0.5 ] .
<#frame> mpr:composedOf [ mpr:material mat:aluminium ; mpr:mass [ qudt:numericValue 3000 ; qudt:unit unit:GM ] ;
  mpr:recyclableAtEndOfLife 1.0 ] .
"""


@pytest.fixture
def stored(core: Registry) -> Registry:
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    core.domain.passports.create(BUILDING, RdfFormat.TURTLE, LOADER, passport_id="bldg")
    return core


def test_mass_by_material_rolled_up_with_product_type_and_unknowns(stored: Registry):
    r = stored.domain.indicators.compute("bldg", parts=True)
    by = {m.material.removeprefix(MAT): m for m in r.mass_by_material}
    # own: steel 0.2 t = 200 kg, concrete 1000, unknown 50, gasket 0,
    # chairs 2 x (4 kg polypropylene + 3000 g = 3 kg aluminium) = 8 + 6 = 14 kg
    assert r.total_mass_kg == pytest.approx(200 + 1000 + 50 + 0 + 14)
    assert by["structural-steel"].mass_kg == 200
    assert by["metal"].mass_kg == pytest.approx(206)  # 200 steel + 6 aluminium
    assert by["metal"].own_mass_kg == 0
    assert by["non-ferrous-metal"].mass_kg == pytest.approx(6)
    assert by["plastic"].mass_kg == pytest.approx(8)
    assert by["concrete"].mass_kg == 1000
    assert r.unknown_material_mass_kg == 50
    assert r.unknown_material_share == pytest.approx(50 / 1264)
    assert r.compositions_without_mass == 1  # the brick floor
    assert r.mass_kg_by_source == {"passport": 1250, "product type": pytest.approx(14)}
    storey = {k.rsplit("#", 1)[-1]: v for k, v in r.mass_by_storey.items()}
    assert storey == {"s1": 1250, "s2": pytest.approx(14)}
    chairs = next(p for p in r.parts if p.iri.endswith("#chairs"))
    assert chairs.composition_source == "product type" and chairs.product_type == f"{BASE}/passports/chair#product"
    assert r.product_types == [{"iri": f"{BASE}/passports/chair#product", "found": True, "compositions": 2,
                                "carbon_values": 1}]


def test_building_mci_emf_by_hand(stored: Registry):
    r = stored.domain.indicators.compute("bldg", "emf", parts=True)
    # E_C = E_F = 1 (EMF mode, no efficiencies given): W_C = W_F = 0, F(X) = 0.9
    # beam: M=200, V = 200(1-0.6) = 80, W0 = 200(1-0.9) = 20 -> LFI = 100/400 = 0.25, MCI = 1 - 0.225 = 0.775
    # wall: 1000 kg linear -> 0.1; panel: 50 kg linear -> 0.1; gasket: 0 kg -> no MCI; floor: no mass
    # chairs: M = 14, V = 8(1-0.5) + 6 = 10, W0 = 8 + 6(1-1) = 8 -> LFI = 18/28, MCI = 1 - 0.9 x 18/28 = 0.421429
    parts = {p.iri.rsplit("#", 1)[-1]: p for p in r.parts}
    assert parts["beam"].mci == pytest.approx(0.775)
    assert parts["chairs"].mci == pytest.approx(1 - 0.9 * 18 / 28)
    assert parts["gasket"].mci is None and parts["floor"].mci is None
    # building = (200 x 0.775 + 1000 x 0.1 + 50 x 0.1 + 14 x 0.421429) / 1264 = 265.9 / 1264 = 0.210364
    assert r.mci == pytest.approx((155 + 100 + 5 + 14 * (1 - 0.9 * 18 / 28)) / 1264)
    assert r.mci == pytest.approx(0.210364, abs=1e-6)


def test_building_mci_states_its_defaults(stored: Registry):
    r = stored.domain.indicators.compute("bldg")
    a = r.mci_assumptions
    # E_C / E_F defaults shaped figures: beam (200 kg: F_R 0.6 and C_R 0.9, no efficiencies) and the chairs'
    # polypropylene (8 kg, F_R 0.5) and aluminium (6 kg, C_R 1.0) -> 200 + 8 + 6 = 214 kg
    assert a["mass_kg_with_default_efficiency"] == pytest.approx(214)
    assert a["mci_is_upper_bound"] is True
    assert a["efficiency_eol_E_C_default"] == 1.0 and a["efficiency_energy_E_E_default"] == 0.0
    assert "mass-weighted mean" in str(a["building_mci"])


def test_embodied_carbon_declared_then_type_then_reference(stored: Registry):
    r = stored.domain.indicators.compute("bldg")
    # beam declared: A1-A3 150, C3 5; chairs: type declares 30 per chair x 2 = 60;
    # wall: reference factor concrete 0.090 kg CO2e/kg x 1000 kg = 90; panel: unknown material, 50 kg uncovered
    assert r.carbon_kg_co2e_by_module == {"A1-A3": pytest.approx(150 + 60 + 90), "C3": 5}
    assert r.carbon_kg_co2e_by_origin == {"declared": 155, "product type": 60, "reference": pytest.approx(90)}
    assert r.carbon_uncovered_mass_kg == 50
    [factor] = r.carbon_reference_factors
    assert factor["material"] == MAT + "concrete" and "ÖKOBAUDAT" in str(factor["dataset"])
    assert "ioer" in str(factor["source"]).lower()
    assert "ÖKOBAUDAT terms of use" in str(factor["licence"])


def test_every_reference_factor_states_its_source_and_licence():
    import csv

    from registry.indicators.carbon import FACTORS_FILE

    with FACTORS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        # the address where the value was read: the IÖR table, or the ÖKOBAUDAT data set named by its UUID
        read_at = ("ioer-isbe.de", f"oekobaudat.de/OEKOBAU.DAT/resource/processes/{row['dataset_uuid']}")
        assert any(address in row["source"] for address in read_at), row["material"]
        assert row["dataset"].startswith("ÖKOBAUDAT 2020") and row["dataset_uuid"]
        assert "oekobaudat.de" in row["licence"]


def test_reference_factors_apply_per_material_and_the_rest_is_mass_not_covered():
    from registry.indicators.carbon import load_factors, part_carbon
    from registry.indicators.data import Composition

    wall = [Composition("c1", "wall", MAT + "concrete", 1000.0), Composition("c2", "wall", MAT + "brick", 500.0),
            Composition("c3", "wall", MAT + "galvanised-steel", 500.0),
            Composition("c4", "wall", MAT + "reinforced-concrete", 2000.0)]
    result = part_carbon([], None, {}, wall, load_factors(), {})
    # concrete 1000 kg x 0.090 = 90; clay brick 500 kg x 0.241 = 120.5; 90 + 120.5 = 210.5 kg CO2e A1-A3
    assert result.by_module == {"A1-A3": pytest.approx(210.5)}
    # no reference factor for galvanised steel, nor for reinforced concrete (plain concrete's factor is not
    # inherited): 500 + 2000 = 2500 kg not covered
    assert result.uncovered_mass_kg == pytest.approx(2500.0)


def test_detachability_reuse_potential_and_completeness(stored: Registry):
    r = stored.domain.indicators.compute("bldg")
    # detachable: beam (bolted, 200) + chairs (loose-laid, 14); not the wall (mortared) nor the panel
    # (screwed but not accessible); the gasket is detachable but weighs 0 kg
    assert r.detachable_mass_kg == pytest.approx(214)
    assert r.detachable_share == pytest.approx(214 / 1264)
    # index = sum(M x connection score x accessibility score) / connected mass
    #       = (200 x 0.8 + 1000 x 0.1 + 50 x 0.8 x 0.1 + 14 x 1.0 + 0) / 1264 = 278 / 1264
    assert r.detachability_index == pytest.approx(278 / 1264)
    # chairs have no date of their own: the building's 2028; the beam says 2030
    assert r.reuse_potential_kg_by_year == {"2028": pytest.approx(14), "2030": 200}
    # parts: beam, wall, panel, floor, gasket, chairs = 6; complete: beam, wall, gasket, chairs = 4
    c = r.completeness
    assert (c["parts"], c["complete_parts"]) == (6, 4)
    assert c["share"] == pytest.approx(4 / 6)
    assert (c["with_material"], c["with_mass"], c["with_connection_type"]) == (5, 5, 5)


def test_product_type_passport_carbon_declared_on_the_product_covers_its_parts(stored: Registry):
    # the chair declares A1-A3 30 kg on <#product>, above its parts seat and frame: counted once, as declared
    r = stored.domain.indicators.compute("chair")
    assert r.total_mass_kg == pytest.approx(4 + 3)
    assert r.carbon_kg_co2e_by_module == {"A1-A3": 30}
    assert r.carbon_kg_co2e_by_origin == {"declared": 30}
    assert r.carbon_uncovered_mass_kg == 0


def test_missing_product_type_and_unknown_passport(core: Registry):
    core.domain.passports.create(BUILDING, RdfFormat.TURTLE, LOADER, passport_id="bldg")  # chair not stored
    r = core.domain.indicators.compute("bldg")
    assert r.product_types[0]["found"] is False
    assert r.total_mass_kg == 1250 and r.mass_kg_by_source == {"passport": 1250}
    with pytest.raises(NotFound):
        core.domain.indicators.compute("no-such-passport")


MASS_SPARQL = """
        PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
        PREFIX unit: <http://qudt.org/vocab/unit/> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?g (SUM(?kg) AS ?total) WHERE {
          { GRAPH ?g { ?part mpr:composedOf/mpr:mass ?m . ?m qudt:numericValue ?v ; qudt:unit ?u } }
          UNION
          { GRAPH ?g { ?part mpr:mass ?m . ?m qudt:numericValue ?v ; qudt:unit ?u
                       FILTER NOT EXISTS { ?part mpr:composedOf ?c } FILTER NOT EXISTS { ?h mpr:composedOf ?part } } }
          UNION
          { GRAPH ?g { ?part mpr:instanceOf ?type OPTIONAL { ?part mpr:count ?n }
                       FILTER NOT EXISTS { ?part mpr:composedOf ?own } }
            GRAPH ?tg { ?type dcterms:hasPart*/mpr:composedOf/mpr:mass ?tm . ?tm qudt:numericValue ?tv ; qudt:unit ?u }
            BIND(?tv * COALESCE(?n, 1) AS ?v) }
          BIND(?v * IF(?u = unit:TONNE, 1000, IF(?u = unit:GM, 0.001, 1)) AS ?kg)
        } GROUP BY ?g"""


def test_totals_match_an_independent_sparql_aggregate(stored: Registry):
    """The service's total against one SPARQL query written separately from the service's queries."""
    rows = stored.store.select(MASS_SPARQL, {"g": NamedNode(f"{BASE}/passports/bldg")})
    assert float(rows[0]["total"].value) == pytest.approx(stored.domain.indicators.compute("bldg").total_mass_kg)
    steel = stored.store.select("""
        PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?g (SUM(?v) AS ?t) WHERE { GRAPH ?g { ?c mpr:material ?mat ; mpr:mass/qudt:numericValue ?v }
          FILTER(STRSTARTS(STR(?mat), "https://w3id.org/mpr/materials/structural-steel")) } GROUP BY ?g""",
        {"g": NamedNode(f"{BASE}/passports/bldg")})
    assert float(steel[0]["t"].value) * 1000 == 200  # stated in tonnes


def test_indicators_route(client):
    for pid, body in (("chair", CHAIR), ("bldg", BUILDING)):
        response = client.post("/passports", content=body, headers={**AUTH, "Content-Type": "text/turtle",
                                                                   "Slug": pid})
        assert response.status_code == 201, response.text
    answer = client.get("/passports/bldg/indicators", params={"method": "emf", "parts": "true"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["method"] == "emf"
    assert body["total_mass_kg"] == pytest.approx(1264)
    assert len(body["parts"]) == 6
    assert "parts" not in client.get("/passports/bldg/indicators").json()
    assert client.get("/passports/nothing/indicators").status_code == 404
    assert client.get("/passports/bldg/indicators", params={"method": "other"}).status_code == 400


def test_cli_indicators(tmp_path: Path):
    data = tmp_path / "data"
    passport = tmp_path / "pavilion.ttl"
    passport.write_bytes((DATA / "minimal-passport.ttl").read_bytes())
    run = [sys.executable, "-m", "registry.cli"]
    loaded = subprocess.run([*run, "load", str(passport), "--data", str(data)], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    shown = subprocess.run([*run, "indicators", "pavilion", "--data", str(data)], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    result = json.loads(shown.stdout)
    # one column, 675 kg reinforced concrete, F_R = 0.1: V = 607.5, W = 675, LFI = 1282.5/1350 = 0.95
    # MCI = 1 - 0.95 x 0.9 = 0.145
    assert result["total_mass_kg"] == 675
    assert result["mci"] == pytest.approx(0.145)
    assert "residual_value" not in result  # restricted data: the CLI never printed it
    report = subprocess.run([*run, "report", "urban-mine", "--format", "csv", "--data", str(data)],
                            capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    # the pavilion gives only a point, POINT(5.1214 52.0907): inside the CBS 2025 boundary of Utrecht
    assert report.stdout.splitlines()[1:] == [
        "pavilion,Utrecht,Utrecht,2027,https://w3id.org/mpr/materials/reinforced-concrete,675.0,1,reinforced concrete"]


PAVILION = (DATA / "minimal-passport.ttl").read_bytes().replace(
    b'    bot:hasStorey <#storey-0> .',
    b'    schema:address [ a schema:PostalAddress ; schema:postalCode "3584 BA" ;\n'
    b'                     schema:addressLocality "Utrecht" ] ;\n'
    b'    bot:hasStorey <#storey-0> .',
).replace(b"@prefix mpr:", b"@prefix schema: <https://schema.org/> .\n@prefix mpr:")


def test_urban_mine_report_against_sparql_totals(stored: Registry, client):
    stored.domain.passports.create(PAVILION, RdfFormat.TURTLE, LOADER, passport_id="pavilion")
    from registry.reports.urban_mine import urban_mine

    report = urban_mine(stored.domain.passports.list, stored.domain.indicators)
    assert report.passports == ["bldg", "pavilion"]  # the chair is a product type, not part of the urban mine
    independent = sum(
        float(stored.store.select(MASS_SPARQL, {"g": NamedNode(f"{BASE}/passports/{pid}")})[0]["total"].value)
        for pid in ("bldg", "pavilion"))
    assert report.total_kg == pytest.approx(independent)
    # bldg: 1264 kg, no address; pavilion: 675 kg in Utrecht (province Utrecht from the shipped table)
    assert report.total_kg == pytest.approx(1264 + 675)
    assert report.by_province == {"Utrecht": 675, "unknown": pytest.approx(1264)}
    assert report.by_municipality == {"Utrecht": 675, "unknown": pytest.approx(1264)}
    # years: pavilion column 2027; beam 2030; everything else of bldg takes the building's 2028
    assert report.by_year == {"2027": 675, "2028": pytest.approx(1000 + 50 + 14), "2030": 200}
    assert report.by_material[MAT + "concrete"] == 1000
    assert report.by_material["unknown"] == 50

    response = client.get("/reports/urban-mine")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total_kg"] == pytest.approx(1264 + 675)
    text = client.get("/reports/urban-mine", params={"format": "csv"}).text
    lines = text.strip().splitlines()
    assert lines[0] == "passport,municipality,province,year,material,mass_kg,version,material_label"
    assert sum(float(line.split(",")[5]) for line in lines[1:]) == pytest.approx(1264 + 675)  # mass_kg


def test_svg_charts(stored: Registry, client):
    chart = client.get("/passports/bldg/indicators.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in chart.content and b"concrete" in chart.content  # matplotlib keeps labels as comments
    mine = client.get("/reports/urban-mine.svg")
    assert mine.status_code == 200 and b"<svg" in mine.content
    assert client.get("/passports/nothing/indicators.svg").status_code == 404


RESIDUAL = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix schema: <https://schema.org/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix conn: <https://w3id.org/mpr/connections/> .
<> a mpr:Passport ; mpr:describes <#b> .
<#b> a bot:Building ; bot:hasElement <#beam>, <#door>, <#panel> .
<#beam> a bot:Element ; mpr:connectionType conn:bolted ;
  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:structural-steel ;
    mpr:mass [ a qudt:QuantityValue ; qudt:numericValue 400 ; qudt:unit unit:KiloGM ] ] ;
  mpr:unitPrice [ a schema:UnitPriceSpecification ; schema:price 0.25 ; schema:priceCurrency "EUR" ;
    schema:unitCode "KGM" ] .
<#door> a bot:Element ; mpr:connectionType conn:screwed ; mpr:count 3 ;
  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:softwood ;
    mpr:mass [ a qudt:QuantityValue ; qudt:numericValue 90 ; qudt:unit unit:KiloGM ] ] ;
  mpr:unitPrice [ a schema:UnitPriceSpecification ; schema:price 40 ; schema:priceCurrency "EUR" ;
    schema:unitCode "C62" ] .
<#panel> a bot:Element ; mpr:connectionType conn:bolted ;
  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:precast-concrete ;
    mpr:mass [ a qudt:QuantityValue ; qudt:numericValue 2400 ; qudt:unit unit:KiloGM ] ] ;
  mpr:residualValue [ a schema:PriceSpecification ; schema:price 150 ; schema:priceCurrency "EUR" ] .
"""


def test_residual_value_sums_unit_prices_and_stated_values_for_the_owner(client):
    from tests.conftest import AUTH

    assert client.put("/passports/priced", content=RESIDUAL,
                      headers={"Content-Type": "text/turtle", **AUTH}).status_code == 201
    body = client.get("/passports/priced/indicators", headers=AUTH).json()
    # beam 400 kg x EUR 0.25/kg = 100; doors 3 pieces x EUR 40 = 120; panel stated EUR 150: 370
    assert body["residual_value"]["by_currency"] == {"EUR": 370.0}
    assert body["residual_value"]["priced_parts"] == 3


def test_residual_value_per_cubic_metre_uses_the_volumes_of_the_priced_part_only(core: Registry):
    # slab: 2.0 + 0.5 m3 x EUR 10/m3 = 25; the beam's volume is not priced per m3 and must not count
    slab = b"""<#slab> a bot:Element ; mpr:connectionType conn:bolted ;
  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:precast-concrete ;
    mpr:volume [ a qudt:QuantityValue ; qudt:numericValue 2.0 ; qudt:unit unit:M3 ] ] ,
  [ a mpr:MaterialComposition ; mpr:material mat:softwood ;
    mpr:volume [ a qudt:QuantityValue ; qudt:numericValue 0.5 ; qudt:unit unit:M3 ] ] ;
  mpr:unitPrice [ a schema:UnitPriceSpecification ; schema:price 10 ; schema:priceCurrency "EUR" ;
    schema:unitCode "MTQ" ] .
"""
    priced = RESIDUAL.replace(b"<#panel> a bot:Element ;", slab + b"<#panel> a bot:Element ;").replace(
        b"bot:hasElement <#beam>,", b"bot:hasElement <#slab>, <#beam>,")
    priced = priced.replace(b"mpr:material mat:structural-steel ;", b"mpr:material mat:structural-steel ;\n"
                            b"    mpr:volume [ a qudt:QuantityValue ; qudt:numericValue 0.05 ; qudt:unit unit:M3 ] ;")
    core.domain.passports.create(priced, RdfFormat.TURTLE, LOADER, passport_id="priced")
    value = core.domain.indicators.compute("priced").residual_value
    assert value is not None and value["by_currency"] == {"EUR": 370.0 + 25.0}
    assert value["priced_parts"] == 4 and value["unpriceable"] == []


def test_residual_value_is_not_shown_to_the_public(client):
    from tests.conftest import AUTH

    client.put("/passports/priced", content=RESIDUAL, headers={"Content-Type": "text/turtle", **AUTH})
    assert "residual_value" not in client.get("/passports/priced/indicators").json()


# --- materialised summaries: stored at first read, served while exact -----------------------------

INDICATOR_DATA = "https://w3id.org/mpr#indicatorData"


def stored_summaries(registry: Registry, passport_id: str) -> dict[str, dict]:
    """The summaries in graph {passport}/indicators, by method, as the store holds them."""
    graph = NamedNode(f"{BASE}/passports/{passport_id}/indicators")
    return {t.subject.value.rsplit("#", 1)[-1]: json.loads(t.object.value)
            for t in registry.store.triples(graph) if t.predicate.value == INDICATOR_DATA}


def test_second_compute_is_served_from_the_stored_summary(stored: Registry, monkeypatch):
    first = stored.domain.indicators.compute("bldg")
    assert stored_summaries(stored, "bldg")["emf"]["total_mass_kg"] == pytest.approx(1264)

    def no_content_reads(*_args: object) -> None:
        raise AssertionError("the stored summary should have been served")

    monkeypatch.setattr("registry.indicators.service.read_graph", no_content_reads)
    served = stored.domain.indicators.compute("bldg")
    assert served.parts == []
    monkeypatch.undo()
    fresh = stored.domain.indicators.compute("bldg", parts=True)
    assert len(fresh.parts) == 6
    assert served.as_dict(with_restricted=True) == fresh.as_dict(with_restricted=True) == first.as_dict(
        with_restricted=True)


def test_removed_madaster_method_is_refused(client):
    client.post("/passports", content=BUILDING, headers={**AUTH, "Content-Type": "text/turtle", "Slug": "bldg"})
    answer = client.get("/passports/bldg/indicators", params={"method": "madaster"})
    assert answer.status_code == 400  # invalid query parameters are 400 here (registry/api/errors.py)
    assert "emf" in answer.text


def test_new_version_of_the_passport_is_not_served_stale(stored: Registry):
    assert stored.domain.indicators.compute("bldg").total_mass_kg == pytest.approx(1264)
    heavier = BUILDING.replace(b"qudt:numericValue 1000 ;", b"qudt:numericValue 2500 ;")
    stored.domain.passports.replace("bldg", heavier, RdfFormat.TURTLE, LOADER)
    r = stored.domain.indicators.compute("bldg")
    assert r.total_mass_kg == pytest.approx(1264 + 1500)
    assert {m.material.removeprefix(MAT): m.mass_kg for m in r.mass_by_material}["concrete"] == 2500
    assert stored_summaries(stored, "bldg")["emf"]["total_mass_kg"] == pytest.approx(2764)


def test_new_version_of_a_product_type_recomputes_the_building(stored: Registry):
    assert stored.domain.indicators.compute("bldg").total_mass_kg == pytest.approx(1264)
    # the seat goes from 4 to 10 kg: chairs 2 x (10 + 3) = 26 kg instead of 14
    stored.domain.passports.replace("chair", CHAIR.replace(b"qudt:numericValue 4 ;", b"qudt:numericValue 10 ;"),
                             RdfFormat.TURTLE, LOADER)
    r = stored.domain.indicators.compute("bldg")
    assert r.total_mass_kg == pytest.approx(1250 + 26)
    assert r.mass_kg_by_source == {"passport": 1250, "product type": pytest.approx(26)}


def test_product_type_published_after_the_building_is_picked_up(core: Registry):
    core.domain.passports.create(BUILDING, RdfFormat.TURTLE, LOADER, passport_id="bldg")
    assert core.domain.indicators.compute("bldg").product_types[0]["found"] is False  # stored with the type absent
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    r = core.domain.indicators.compute("bldg")
    assert r.product_types[0]["found"] is True and r.total_mass_kg == pytest.approx(1264)


def test_changed_computation_basis_recomputes(stored: Registry, tmp_path: Path):
    from registry.indicators import IndicatorService
    from registry.indicators.carbon import FACTORS_FILE

    assert stored.domain.indicators.compute("bldg").carbon_kg_co2e_by_origin["reference"] == pytest.approx(90)
    factors = tmp_path / "factors.csv"
    factors.write_text(FACTORS_FILE.read_text(encoding="utf-8").replace(",0.090,", ",0.200,"), encoding="utf-8")
    assert factors.read_text(encoding="utf-8") != FACTORS_FILE.read_text(encoding="utf-8")
    other = IndicatorService(stored.store, BASE, stored.concepts, stored.validator, factors)
    assert other.basis != stored.domain.indicators.basis
    # wall: 1000 kg concrete x 0.200 instead of x 0.090
    assert other.compute("bldg").carbon_kg_co2e_by_origin["reference"] == pytest.approx(200)
    assert stored.domain.indicators.compute("bldg").carbon_kg_co2e_by_origin["reference"] == pytest.approx(90)


def test_summary_stored_without_warnings_is_completed_when_warnings_are_asked(stored: Registry):
    assert stored.domain.indicators.compute("bldg", warnings=False).completeness["shacl_warnings"] == []
    assert stored_summaries(stored, "bldg")["emf"]["completeness"]["shacl_warnings"] == []
    warned = stored.domain.indicators.compute("bldg").completeness["shacl_warnings"]
    assert warned, "the test building should have SHACL warnings"
    assert warned == stored.domain.indicators.compute("bldg", parts=True).completeness["shacl_warnings"]
    assert stored_summaries(stored, "bldg")["emf"]["completeness"]["shacl_warnings"] == warned
    assert stored.domain.indicators.compute("bldg", warnings=False).completeness["shacl_warnings"] == []


def test_withdrawn_passport_is_gone_even_with_a_stored_summary(stored: Registry, client):
    assert client.get("/passports/bldg/indicators").status_code == 200  # computed and stored
    stored.domain.passports.withdraw("bldg", LOADER)
    assert client.get("/passports/bldg/indicators").status_code == 410
    with pytest.raises(NotFound):
        stored.domain.indicators.compute("bldg")


def test_stored_residual_value_is_served_to_the_owner_only(client):
    assert client.put("/passports/priced", content=RESIDUAL,
                      headers={"Content-Type": "text/turtle", **AUTH}).status_code == 201
    for _ in range(2):  # computed and stored, then served: the same rule both times
        assert client.get("/passports/priced/indicators", headers=AUTH).json()["residual_value"]["by_currency"] == {
            "EUR": 370.0}
        assert "residual_value" not in client.get("/passports/priced/indicators").json()
        assert "residual_value" not in client.get("/passports/priced/indicators", params={"parts": "true"}).json()


@pytest.mark.parametrize("backend", ["remote_core", "virtuoso_core"])
def test_stored_summaries_on_sparql_servers(backend: str, request: pytest.FixtureRequest, monkeypatch):
    """Versions, the rdf:JSON literal and the dependency check round-trip through real SPARQL servers."""
    core: Registry = request.getfixturevalue(backend)
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    core.domain.passports.create(BUILDING, RdfFormat.TURTLE, LOADER, passport_id="bldg")
    first = core.domain.indicators.compute("bldg")
    assert stored_summaries(core, "bldg")["emf"] == first.as_dict(with_restricted=True)
    with monkeypatch.context() as patch:
        patch.setattr("registry.indicators.service.read_graph", None)  # served: no content is read
        again = core.domain.indicators.compute("bldg")
        assert again.as_dict(with_restricted=True) == first.as_dict(with_restricted=True)
    core.domain.passports.replace("chair", CHAIR.replace(b"qudt:numericValue 4 ;", b"qudt:numericValue 10 ;"),
                                  RdfFormat.TURTLE, LOADER)
    assert core.domain.indicators.compute("bldg").total_mass_kg == pytest.approx(1250 + 26)


UTILITY = b"""
@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
<> a mpr:Passport ; dcterms:title "Utility and efficiencies" ; mpr:describes <#b> .
<#b> a bot:Building ; bot:hasElement <#door> , <#rail> .
<#door> a bot:Element ; mpr:expectedLifetime 30 ; mpr:industryAverageLifetime 15 ;
  mpr:composedOf [ mpr:material mat:hardwood ; mpr:mass [ qudt:numericValue 100 ; qudt:unit unit:KiloGM ] ] .
<#rail> a bot:Element ; mpr:functionalUnits 5000 ; mpr:industryAverageFunctionalUnits 10000 ;
  mpr:composedOf [ mpr:material mat:aluminium ; mpr:mass [ qudt:numericValue 100 ; qudt:unit unit:KiloGM ] ;
    mpr:recycledContent 0.5 ; mpr:feedstockRecyclingEfficiency 0.8 ;
    mpr:recyclableAtEndOfLife 1.0 ; mpr:recyclingEfficiency 0.9 ] .
"""


def test_mci_utility_from_lifetimes_and_functional_units(core: Registry):
    core.domain.passports.create(UTILITY, RdfFormat.TURTLE, LOADER, passport_id="utility")
    parts = {p.iri.rsplit("#", 1)[-1]: p for p in core.domain.indicators.compute("utility", "emf", parts=True).parts}
    # door: M=100, nothing recycled or collected: V=100, W=W0=100, LFI = 200/200 = 1;
    #   X = 30/15 = 2, F(X) = 0.9/2 = 0.45, MCI = 1 - 1 x 0.45 = 0.55
    assert parts["door"].mci == pytest.approx(0.55)
    # rail: X = 5000/10000 = 0.5, F(X) = 1.8; V = 100(1-0.5) = 50, W0 = 100(1-1) = 0,
    #   W_C = 100(1-0.9)(1.0) = 10, W_F = 100(1-0.8)(0.5)/0.8 = 12.5, W = 0 + (12.5+10)/2 = 11.25,
    #   LFI = (50 + 11.25)/(200 + (12.5-10)/2) = 61.25/201.25 = 0.304348, MCI = 1 - 0.304348 x 1.8 = 0.452174
    assert parts["rail"].mci == pytest.approx(1 - 61.25 / 201.25 * 1.8)


def test_mci_utility_falls_back_to_the_product_type(stored: Registry):
    long_lived = CHAIR.replace(b"<#product> a schema:Product ;", b"<#product> a schema:Product ; "
                               b"mpr:expectedLifetime 20 ; mpr:industryAverageLifetime 10 ;")
    stored.domain.passports.replace("chair", long_lived, RdfFormat.TURTLE, LOADER)
    chairs = next(p for p in stored.domain.indicators.compute("bldg", parts=True).parts if p.iri.endswith("#chairs"))
    # as in test_building_mci_emf_by_hand, LFI = 18/28, now with X = 20/10 = 2: MCI = 1 - (18/28)(0.9/2)
    assert chairs.mci == pytest.approx(1 - 18 / 28 * 0.45)


# --- DGBC detachability (registry/indicators/dgbc.py) -------------------------------------------------


def test_dgbc_connection_score_is_the_harmonic_mean_of_four_factors():
    # TV 1.0, TO 0.8, DK 0.4, VV 0.8: 1/1 + 1/0.8 + 1/0.4 + 1/0.8 = 1 + 1.25 + 2.5 + 1.25 = 6 -> 4/6 = 0.666667
    assert dgbc.connection_score([1.0, 0.8, 0.4, 0.8]) == pytest.approx(4 / 6)


def test_dgbc_weakest_factor_counts_most():
    # TV 0.1 with three factors at 1.0: 10 + 1 + 1 + 1 = 13 -> 4/13 = 0.307692 (an arithmetic mean would give 0.775)
    assert dgbc.connection_score([0.1, 1.0, 1.0, 1.0]) == pytest.approx(4 / 13)
    # the element takes its lowest connection: min(0.941176, 0.307692) = 0.307692
    assert dgbc.element_score([4 / 4.25, 4 / 13]) == pytest.approx(4 / 13)


def test_dgbc_factor_outside_its_range_is_refused():
    with pytest.raises(ValueError):
        dgbc.connection_score([0.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError):
        dgbc.connection_score([1.0, 1.0, 1.0])


def test_dgbc_repairable_damage_scores_0_4(core: Registry):
    """Accessibility 'with repairable damage' is 0.4 (0.6 until December 2026; docs/methods.md, "Detachability")."""
    ttl = DGBC_BUILDING.replace(b"acc:accessible-with-extra-actions", b"acc:accessible-with-repairable-damage")
    core.domain.passports.create(ttl, RdfFormat.TURTLE, LOADER, passport_id="repairable")
    parts = {p.iri.rsplit("#", 1)[-1]: p.detachability_dgbc
             for p in core.domain.indicators.compute("repairable", parts=True).parts}
    # panel: screwed 0.8, repairable damage 0.4, some crossings 0.4, overlapping 0.8:
    #   1/0.8 + 1/0.4 + 1/0.4 + 1/0.8 = 1.25 + 2.5 + 2.5 + 1.25 = 7.5 -> 4/7.5 = 0.533333
    assert parts["panel"] == pytest.approx(4 / 7.5)


DGBC_BUILDING = b"""
@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix conn: <https://w3id.org/mpr/connections/> . @prefix acc: <https://w3id.org/mpr/accessibility/> .
@prefix cross: <https://w3id.org/mpr/crossings/> . @prefix form: <https://w3id.org/mpr/form-containment/> .
@prefix layer: <https://w3id.org/mpr/layers/> .
<> a mpr:Passport ; dcterms:title "DGBC detachability" ; mpr:describes <#b> .
<#b> a bot:Building ; bot:hasElement <#beam> , <#panel> , <#board> , <#wall> .
<#beam> a bot:Element ; mpr:shearingLayer layer:structure ; mpr:connectionType conn:bolted ;
  mpr:connectionAccessibility acc:freely-accessible ; mpr:crossings cross:none ; mpr:formContainment form:open ;
  mpr:composedOf [ mpr:material mat:structural-steel ; mpr:mass [ qudt:numericValue 200 ; qudt:unit unit:KiloGM ] ] .
<#panel> a bot:Element ; mpr:shearingLayer layer:skin ; mpr:connectionType conn:screwed ;
  mpr:connectionAccessibility acc:accessible-with-extra-actions ; mpr:crossings cross:some ;
  mpr:formContainment form:overlapping ;
  mpr:composedOf [ mpr:material mat:aluminium ; mpr:mass [ qudt:numericValue 100 ; qudt:unit unit:KiloGM ] ] .
<#board> a bot:Element ; mpr:connectionType conn:glued ;
  mpr:connectionAccessibility acc:freely-accessible ; mpr:crossings cross:none ; mpr:formContainment form:open ;
  mpr:composedOf [ mpr:material mat:softwood ; mpr:mass [ qudt:numericValue 50 ; qudt:unit unit:KiloGM ] ] .
<#wall> a bot:Element ; mpr:shearingLayer layer:structure ; mpr:connectionType conn:mortared ;
  mpr:composedOf [ mpr:material mat:brick ; mpr:mass [ qudt:numericValue 1000 ; qudt:unit unit:KiloGM ] ] .
"""


def test_dgbc_scores_per_element_layer_and_building(core: Registry):
    core.domain.passports.create(DGBC_BUILDING, RdfFormat.TURTLE, LOADER, passport_id="dgbc")
    r = core.domain.indicators.compute("dgbc", parts=True)
    parts = {p.iri.rsplit("#", 1)[-1]: p.detachability_dgbc for p in r.parts}
    # beam: bolted 0.8, free 1.0, no crossings 1.0, open 1.0: 1.25 + 1 + 1 + 1 = 4.25 -> 4/4.25 = 0.941176
    # panel: screwed 0.8, extra actions 0.8, some crossings 0.4, overlapping 0.8: 1.25+1.25+2.5+1.25 = 6.25 -> 0.64
    # board: glued 0.1, free, none, open: 10 + 1 + 1 + 1 = 13 -> 0.307692; wall: only a connection type -> None
    assert parts["beam"] == pytest.approx(4 / 4.25)
    assert parts["panel"] == pytest.approx(0.64)
    assert parts["board"] == pytest.approx(4 / 13)
    assert parts["wall"] is None
    d = r.detachability_dgbc
    # building = (200 x 0.941176 + 100 x 0.64 + 50 x 0.307692) / 350 = (188.2353 + 64 + 15.3846) / 350 = 0.764628
    assert d["building"] == pytest.approx((200 * 4 / 4.25 + 64 + 50 * 4 / 13) / 350)
    assert d["building"] == pytest.approx(0.764628, abs=1e-6)
    layers = d["by_layer"]
    assert set(layers) == {"https://w3id.org/mpr/layers/structure", "https://w3id.org/mpr/layers/skin", "unassigned"}
    assert layers["https://w3id.org/mpr/layers/structure"]["score"] == pytest.approx(4 / 4.25)  # the wall is unscored
    assert layers["unassigned"]["mass_kg"] == 50
    assert (d["elements_scored"], d["elements_not_scored"]) == (3, 1)


# --- summaries computed after each write (registry/indicators/background.py) ---------------------------


@pytest.fixture
def summarising(settings: Settings) -> Iterator[Registry]:
    registry = build_registry(settings.model_copy(update={"indicators_at_write": True}))
    yield registry
    registry.close()


def test_write_stores_the_summary_without_a_read(summarising: Registry):
    summarising.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    background = summarising.domain.indicators.background
    assert background is not None
    background.settle("chair")
    summary = stored_summaries(summarising, "chair")["emf"]
    # 4 kg polypropylene + 3000 g aluminium = 7 kg
    assert summary["total_mass_kg"] == pytest.approx(7)


def test_first_read_after_a_write_is_served_from_the_background_summary(summarising: Registry, monkeypatch):
    summarising.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    summarising.domain.passports.replace(
        "chair", CHAIR.replace(b"qudt:numericValue 4 ;", b"qudt:numericValue 10 ;"), RdfFormat.TURTLE, LOADER)
    background = summarising.domain.indicators.background
    assert background is not None
    background.settle("chair")
    monkeypatch.setattr("registry.indicators.service.read_graph", None)  # served: no content is read
    # version 2: 10 kg polypropylene + 3 kg aluminium = 13 kg
    assert summarising.domain.indicators.compute("chair", warnings=False).total_mass_kg == pytest.approx(13)


CARBON_BASES = b"""
@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix mod: <https://w3id.org/mpr/modules/> . @prefix en15804: <https://w3id.org/mpr/en15804/> .
@prefix gwp: <https://w3id.org/mpr/gwp/> .
<> a mpr:Passport ; dcterms:title "Carbon of two editions" ; mpr:describes <#b> .
<#b> a bot:Building ; bot:hasElement <#beam> , <#column> , <#wall> .
<#beam> a bot:Element ; mpr:composedOf [ mpr:material mat:structural-steel ;
    mpr:mass [ qudt:numericValue 100 ; qudt:unit unit:KiloGM ] ] ;
  mpr:embodiedCarbon [ mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e 120 ; mpr:en15804Version en15804:A2 ;
                       mpr:gwpIndicator gwp:total ; dcterms:source "EPD steel" ] .
<#column> a bot:Element ; mpr:composedOf [ mpr:material mat:structural-steel ;
    mpr:mass [ qudt:numericValue 50 ; qudt:unit unit:KiloGM ] ] ;
  mpr:embodiedCarbon [ mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e 60 ; mpr:en15804Version en15804:A2 ;
                       mpr:gwpIndicator gwp:total ] .
<#wall> a bot:Element ; mpr:composedOf [ mpr:material mat:concrete ;
    mpr:mass [ qudt:numericValue 1000 ; qudt:unit unit:KiloGM ] ] .
"""


def test_carbon_is_summed_per_edition_and_gwp_indicator(core: Registry):
    core.domain.passports.create(CARBON_BASES, RdfFormat.TURTLE, LOADER, passport_id="bases")
    r = core.domain.indicators.compute("bases")
    # beam 120 + column 60 = 180 kg CO2e (+A2 GWP-total); wall 1000 kg x 0.090 = 90 (ÖKOBAUDAT factor, +A1 GWP)
    assert r.carbon_kg_co2e_by_basis == {"EN 15804+A1 GWP": {"A1-A3": pytest.approx(90)},
                                         "EN 15804+A2 GWP-total": {"A1-A3": 180}}
    assert r.carbon_bases_mixed is True
    assert r.carbon_reference_factors[0]["basis"] == "EN 15804+A1 GWP"
    # what each sum was made of: the beam's EPD, the column's value without a source, the ÖKOBAUDAT data set
    assert r.carbon_sources_by_basis == {"EN 15804+A1 GWP": ["ÖKOBAUDAT 2020, Normalbeton C30/37"],
                                         "EN 15804+A2 GWP-total": ["EPD steel", "source not stated"]}


def test_read_waits_for_the_running_background_computation_of_its_passport():
    started, release, order = threading.Event(), threading.Event(), []

    def compute(passport_id: str) -> None:
        started.set()
        release.wait()
        order.append(f"computed {passport_id}")

    def read() -> None:
        running = summaries.claim("a")
        assert running is not None  # the worker's computation
        running.wait()
        order.append("waited")

    summaries = BackgroundSummaries(compute)
    summaries.after_write("a", 1, [])
    started.wait()
    reader = threading.Thread(target=read)
    reader.start()
    release.set()
    reader.join()
    summaries.close()
    assert order == ["computed a", "waited"]  # the reader returned only after the computation


def test_read_of_a_queued_passport_does_not_wait_for_the_queue():
    started, release = threading.Event(), threading.Event()

    def compute(passport_id: str) -> None:
        started.set()
        release.wait()

    summaries = BackgroundSummaries(compute)
    summaries.after_write("a", 1, [])
    started.wait()
    summaries.after_write("b", 1, [])  # queued behind "a"
    assert summaries.claim("b") is None  # the reader computes itself
    summaries.release("b")
    release.set()
    summaries.close()


def test_queued_job_waits_for_the_reader_computing_its_passport():
    order: list[str] = []
    summaries = BackgroundSummaries(lambda passport_id: order.append(f"worker {passport_id}"))
    assert summaries.claim("a") is None  # a reader computes "a"
    summaries.after_write("a", 1, [])  # the worker's job starts, and waits for the reader
    order.append("reader a")
    summaries.release("a")
    summaries.settle("a")
    summaries.close()
    assert order == ["reader a", "worker a"]  # one computation at a time: the worker's came after the reader's


def test_close_stops_the_running_background_computation():
    started = threading.Event()

    def compute(passport_id: str) -> None:
        started.set()
        summaries.stopping.wait()  # as the computation's loop checks it before each part
        raise Stopped(passport_id)

    summaries = BackgroundSummaries(compute)
    summaries.after_write("a", 1, [])
    summaries.after_write("b", 1, [])  # queued behind "a": dropped
    started.wait()
    summaries.close()  # returns once "a" has given up
    assert summaries.claim("a") is None and summaries.claim("b") is None  # nothing running any more


def test_a_stopped_background_computation_stores_nothing(settings: Settings):
    registry = build_registry(settings.model_copy(update={"indicators_at_write": False}))
    try:
        registry.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
        registry.domain.indicators.summarise_after_writes().stopping.set()  # the process is shutting down
        with pytest.raises(Stopped):
            registry.domain.indicators.refresh("chair")
        assert stored_summaries(registry, "chair") == {}
    finally:
        registry.close()


def test_per_part_figures_are_served_from_the_store(stored: Registry, monkeypatch):
    first = stored.domain.indicators.compute("bldg", parts=True)
    monkeypatch.setattr("registry.indicators.service.read_graph", None)  # served: no content is read
    again = stored.domain.indicators.compute("bldg", parts=True)
    assert len(again.parts) == 6
    assert again.as_dict(with_parts=True, with_restricted=True) == first.as_dict(with_parts=True, with_restricted=True)


def test_adding_warnings_to_a_summary_keeps_its_per_part_figures(stored: Registry, monkeypatch):
    stored.domain.indicators.compute("bldg", warnings=False, parts=True)
    stored.domain.indicators.compute("bldg", warnings=True)  # validates, saves the summary with its warnings
    monkeypatch.setattr("registry.indicators.service.read_graph", None)
    assert len(stored.domain.indicators.compute("bldg", parts=True).parts) == 6


def test_summary_stored_at_write_is_not_served_after_a_raw_sparql_update(core: Registry, client):
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    background = core.domain.indicators.background
    assert background is not None  # on by default (MPR_INDICATORS_AT_WRITE)
    background.settle("chair")
    assert stored_summaries(core, "chair")["emf"]["total_mass_kg"] == pytest.approx(7)  # 4 kg + 3000 g
    # an administrator changes the polypropylene's 4 kg to 10 kg in place: no new version
    update = f"""PREFIX qudt: <http://qudt.org/schema/qudt/>
    DELETE {{ GRAPH ?g {{ ?q qudt:numericValue 4 }} }} INSERT {{ GRAPH ?g {{ ?q qudt:numericValue 10 }} }}
    WHERE {{ GRAPH ?g {{ ?q qudt:numericValue 4 }} FILTER(?g = <{BASE}/passports/chair>) }}"""
    response = client.post("/sparql", content=update, headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 204, response.text
    # 10 kg polypropylene + 3 kg aluminium = 13 kg: recomputed, not the summary stored before the update
    assert client.get("/passports/chair/indicators", headers=AUTH).json()["total_mass_kg"] == pytest.approx(13)


def test_a_client_that_prefers_not_to_wait_gets_202_with_progress(core: Registry, client):
    """Prefer: respond-async (RFC 7240) while the figures are being computed: 202 and Retry-After, not a wait."""
    core.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    background = core.domain.indicators.background
    assert background is not None
    background.settle("chair")
    prefer = {**AUTH, "Prefer": "respond-async"}
    assert client.get("/passports/chair/indicators", headers=prefer).status_code == 200  # stored: no wait
    assert background.claim("chair") is None  # the test plays a computation of the chair that is running
    try:
        core.domain.passports.replace("chair", CHAIR.replace(b"qudt:numericValue 4 ;", b"qudt:numericValue 10 ;"),
                                      RdfFormat.TURTLE, LOADER)  # version 2: its worker job waits for ours
        response = client.get("/passports/chair/indicators", headers=prefer)
        assert response.status_code == 202, response.text
        assert response.headers["Retry-After"] == "2"
        assert response.headers["Preference-Applied"] == "respond-async"
        assert response.json() == {"passport": "chair", "status": "computing", "parts_measured": None, "parts": None}
        assert client.get("/passports/nope/indicators", headers=prefer).status_code == 404
    finally:
        background.release("chair")
    # without the preference the read waits for (or makes) the figures: 10 kg + 3 kg = 13 kg
    assert client.get("/passports/chair/indicators", headers=AUTH).json()["total_mass_kg"] == pytest.approx(13)


def test_the_worker_reports_its_progress_per_part():
    summaries = BackgroundSummaries(lambda passport_id: None)
    assert summaries.progress("a") is None  # nothing computes "a"
    assert summaries.claim("a") is None
    assert summaries.progress("a") == {"parts_measured": None, "parts": None}  # still reading the passport
    summaries.watch("a")(3, 10)  # the loop, before its fourth part of ten
    assert summaries.progress("a") == {"parts_measured": 3, "parts": 10}
    summaries.release("a")
    assert summaries.progress("a") is None
    summaries.close()
