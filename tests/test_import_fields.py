"""The values builders type, read once for both importers (registry/importers/fields.py).

Each parser takes what a builder writes and gives a value, or refuses with MalformedInput (a 400 in
the error table) naming the value and saying how to write it; the spreadsheet importer puts that
sentence on the cell, the IFC importer in its report's warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from pyoxigraph import RdfFormat, parse

from registry.api.errors import status_of
from registry.concepts import Density
from registry.errors import MalformedInput
from registry.importers import fields
from registry.importers import turtle as ttl
from registry.namespaces import MATERIALS, MPR, QUDT, RDFS


def refused(parse_value: Callable[[Any], object], value: object) -> str:
    """The message of the 400 a parser raises for `value`."""
    with pytest.raises(MalformedInput) as caught:
        parse_value(value)
    assert status_of(caught.value) == 400
    return caught.value.message


def test_amount_reads_numbers_with_a_dutch_decimal_comma() -> None:
    assert fields.amount("675", "kg") == 675.0
    assert fields.amount("0,27", "m3") == 0.27
    assert fields.amount(12, "kg") == 12.0


def test_amount_with_its_unit_written_in_is_refused_with_an_example() -> None:
    assert refused(lambda v: fields.amount(v, "kg"), "675 kg") == \
        "'675 kg' is not a number of kg (write e.g. 675 or 0.27, no units)"
    assert "is not a number of kg" in refused(lambda v: fields.amount(v, "kg"), -1)


def test_fraction_reads_shares_and_percentages() -> None:
    assert fields.fraction(0.3) == 0.3
    assert fields.fraction("30%") == pytest.approx(0.3)
    assert fields.fraction(30) == pytest.approx(0.3)  # builders type 30 for 30 %
    assert fields.fraction("1%") == pytest.approx(0.01)  # a percent sign always means percent


def test_fraction_above_one_hundred_percent_is_refused() -> None:
    assert refused(fields.fraction, "150%") == "'150%' is not a share between 0 and 1 (or 0% to 100%)"
    assert "is not a share" in refused(fields.fraction, "most")


def test_day_reads_dates_date_times_and_spreadsheet_dates() -> None:
    assert fields.day("2030-01-01") == date(2030, 1, 1)
    assert fields.day("2030-01-01T08:00:00Z") == date(2030, 1, 1)
    assert fields.day(datetime(2030, 1, 1, 8)) == date(2030, 1, 1)
    assert fields.date_literal(" 2030-01-01 ") == '"2030-01-01"^^xsd:date'


def test_day_in_another_form_is_refused_with_the_form_to_use() -> None:
    assert refused(fields.day, "1-1-2030") == "'1-1-2030' is not a date; write it as YYYY-MM-DD"


def test_point_reads_longitude_then_latitude() -> None:
    assert fields.point("5.1214 52.0907") == (5.1214, 52.0907)
    assert fields.point("5.1214,52.0907") == (5.1214, 52.0907)
    assert fields.point("5,1214 52,0907") == (5.1214, 52.0907)  # Dutch decimal commas, space between


def test_point_that_is_not_two_numbers_or_not_on_earth_is_refused() -> None:
    assert refused(fields.point, "Utrecht") == "'Utrecht' is not 'longitude latitude', e.g. '5.1214 52.0907'"
    assert refused(fields.point, "52.09 195.1") == (
        "'52.09 195.1' is outside the earth: longitude first (-180..180), then latitude (-90..90)")


def test_geometry_is_a_wkt_point_to_a_centimetre() -> None:
    assert 'geo:asWKT "POINT(5.1214 52.0907)"^^geo:wktLiteral' in fields.geometry(5.1214, 52.0907)
    assert "POINT(116.4329987 39.9160004)" in fields.geometry(116.43299871, 39.91600036)
    assert "outside the earth" in refused(lambda lat: fields.geometry(5.0, lat), 91.0)


def test_product_type_is_a_full_iri_or_a_passport_id_of_this_registry() -> None:
    assert fields.product_type("ergo-chair", "http://r.example/") == "<http://r.example/passports/ergo-chair>"
    assert fields.product_type("https://other.example/p/1", "http://r.example") == "<https://other.example/p/1>"


def test_product_type_that_is_neither_is_refused() -> None:
    assert refused(lambda v: fields.product_type(v, "http://r.example"), "ergo chair") == \
        "'ergo chair' is neither a passport id nor an http(s) IRI"


def test_estimated_mass_is_volume_times_typical_density_and_says_so() -> None:
    mass, source = fields.estimated_mass(0.27, Density(2500.0, "EN 1991-1-1"))
    assert mass == pytest.approx(675.0)  # 0.27 m3 x 2500 kg/m3
    assert source == "volume x typical density 2500 kg/m3 (EN 1991-1-1)"


def test_composition_is_a_material_composition_node() -> None:
    comp = fields.Composition(MATERIALS + "brick", "Baksteen", volume_m3=0.1, mass_kg=180.0,
                              mass_source="estimated", recycled=0.3)
    doc = ttl.TurtleDocument()
    doc.add("<#wall>", [("mpr:composedOf", comp.turtle())])
    triples = {(q.predicate.value, str(q.object.value)) for q in parse(doc.to_bytes(), RdfFormat.TURTLE,
                                                                          base_iri="http://x/p")}
    assert (MPR + "material", MATERIALS + "brick") in triples
    assert (MPR + "recycledContent", "0.3") in triples
    assert (QUDT + "numericValue", "180.0") in triples
    assert (RDFS + "label", "Baksteen") in triples
