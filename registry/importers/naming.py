"""Names in builders' models and sheets to concepts: the alias table, then exact labels, then fuzzy labels.

The labels themselves (every language, preferred and alternative) come from the concept schemes
(registry/concepts.py); what is the importers' own is the order of trust and the fuzzy threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from registry.concepts import ConceptScheme, normalise
from registry.importers.material_aliases import alias_for
from registry.namespaces import CONNECTIONS, MATERIALS

#: Fuzzy matches below this score (rapidfuzz token_set_ratio, 0..100) are reported as unmapped, not guessed.
FUZZY_THRESHOLD = 88.0
#: Labels shorter than this (abbreviations such as "PA", "PE") only match exactly: fuzzily they match everything.
MIN_FUZZY_LABEL = 4
#: Names remembered per import; a model names the same few materials thousands of times.
MEMO_SIZE = 10_000


@dataclass(frozen=True)
class Match:
    """A name mapped to a concept, and how: "alias", "label" (exact label) or "fuzzy" (with its score)."""

    iri: str
    method: str
    score: float = 100.0


class ConceptNames:
    """Material and connection names of one import, resolved against the shared concept schemes."""

    def __init__(self, concepts: ConceptScheme) -> None:
        self.concepts = concepts
        self._matches: dict[str, Match | None] = {}

    def material(self, name: str) -> Match | None:
        """Alias table first (it encodes what we know about BIM names), then exact labels, then fuzzy labels."""
        if name not in self._matches:
            if len(self._matches) > MEMO_SIZE:
                self._matches.clear()
            self._matches[name] = self._material(name)
        return self._matches[name]

    def _material(self, name: str) -> Match | None:
        if not name or not name.strip():
            return None
        slug = alias_for(name)
        if slug is not None and MATERIALS + slug in self.concepts.materials:
            return Match(MATERIALS + slug, "alias")
        exact = self.concepts.find(name, MATERIALS)
        if exact is not None:
            return Match(exact, "label")
        return self._fuzzy(name)

    def _fuzzy(self, name: str) -> Match | None:
        query = normalise(name)
        if len(query) < MIN_FUZZY_LABEL:
            return None
        labels = self.concepts.label_index(MATERIALS)
        candidates = [label for label in labels if len(label) >= MIN_FUZZY_LABEL]
        found = process.extract(query, candidates, scorer=fuzz.token_set_ratio, score_cutoff=FUZZY_THRESHOLD, limit=8)
        if not found:
            return None
        # token_set_ratio scores every label contained in the name 100 ("glass" and "glass wool" in
        # "glass wool 100mm"); the closest whole string among the best is the most specific concept.
        best = max(score for _label, score, _index in found)
        label = max((lab for lab, score, _index in found if score == best), key=lambda lab: fuzz.ratio(query, lab))
        return Match(labels[label], "fuzzy", float(best))

    def connection(self, name: str) -> str | None:
        """Connection types are few and contractual (they drive detachability), so only exact names count."""
        return self.concepts.find(name, CONNECTIONS)

    def suggestions(self, name: str, scheme: str = MATERIALS, limit: int = 3) -> list[str]:
        """Close labels for an error message ("did you mean ...")."""
        labels = list(self.concepts.label_index(scheme))
        found = process.extract(normalise(name), labels, scorer=fuzz.token_set_ratio, limit=limit)
        return [label for label, _score, _index in found]
