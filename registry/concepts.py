"""The registry's reference concepts: every SKOS scheme under ontology/, read once and shared.

Why one object: the indicators (mass roll-up, reversibility of connections), matching (concept fit,
condition grades, densities) and the importers (names to concepts, densities) read the same files, and
three readers had started to disagree on which labels count. `core.build_registry` loads it once and
hands it to each of them.

Why in memory: the schemes are small (about 130 concepts) and change only with a release of the
ontology, while matching asks for the descendants of a concept once per candidate item.

Concept IRIs are unique across schemes and broader links never cross a scheme, so one set of tables
serves them all; `members(scheme)` tells the schemes apart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, RdfFormat, parse
from rapidfuzz import fuzz, process

from registry.errors import MalformedInput
from registry.namespaces import DCTERMS, MATERIALS, MPR, QUDT, SKOS

V = TypeVar("V")
#: The language of `labels` (what reports and messages show); other languages are in `pref_labels`.
DEFAULT_LANGUAGE = "en"
#: Broader links followed at most this far: the schemes are shallow trees, a longer chain is a cycle.
MAX_DEPTH = 50
_PUNCT = re.compile(r"[^\w]+", re.UNICODE)


def normalise(name: str) -> str:
    """Fold case, punctuation and spacing so that "Concrete - Cast-in-Place" and "concrete cast in place" agree."""
    return _PUNCT.sub(" ", name.casefold()).strip()


@dataclass(frozen=True)
class Density:
    kg_per_m3: float
    source: str


@dataclass
class _Triples:
    """What one pass over the files collects, before blank nodes (densities) are resolved."""

    scheme_of: dict[str, str] = field(default_factory=dict)
    pref: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    alt: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    broader: dict[str, str] = field(default_factory=dict)
    substitutes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    notation: dict[str, int] = field(default_factory=dict)
    reversible: dict[str, bool] = field(default_factory=dict)
    detachability: dict[str, float] = field(default_factory=dict)
    density_nodes: dict[object, str] = field(default_factory=dict)
    values: dict[object, float] = field(default_factory=dict)
    sources: dict[object, str] = field(default_factory=dict)
    no_density: dict[str, str] = field(default_factory=dict)

    def add(self, subject: object, predicate: str, obj: object) -> None:
        s = subject.value if isinstance(subject, NamedNode) else None
        if isinstance(obj, Literal):
            self._literal(subject, s, predicate, obj)
        elif s is not None and isinstance(obj, NamedNode):
            if predicate == SKOS + "inScheme":
                self.scheme_of[s] = obj.value
            elif predicate == SKOS + "broader":
                self.broader[s] = obj.value
            elif predicate == MPR + "substituteFor":  # symmetric
                self.substitutes[s].add(obj.value)
                self.substitutes[obj.value].add(s)
        if s is not None and predicate == MPR + "typicalDensity":
            self.density_nodes[obj] = s

    def _literal(self, subject: object, s: str | None, predicate: str, obj: Literal) -> None:
        if predicate == QUDT + "numericValue":
            self.values[subject] = float(obj.value)
        elif predicate == DCTERMS + "source":
            self.sources[subject] = obj.value
        elif s is None:
            return
        elif predicate == SKOS + "prefLabel":
            self.pref[s][obj.language or ""] = obj.value
        elif predicate == SKOS + "altLabel":
            self.alt[s].append((obj.language or "", obj.value))
        elif predicate == SKOS + "notation" and obj.value.isdigit():
            self.notation[s] = int(obj.value)
        elif predicate == MPR + "reversible":
            self.reversible[s] = obj.value == "true"
        elif predicate == MPR + "detachabilityScore":
            self.detachability[s] = float(obj.value)
        elif predicate == MPR + "noTypicalDensity":
            self.no_density[s] = obj.value


class ConceptScheme:
    """Labels in every language, broader/narrower, densities, connection properties and substitutes.

    >>> concepts = ConceptScheme.load(Path("ontology"))
    >>> concepts.label("https://w3id.org/mpr/materials/concrete", "nl")
    'beton'
    """

    def __init__(self, found: _Triples, sources: tuple[Path, ...] = ()) -> None:
        concepts = found.scheme_of
        self.sources = sources  # the files read, for digests of everything a computation depends on
        self.scheme_of: dict[str, str] = dict(concepts)
        self.pref_labels: dict[str, dict[str, str]] = {c: found.pref[c] for c in concepts if c in found.pref}
        self.alt_labels: dict[str, list[tuple[str, str]]] = {c: found.alt[c] for c in concepts if c in found.alt}
        self.broader: dict[str, str] = {c: b for c, b in found.broader.items() if c in concepts}
        self.substitutes: dict[str, frozenset[str]] = {c: frozenset(s) for c, s in found.substitutes.items()}
        self.notation: dict[str, int] = {c: n for c, n in found.notation.items() if c in concepts}
        self.reversible: dict[str, bool] = found.reversible
        self.detachability: dict[str, float] = found.detachability
        self.density: dict[str, Density] = {
            concept: Density(found.values[node], found.sources.get(node, "ontology"))
            for node, concept in found.density_nodes.items() if node in found.values}
        #: Why a concept has no typical density (mpr:noTypicalDensity): a mass left unknown says why.
        self.no_density: dict[str, str] = {c: r for c, r in found.no_density.items() if c in concepts}
        #: The label in DEFAULT_LANGUAGE (or without a language) of every concept that has one.
        self.labels: dict[str, str] = {c: text for c, by_lang in self.pref_labels.items()
                                       if (text := by_lang.get(DEFAULT_LANGUAGE, by_lang.get("")))}
        by_scheme: dict[str, set[str]] = defaultdict(set)
        for concept, scheme in concepts.items():
            by_scheme[scheme].add(concept)
        self._members = {scheme: frozenset(members) for scheme, members in by_scheme.items()}
        self._narrower: dict[str, set[str]] = defaultdict(set)
        for child, parent in self.broader.items():
            self._narrower[parent].add(child)
        self._descendants: dict[str, frozenset[str]] = {}
        self._by_label = {scheme: self._label_index(scheme) for scheme in self._members}

    @classmethod
    def load(cls, ontology_dir: Path) -> ConceptScheme:
        """Every concept (a subject with skos:inScheme) of every Turtle file in `ontology_dir`."""
        found = _Triples()
        paths = tuple(sorted(ontology_dir.glob("*.ttl")))
        for path in paths:
            with path.open("rb") as stream:
                for quad in parse(stream, RdfFormat.TURTLE):
                    found.add(quad.subject, quad.predicate.value, quad.object)
        return cls(found, paths)

    # --- schemes and labels -------------------------------------------------------------------

    def members(self, scheme: str) -> frozenset[str]:
        return self._members.get(scheme, frozenset())

    @property
    def materials(self) -> frozenset[str]:
        """The concepts of the materials scheme: the only valid values of mpr:material."""
        return self.members(MATERIALS)

    def label(self, concept: str, language: str = DEFAULT_LANGUAGE) -> str:
        """The prefLabel in `language`, else in DEFAULT_LANGUAGE, else the IRI itself."""
        by_lang = self.pref_labels.get(concept, {})
        return by_lang.get(language) or self.labels.get(concept) or concept

    def label_index(self, scheme: str) -> Mapping[str, str]:
        """Normalised labels (every language, preferred and alternative) and slugs of a scheme to concepts."""
        return self._by_label.get(scheme, {})

    def _label_index(self, scheme: str) -> dict[str, str]:
        # In file order: the first altLabel of a key counts, prefLabels win over altLabels that happen to
        # normalise to the same key, and slugs only fill what no label claims.
        members = self._members[scheme]
        index: dict[str, str] = {}
        for concept, alts in self.alt_labels.items():
            if concept in members:
                for _lang, text in alts:
                    index.setdefault(normalise(text), concept)
        for concept, by_lang in self.pref_labels.items():
            if concept in members:
                index.update((normalise(text), concept) for text in by_lang.values())
        for concept in members:
            index.setdefault(normalise(concept.removeprefix(scheme)), concept)
        return index

    def find(self, name: str, scheme: str) -> str | None:
        """A concept by its IRI, its slug or one of its labels (any language), ignoring case and punctuation."""
        text, members = name.strip(), self.members(scheme)
        if text in members:
            return text
        by_slug = scheme + text.casefold()
        return by_slug if by_slug in members else self.label_index(scheme).get(normalise(text))

    def resolve(self, text: str, scheme: str, what: str = "concept") -> str:
        """A concept IRI from an IRI, a `mat:slug`-style name or a bare slug; 400 with close matches if unknown."""
        value = text.strip()
        candidates = [value]
        if ":" in value and not value.startswith("http"):
            candidates.append(scheme + value.split(":", 1)[1])
        elif not value.startswith("http"):
            candidates.append(scheme + value)
        for candidate in candidates:
            if candidate in self.members(scheme):
                return candidate
        raise MalformedInput(f"unknown {what} {value!r}" + self._did_you_mean(value, scheme), concept=value)

    def _did_you_mean(self, value: str, scheme: str) -> str:
        slug = value.rsplit("/", 1)[-1].rsplit("#", 1)[-1].split(":")[-1]
        choices = {iri: f"{iri.removeprefix(scheme)} {self.labels.get(iri, '')}" for iri in self.members(scheme)}
        found = process.extract(slug.replace("-", " "), choices, scorer=fuzz.WRatio, limit=None, score_cutoff=60)
        # WRatio ties often (a partial match scores alike on every compound name): the shortest, closest
        # name first, then the IRI, so the suggestion does not depend on set order (hash seed).
        best = sorted(found, key=lambda hit: (-hit[1], len(hit[0]), hit[2]))[:3]
        if not best:
            return f"; concepts are IRIs under {scheme}"
        return "; did you mean " + ", ".join(f"<{key}>" for _choice, _score, key in best) + "?"

    # --- the tree -----------------------------------------------------------------------------

    def narrower(self, concept: str) -> frozenset[str]:
        """The concepts directly below `concept`."""
        return frozenset(self._narrower.get(concept, ()))

    def descendants(self, concept: str) -> frozenset[str]:
        """The concept and every concept below it (cached: matching asks once per candidate)."""
        if concept not in self._descendants:
            found, todo = {concept}, [concept]
            while todo:
                for child in self._narrower.get(todo.pop(), ()):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
            self._descendants[concept] = frozenset(found)
        return self._descendants[concept]

    def lineage(self, concept: str) -> list[str]:
        """The concept and its broader concepts up to the top (the schemes are strict trees)."""
        chain = [concept]
        while chain[-1] in self.broader and len(chain) < MAX_DEPTH and self.broader[chain[-1]] not in chain:
            chain.append(self.broader[chain[-1]])
        return chain

    def ancestors(self, concept: str) -> list[str]:
        """Broader concepts, nearest first."""
        return self.lineage(concept)[1:]

    def inherited(self, table: Mapping[str, V], concept: str) -> V | None:
        """A concept's value in `table`, else its nearest broader concept's (narrower concepts inherit)."""
        for c in self.lineage(concept):
            if c in table:
                return table[c]
        return None

