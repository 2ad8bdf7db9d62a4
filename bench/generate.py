"""Synthetic building passports of a chosen size, in the registry's vocabulary, for benchmarks.

A building has storeys, each with elements; every element has a label, a connection type, an
availability date and one or two material compositions with mass quantities. Masses are
dimensions x density, so indicator figures stay plausible.
"""

from __future__ import annotations

import random

PREFIXES = """@prefix mpr: <https://w3id.org/mpr#> .
@prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix mat: <https://w3id.org/mpr/materials/> .
@prefix conn: <https://w3id.org/mpr/connections/> .
"""
# (material slug, density kg/m3): densities from EN 1991-1-1 Annex A.
MATERIALS = [("reinforced-concrete", 2500), ("structural-steel", 7850), ("float-glass", 2500),
             ("softwood", 450), ("aluminium", 2700), ("brick", 1900)]
CONNECTIONS = ["bolted", "screwed", "glued", "welded", "mortared"]
TRIPLES_PER_ELEMENT = 30  # what element() writes, skolemised compositions and quantities included
HEADER_TRIPLES = 12


def element(rng: random.Random, storey: int, index: int) -> str:
    lines = [f"<#e-{storey}-{index}> a bot:Element ; rdfs:label \"Element {storey}.{index}\" ;",
             f"  mpr:connectionType conn:{rng.choice(CONNECTIONS)} ;",
             f"  mpr:availableFrom \"{rng.randint(2026, 2040)}-{rng.randint(1, 12):02d}-01\"^^xsd:date ;",
             "  mpr:expectedLifetime 50.0 ;"]
    parts = []
    for _ in range(2):
        slug, density = rng.choice(MATERIALS)
        volume = round(rng.uniform(0.01, 2.0), 3)
        parts.append(
            f"  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:{slug} ;\n"
            f"    mpr:volume [ a qudt:QuantityValue ; qudt:numericValue {volume} ; qudt:unit unit:M3 ] ;\n"
            f"    mpr:mass [ a qudt:QuantityValue ; qudt:numericValue {round(volume * density, 1)} ; "
            f"qudt:unit unit:KiloGM ] ;\n    mpr:recycledContent {round(rng.uniform(0, 0.6), 2)} ]"
        )
    lines.append(" ;\n".join(parts) + " .")
    return "\n".join(lines)


def building(target_triples: int, seed: int = 7) -> str:
    """Turtle for one building passport of roughly `target_triples` triples."""
    rng = random.Random(seed)
    elements = max(1, (target_triples - HEADER_TRIPLES) // TRIPLES_PER_ELEMENT)
    storeys = max(1, elements // 200)
    chunks = [PREFIXES,
              "<> a mpr:Passport ; dcterms:title \"Generated office building\"@en ; mpr:describes <#building> .",
              "<#building> a bot:Building ; rdfs:label \"Generated office building\" ;",
              "  geo:hasGeometry [ a geo:Geometry ; geo:asWKT \"POINT(5.1214 52.0907)\"^^geo:wktLiteral ] ;",
              "  bot:hasStorey " + ", ".join(f"<#storey-{s}>" for s in range(storeys)) + " ."]
    for s in range(storeys):
        members = range(s, elements, storeys)
        chunks.append(f"<#storey-{s}> a bot:Storey ; rdfs:label \"Storey {s}\" ; bot:hasElement "
                      + ", ".join(f"<#e-{s}-{i}>" for i in members) + " .")
        chunks.extend(element(rng, s, i) for i in members)
    return "\n".join(chunks) + "\n"
