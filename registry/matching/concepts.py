"""The materials and conditions schemes as Python lookups, read once from the ontology files.

Why in memory: concept fit (exact, narrower, broader, substitute) is needed for every candidate, and
the schemes are small (about a hundred concepts) and change only with a release of the ontology.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse
from rapidfuzz import fuzz, process

from registry.errors import MalformedInput
from registry.namespaces import MATERIALS, MPR, SKOS

CONDITIONS = "https://w3id.org/mpr/conditions/"
_QUDT_VALUE = "http://qudt.org/schema/qudt/numericValue"


@dataclass
class ConceptScheme:
    """One SKOS tree: labels, broader links, substitutes, and (for materials) typical densities."""

    namespace: str
    labels: dict[str, str] = field(default_factory=dict)
    broader: dict[str, str] = field(default_factory=dict)
    substitutes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    density: dict[str, float] = field(default_factory=dict)
    notation: dict[str, int] = field(default_factory=dict)

    # Derived lookups, filled on first use: the scheme is complete once loaded and never changes after,
    # while concept fit asks for the same descendants once per candidate item.
    _narrower: dict[str, set[str]] | None = field(default=None, repr=False, compare=False)
    _descendants: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def narrower_of(self) -> dict[str, set[str]]:
        if self._narrower is None:
            out: dict[str, set[str]] = defaultdict(set)
            for child, parent in self.broader.items():
                out[parent].add(child)
            self._narrower = out
        return self._narrower

    def descendants(self, iri: str) -> frozenset[str]:
        """The concept and every concept below it."""
        if iri not in self._descendants:
            narrower, found, todo = self.narrower_of, {iri}, [iri]
            while todo:
                for child in narrower.get(todo.pop(), ()):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
            self._descendants[iri] = frozenset(found)
        return self._descendants[iri]

    def ancestors(self, iri: str) -> list[str]:
        """Broader concepts, nearest first."""
        out, current = [], self.broader.get(iri)
        while current is not None and current not in out:
            out.append(current)
            current = self.broader.get(current)
        return out

    def resolve(self, text: str, what: str = "concept") -> str:
        """A concept IRI from an IRI, a `mat:slug`-style name or a bare slug; 400 with close matches if unknown."""
        value = text.strip()
        candidates = [value]
        if ":" in value and not value.startswith("http"):
            candidates.append(self.namespace + value.split(":", 1)[1])
        elif not value.startswith("http"):
            candidates.append(self.namespace + value)
        for candidate in candidates:
            if candidate in self.labels:
                return candidate
        raise MalformedInput(f"unknown {what} {value!r}" + self.suggestions(value), concept=value)

    def suggestions(self, value: str) -> str:
        slug = value.rsplit("/", 1)[-1].rsplit("#", 1)[-1].split(":")[-1]
        choices = {iri: f"{iri.removeprefix(self.namespace)} {label}" for iri, label in self.labels.items()}
        best = process.extract(slug.replace("-", " "), choices, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
        if not best:
            return f"; concepts are IRIs under {self.namespace}"
        return "; did you mean " + ", ".join(f"<{key}>" for _choice, _score, key in best) + "?"


def _load(paths: list[Path], namespace: str) -> ConceptScheme:
    scheme = ConceptScheme(namespace)
    label, broader, substitute = SKOS + "prefLabel", SKOS + "broader", MPR + "substituteFor"
    density_nodes: dict[object, str] = {}
    values: dict[object, float] = {}
    for path in paths:
        for quad in parse(path=str(path), format=RdfFormat.TURTLE):
            s, p, o = quad.subject, quad.predicate.value, quad.object
            subject = s.value if isinstance(s, NamedNode) else None
            if subject and subject.startswith(namespace) and subject != namespace:
                if p == label and isinstance(o, Literal) and (o.language in (None, "en")):
                    scheme.labels[subject] = o.value
                elif p == broader and isinstance(o, NamedNode):
                    scheme.broader[subject] = o.value
                elif p == substitute and isinstance(o, NamedNode):
                    scheme.substitutes[subject].add(o.value)
                    scheme.substitutes[o.value].add(subject)  # mpr:substituteFor is symmetric
                elif p == MPR + "typicalDensity":
                    density_nodes[o] = subject
                elif p == SKOS + "notation" and isinstance(o, Literal) and o.value.isdigit():
                    scheme.notation[subject] = int(o.value)
            if p == _QUDT_VALUE and isinstance(o, Literal):
                values[s] = float(o.value)
    for node, concept in density_nodes.items():
        if node in values:
            scheme.density[concept] = values[node]
    return scheme


@dataclass
class Vocabulary:
    materials: ConceptScheme
    conditions: ConceptScheme

    @classmethod
    def from_ontology(cls, ontology_dir: Path) -> Vocabulary:
        return cls(
            materials=_load([ontology_dir / "materials.ttl"], MATERIALS),
            conditions=_load([ontology_dir / "conditions.ttl"], CONDITIONS),
        )

    def concept_fit(self, wanted: str, offered: str) -> tuple[float, str] | None:
        """How well an offered material answers a wanted one, with the reason; None if it does not.

        Order (documented defaults): exact 1.0 > narrower 0.9 (more specific than asked, e.g. glulam
        for softwood) > substitute 0.7 (the scheme says they substitute) > broader 0.5 (less specific:
        the offered item may or may not be what is wanted).
        """
        m = self.materials
        if offered == wanted:
            return 1.0, "exact material"
        if offered in m.descendants(wanted):
            return 0.9, f"{m.labels.get(offered, offered)} is narrower than {m.labels.get(wanted, wanted)}"
        for sub in m.substitutes.get(wanted, ()):
            if offered in m.descendants(sub):
                return 0.7, f"{m.labels.get(offered, offered)} substitutes for {m.labels.get(wanted, wanted)}"
        if offered in m.ancestors(wanted):
            return 0.5, f"{m.labels.get(offered, offered)} is broader than {m.labels.get(wanted, wanted)}"
        return None

    def acceptable_materials(self, wanted: str) -> set[str]:
        """Every material `concept_fit` accepts for `wanted`, to filter the supply query."""
        m = self.materials
        out = set(m.descendants(wanted)) | set(m.ancestors(wanted))
        for sub in m.substitutes.get(wanted, ()):
            out |= m.descendants(sub)
        return out

    def condition_score(self, condition: str | None) -> tuple[float, str]:
        """Grade 1 (new) .. 5 (poor) mapped to 1.0 .. 0.2; unknown condition 0.5."""
        if condition is None or condition not in self.conditions.notation:
            return 0.5, "condition unknown"
        grade = self.conditions.notation[condition]
        return (6 - grade) / 5, f"condition {self.conditions.labels.get(condition, condition)}"
