"""The materials and connections schemes as lookup tables for importers: names to concepts, densities with sources.

Loaded once from `ontology/` (the same files the validator reads), so a concept added there is importable at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse
from rapidfuzz import fuzz, process

from registry.importers.material_aliases import alias_for, normalise
from registry.namespaces import CONNECTIONS, DCTERMS, MATERIALS, QUDT, SKOS

#: Fuzzy matches below this score (rapidfuzz token_set_ratio, 0..100) are reported as unmapped, not guessed.
FUZZY_THRESHOLD = 88.0
#: Labels shorter than this (abbreviations such as "PA", "PE") only match exactly: fuzzily they match everything.
MIN_FUZZY_LABEL = 4

PREF_LABEL = NamedNode(SKOS + "prefLabel")
ALT_LABEL = NamedNode(SKOS + "altLabel")
TYPICAL_DENSITY = NamedNode("https://w3id.org/mpr#typicalDensity")
NUMERIC_VALUE = NamedNode(QUDT + "numericValue")
SOURCE = NamedNode(DCTERMS + "source")


@dataclass(frozen=True)
class Density:
    kg_per_m3: float
    source: str


@dataclass(frozen=True)
class Match:
    """A name mapped to a concept, and how: "alias", "label" (exact label) or "fuzzy" (with its score)."""

    iri: str
    method: str
    score: float = 100.0


@dataclass
class Scheme:
    """One SKOS scheme: labels (normalised) to concept IRIs, and densities where the scheme states them."""

    namespace: str
    labels: dict[str, str] = field(default_factory=dict)
    densities: dict[str, Density] = field(default_factory=dict)
    _concepts: set[str] | None = field(default=None, repr=False)
    _concepts_of: dict[str, str] = field(default_factory=dict, repr=False)

    def slug_iri(self, slug: str) -> str | None:
        iri = self.namespace + slug
        return iri if iri in self.concepts else None

    @property
    def concepts(self) -> set[str]:
        if self._concepts is None or len(self._concepts_of) != len(self.labels):
            self._concepts, self._concepts_of = set(self.labels.values()), dict(self.labels)
        return self._concepts

    def exact(self, name: str) -> str | None:
        """A concept by its slug, IRI, or one of its labels (any language), ignoring case and punctuation."""
        text = name.strip()
        if text.startswith(self.namespace) and text in self.concepts:
            return text
        by_slug = self.slug_iri(text.casefold())
        return by_slug or self.labels.get(normalise(text))

    def fuzzy(self, name: str, threshold: float = FUZZY_THRESHOLD) -> Match | None:
        query = normalise(name)
        if len(query) < MIN_FUZZY_LABEL:
            return None
        candidates = [label for label in self.labels if len(label) >= MIN_FUZZY_LABEL]
        found = process.extract(query, candidates, scorer=fuzz.token_set_ratio, score_cutoff=threshold, limit=8)
        if not found:
            return None
        # token_set_ratio scores every label contained in the name 100 ("glass" and "glass wool" in
        # "glass wool 100mm"); the closest whole string among the best is the most specific concept.
        best = max(score for _label, score, _index in found)
        label = max((lab for lab, score, _index in found if score == best), key=lambda lab: fuzz.ratio(query, lab))
        return Match(self.labels[label], "fuzzy", float(best))

    def suggestions(self, name: str, limit: int = 3) -> list[str]:
        """Close labels for an error message ("did you mean ...")."""
        found = process.extract(normalise(name), list(self.labels), scorer=fuzz.token_set_ratio, limit=limit)
        return [label for label, _score, _index in found]


def _load_scheme(path: Path, namespace: str) -> Scheme:
    scheme = Scheme(namespace)
    density_nodes: dict[object, str] = {}
    values: dict[object, float] = {}
    sources: dict[object, str] = {}
    with path.open("rb") as stream:
        for quad in parse(stream, RdfFormat.TURTLE):
            s, p, o = quad.subject, quad.predicate, quad.object
            if p in (PREF_LABEL, ALT_LABEL) and isinstance(s, NamedNode) and isinstance(o, Literal):
                # prefLabels win over altLabels that happen to normalise to the same key
                key = normalise(o.value)
                if p == PREF_LABEL or key not in scheme.labels:
                    scheme.labels[key] = s.value
            elif p == TYPICAL_DENSITY and isinstance(s, NamedNode):
                density_nodes[o] = s.value
            elif p == NUMERIC_VALUE and isinstance(o, Literal):
                values[s] = float(o.value)
            elif p == SOURCE and isinstance(o, Literal):
                sources[s] = o.value
    for node, concept in density_nodes.items():
        if node in values:
            scheme.densities[concept] = Density(values[node], sources.get(node, "ontology/materials.ttl"))
    for concept in list(scheme.labels.values()):
        slug = concept.removeprefix(namespace)
        scheme.labels.setdefault(normalise(slug), concept)
    return scheme


@dataclass
class Vocabulary:
    materials: Scheme
    connections: Scheme
    _matches: dict[str, Match | None] = field(default_factory=dict, repr=False)

    def material(self, name: str) -> Match | None:
        """Alias table first (it encodes what we know about BIM names), then exact labels, then fuzzy labels.

        Memoised: a model names the same few materials thousands of times.
        """
        if name not in self._matches:
            if len(self._matches) > 10_000:
                self._matches.clear()
            self._matches[name] = self._material(name)
        return self._matches[name]

    def _material(self, name: str) -> Match | None:
        if not name or not name.strip():
            return None
        slug = alias_for(name)
        if slug is not None:
            iri = self.materials.slug_iri(slug)
            if iri is not None:
                return Match(iri, "alias")
        exact = self.materials.exact(name)
        if exact is not None:
            return Match(exact, "label")
        return self.materials.fuzzy(name)

    def connection(self, name: str) -> str | None:
        """Connection types are few and contractual (they drive detachability), so only exact names count."""
        return self.connections.exact(name)

    def density(self, concept_iri: str) -> Density | None:
        return self.materials.densities.get(concept_iri)


@lru_cache(maxsize=4)
def load_vocabulary(ontology_dir: Path) -> Vocabulary:
    return Vocabulary(
        materials=_load_scheme(ontology_dir / "materials.ttl", MATERIALS),
        connections=_load_scheme(ontology_dir / "connections.ttl", CONNECTIONS),
    )
