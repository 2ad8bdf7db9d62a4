"""Passports for the region, time-travel and baseline tests: one building, figures chosen to work by hand."""

from __future__ import annotations

from datetime import UTC, datetime

PREFIXES = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix mat: <https://w3id.org/mpr/materials/> . @prefix layer: <https://w3id.org/mpr/layers/> .
@prefix mod: <https://w3id.org/mpr/modules/> . @prefix schema: <https://schema.org/> .
"""
ZWOLLE_POINT = "POINT(6.0947 52.5060)"  # a school in Zwolle (Overijssel)
PARIS_POINT = "POINT(2.3522 48.8566)"


def school(title: str = "School in Zwolle", point: str | None = ZWOLLE_POINT, locality: str | None = None,
           concrete_recycled: float = 0.2, restricted: bool = False) -> bytes:
    """Column: 1000 kg concrete (recycled `concrete_recycled`), structure layer, A1-A3 200 kg CO2e.
    Window frame: 100 kg timber, recycled 0.1 and renewable 0.6, skin layer.
    Anchor: 50 kg steel, no input fractions stated, no layer."""
    where = f'geo:hasGeometry [ geo:asWKT "{point}"^^geo:wktLiteral ] ;' if point else ""
    address = f'schema:address [ a schema:PostalAddress ; schema:addressLocality "{locality}" ] ;' if locality else ""
    visibility = "mpr:visibility mpr:Restricted ;" if restricted else ""
    return PREFIXES + f"""
<> a mpr:Passport ; dcterms:title "{title}"@en ; {visibility} mpr:describes <#b> .
<#b> a bot:Building ; rdfs:label "{title}" ; {where} {address}
  mpr:availableFrom "2040-01-01"^^xsd:date ; bot:hasElement <#column> , <#frame> , <#anchor> .
<#column> a bot:Element ; mpr:shearingLayer layer:structure ;
  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:concrete ;
    mpr:mass [ a qudt:QuantityValue ; qudt:numericValue 1000.0 ; qudt:unit unit:KiloGM ] ;
    mpr:recycledContent {concrete_recycled} ; mpr:reusedContent 0.0 ] ;
  mpr:embodiedCarbon [ a mpr:EmbodiedCarbonValue ; mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e 200.0 ;
    dcterms:source "test figure" ] .
<#frame> a bot:Element ; mpr:shearingLayer layer:skin ;
  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:timber ;
    mpr:mass [ a qudt:QuantityValue ; qudt:numericValue 100.0 ; qudt:unit unit:KiloGM ] ;
    mpr:recycledContent 0.1 ; mpr:renewableContent 0.6 ] .
<#anchor> a bot:Element ;
  mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:structural-steel ;
    mpr:mass [ a qudt:QuantityValue ; qudt:numericValue 50.0 ; qudt:unit unit:KiloGM ] ] .
""".encode()


class Clock:
    """The passport service's clock, set by the test: changes get the times the test names."""

    def __init__(self) -> None:
        self.now = datetime(2024, 1, 10, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=UTC)
