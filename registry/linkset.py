"""The resolver's linkset: every resource the registry holds about a GS1 Digital Link, typed with GS1 link types.

A GS1 Digital Link (`/01/{gtin}[/21/{serial}]`) names a product or an item; what a scanner wants
from it differs (a page, the data, a proof). RFC 9264 gives the answer as a linkset: one context
object per anchor, link relation types as keys, each with target objects (`href`, `type`, `title`).
GS1-Conformant resolver practice (GS1 Digital Link standard, Resolver section) uses the GS1 Web
Vocabulary link types (https://ref.gs1.org/voc/?show=linktypes) as relation types, in full URI form,
and always offers a `defaultLink`. The links here:

| link type | target |
|---|---|
| gs1:defaultLink, gs1:pip | the passport (its page for browsers) |
| gs1:masterData | the passport as RDF (Turtle, JSON-LD) |
| gs1:jws | the passport as a verifiable credential (application/vc+jwt) |
| gs1:sustainabilityInfo | the EPDs its carbon figures cite (`dcterms:source` IRIs), if any |
| gs1:relatedImage | the QR code carrying the passport's URL (SVG) |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyoxigraph import NamedNode, Triple

from registry.errors import NotFound
from registry.namespaces import DCTERMS, mpr

MEDIA_TYPE = "application/linkset+json"
GS1 = "https://gs1.org/voc/"
EMBODIED_CARBON = mpr("embodiedCarbon")
SOURCE = NamedNode(DCTERMS + "source")
ALL = ("linkset", "all")  # ?linkType= values that ask for the whole linkset (GS1 resolvers use "all")


def epd_links(triples: Sequence[Triple]) -> list[str]:
    """IRIs the passport's carbon figures cite as their source: the EPDs (literal sources are only text)."""
    carbon = {t.object for t in triples if t.predicate == EMBODIED_CARBON}
    return sorted({t.object.value for t in triples
                   if t.predicate == SOURCE and t.subject in carbon and isinstance(t.object, NamedNode)})


def linkset(anchor: str, passport_iri: str, title: str, epds: Sequence[str]) -> dict[str, Any]:
    """The RFC 9264 JSON linkset (section 4.2) of one GS1 Digital Link."""

    def target(href: str, media_type: str, what: str) -> dict[str, Any]:
        return {"href": href, "type": media_type, "title": f"{title}: {what}"}

    page = target(passport_iri, "text/html", "passport page")
    links: dict[str, list[dict[str, Any]]] = {
        GS1 + "defaultLink": [page],
        GS1 + "pip": [page],
        GS1 + "masterData": [target(passport_iri, "text/turtle", "passport data (Turtle)"),
                             target(passport_iri, "application/ld+json", "passport data (JSON-LD)")],
        GS1 + "jws": [target(f"{passport_iri}/credential", "application/vc+jwt", "verifiable credential")],
        GS1 + "relatedImage": [target(f"{passport_iri}/qr?format=svg", "image/svg+xml", "QR code")],
    }
    if epds:
        links[GS1 + "sustainabilityInfo"] = [{"href": e, "title": f"{title}: environmental product declaration"}
                                             for e in epds]
    return {"linkset": [{"anchor": anchor, **links}]}


def link_type(value: str) -> str:
    """`gs1:pip`, `pip` or `https://gs1.org/voc/pip` as the full relation type."""
    for prefix in ("gs1:", "https://ref.gs1.org/voc/", GS1):
        value = value.removeprefix(prefix)
    return GS1 + value


def pick(document: dict[str, Any], wanted: str) -> str:
    """The target of one link type (the first, if several), as `?linkType=` asks for."""
    context = document["linkset"][0]
    relation = link_type(wanted)
    if relation not in context:
        offered = ", ".join("gs1:" + k.removeprefix(GS1) for k in context if k != "anchor")
        raise NotFound(f"no link of type {wanted[:100]!r} for this identifier; available: {offered}")
    href: str = context[relation][0]["href"]
    return href
