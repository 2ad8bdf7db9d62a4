"""GS1 identifiers: checking GTINs and finding the passport that a GTIN (and serial number) names."""

from __future__ import annotations

from pyoxigraph import Literal

from registry.errors import MalformedInput, NotFound
from registry.namespaces import sparql_prefixes
from registry.passports import records
from registry.passports.naming import id_from_iri
from registry.store.base import TripleStore
from registry.store.sparql_text import values_clause

P = sparql_prefixes()


def gtin14(gtin: str) -> str:
    """A GTIN-8/12/13/14 as 14 digits, after checking its GS1 check digit."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise MalformedInput(f"{gtin!r} is not a GTIN: 8, 12, 13 or 14 digits are expected")
    digits = gtin.zfill(14)
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    if (10 - total % 10) % 10 != check:
        raise MalformedInput(f"{gtin!r} is not a valid GTIN: its check digit should be {(10 - total % 10) % 10}")
    return digits


def _candidates(gtin: str) -> list[Literal]:
    """The forms a GTIN is written in (schema:gtin allows 8 to 14 digits, with leading zeros or not)."""
    digits = gtin14(gtin)
    return [Literal(digits[-n:]) for n in (14, 13, 12, 8) if digits[:-n].strip("0") == ""]


def resolve(store: TripleStore, base: str, gtin: str, serial: str | None = None) -> tuple[str, str]:
    """(passport id, IRI of the thing) for a product type (GTIN) or one item of it (GTIN + serial number)."""
    if serial is None:
        pattern = "GRAPH ?p { ?p mpr:describes ?thing . ?thing schema:gtin ?gtin }"
        bindings = {}
    else:
        pattern = ("GRAPH ?p { ?thing schema:serialNumber ?serial ; mpr:instanceOf ?type } "
                   "?type schema:gtin ?gtin .")
        bindings = {"serial": Literal(serial)}
    rows = store.select(
        P + f"SELECT ?p ?thing ?serial WHERE {{ {values_clause('gtin', _candidates(gtin))} {pattern} "
        f"{records.pattern(status=records.IS_ACTIVE, graph='?r')} }} ORDER BY ?p LIMIT 1",
        bindings,
    )
    passport_id = id_from_iri(base, rows[0]["p"].value) if rows else None
    if passport_id is None:
        named = f"GTIN {gtin}" + (f" with serial number {serial}" if serial else "")
        raise NotFound(f"no passport for {named}")
    return passport_id, rows[0]["thing"].value
