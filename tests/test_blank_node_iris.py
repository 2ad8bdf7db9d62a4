"""Blank-node IRIs are deterministic per registry but keyed: restricted values cannot be confirmed from them.

The attack this guards against: a public passport shows a composition's IRI; the composition also has
a restricted triple (a contract reference) the public cannot see. With an unkeyed hash, hashing the
visible content plus a guessed reference and comparing with the IRI confirms the guess.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, RdfFormat

from bench.generate import building
from registry.access.secrets import skolem_key
from registry.canonical import canonical_triples
from registry.core import build_registry
from registry.passports.naming import PassportNames
from registry.rdf import parse_triples, skolemize
from registry.settings import Settings
from registry.store.oxigraph import OxigraphStore
from tests.conftest import ADMIN, AUTH, BASE, DATA

TURTLE = {**AUTH, "Content-Type": "text/turtle"}
CONTRACT = "C-2026-117"  # the restricted value an outsider would like to confirm
PASSPORT = (DATA / "minimal-passport.ttl").read_bytes().replace(
    b"mpr:recycledContent 0.1", f'mpr:recycledContent 0.1 ; mpr:contractReference "{CONTRACT}"'.encode())
COMPOSED_OF = NamedNode("https://w3id.org/mpr#composedOf")


def _name(triples: list, node: BlankNode, digest: Callable[[str], str]) -> str:
    """The registry's naming of one blank node, with `digest` as its hash (tiny trees only: no cycles)."""
    def content(n: BlankNode) -> str:
        parts = [f"{t.predicate} {content(t.object) if isinstance(t.object, BlankNode) else t.object}"
                 for t in triples if t.subject == n]
        return digest("\n".join(sorted(parts)))

    referrers = digest("|".join(sorted(f"{t.predicate} {t.subject}" for t in triples if t.object == node)))
    return digest(content(node) + referrers)[:16]


def _composition(core) -> tuple[str, list]:
    """The stored IRI of the column's composition, and the upload's triples as the registry parsed them."""
    names = PassportNames(BASE, "pub")
    stored = [t.object.value for t in core.store.triples(names.content_graph) if t.predicate == COMPOSED_OF]
    return stored[0], canonical_triples(parse_triples(PASSPORT, RdfFormat.TURTLE, names.iri))


def test_uploading_the_same_passport_twice_makes_no_new_version(client):
    assert client.put("/passports/pub", content=PASSPORT, headers=TURTLE).status_code == 201
    again = client.put("/passports/pub", content=PASSPORT, headers=TURTLE)
    assert again.status_code == 200 and again.json()["version"] == 1


def test_blank_node_iri_is_not_a_plain_sha256_of_its_content(client, core):
    client.put("/passports/pub", content=PASSPORT, headers=TURTLE)
    iri, triples = _composition(core)
    node = next(t.object for t in triples if t.predicate == COMPOSED_OF)
    plain = _name(triples, node, lambda text: hashlib.sha256(text.encode()).hexdigest())
    keyed = _name(triples, node, lambda text: hmac.new(core.domain.passports.skolem_key, text.encode(),
                                                         hashlib.sha256).hexdigest())
    assert iri.endswith("/.well-known/genid/" + keyed)  # the reconstruction is faithful ...
    assert not iri.endswith(plain)  # ... and without the registry's key a guess cannot be checked


def test_two_registries_over_one_store_name_blank_nodes_alike(tmp_path: Path):
    store, public = OxigraphStore(tmp_path / "full"), OxigraphStore(tmp_path / "public")
    settings = Settings(data=tmp_path / "unused", admin_token=ADMIN, load_examples=False, base_url=BASE)
    first, second = build_registry(settings, store=store, public_store=public), \
        build_registry(settings, store=store, public_store=public)
    assert first.domain.passports.skolem_key == second.domain.passports.skolem_key
    names = first.domain.passports.names("pub")
    assert first.domain.passports.prepare(PASSPORT, RdfFormat.TURTLE, names) == \
        second.domain.passports.prepare(PASSPORT, RdfFormat.TURTLE, names)
    store.close()
    public.close()


def test_a_new_store_gets_its_own_key():
    assert skolem_key(OxigraphStore(None), BASE) != skolem_key(OxigraphStore(None), BASE)


def test_anonymous_sparql_cannot_read_the_key(client, core):
    client.put("/passports/pub", content=PASSPORT, headers=TURTLE)
    asked = client.get("/sparql", params={"query": "ASK { GRAPH ?g { ?s <https://w3id.org/mpr#skolemKey> ?k } }"},
                       headers={"Accept": "application/sparql-results+json"})
    assert asked.json()["boolean"] is False
    everything = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"Accept": "application/n-triples"})
    assert everything.status_code == 200 and core.domain.passports.skolem_key.hex() not in everything.text


def test_the_key_is_not_in_a_passport_download(client, core):
    client.put("/passports/pub", content=PASSPORT, headers=TURTLE)
    download = client.get("/passports/pub", headers={**AUTH, "Accept": "application/n-triples"})
    assert download.status_code == 200 and core.domain.passports.skolem_key.hex() not in download.text


def test_every_blank_node_of_a_generated_building_is_named_as_the_reference_names_it():
    """The registry's naming (links kept compactly, registry/rdf.py) against the reference above, on a generated
    passport whose compositions hold two quantity nodes each, with literals made canonical on the way."""
    names, key = PassportNames(BASE, "gen"), b"k" * 16
    triples = canonical_triples(parse_triples(building(300).encode(), RdfFormat.TURTLE, names.iri))
    named = skolemize(list(triples), names.genid_base, key, canonicalize=True)
    compositions = [t.object for t in triples if t.predicate == COMPOSED_OF]
    stored = [t.object.value for t in named if t.predicate == COMPOSED_OF]
    assert len(compositions) == len(stored) > 10
    digest = lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()  # noqa: E731
    assert stored == [names.genid_base + _name(triples, node, digest) for node in compositions]
