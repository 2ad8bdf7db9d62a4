"""The shapes and vocabularies every engine validates with, read once with pyoxigraph.

Both engines get the very same triples (one parser, one set of blank nodes), so a difference in
their reports is a difference in validation, never in how a Turtle file was read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse

from registry.errors import NotFound


def read_triples(paths: Sequence[Path]) -> tuple[Triple, ...]:
    """Each file parsed with its own `file:` URI as base, so relative IRIs (`<>`) mean that file."""
    triples: list[Triple] = []
    for path in sorted(paths):
        for quad in parse(path=str(path), format=RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            triples.append(Triple(quad.subject, quad.predicate, quad.object))
    return tuple(triples)


@dataclass(frozen=True)
class ShapesSource:
    """Shapes always applied, criteria profiles added on request, vocabularies mixed into the data.

    The vocabularies (ontology/*.ttl) join the data graph so that `sh:class` follows
    `rdfs:subClassOf` and `skos:inScheme` without running RDFS inference over the data.
    """

    shapes: tuple[Triple, ...]
    vocabulary: tuple[Triple, ...] = ()
    profiles: Mapping[str, tuple[Triple, ...]] = field(default_factory=dict)

    @classmethod
    def from_dirs(cls, shapes_dir: Path, ontology_dir: Path) -> ShapesSource:
        """`shapes_dir/*.ttl` always, `shapes_dir/profiles/NAME.ttl` as profile NAME."""
        profiles = {p.stem: read_triples([p]) for p in (shapes_dir / "profiles").glob("*.ttl")}
        return cls(read_triples(list(shapes_dir.glob("*.ttl"))), read_triples(list(ontology_dir.glob("*.ttl"))),
                   profiles)

    def profile_names(self) -> list[str]:
        return sorted(self.profiles)

    def check_profiles(self, names: Sequence[str]) -> tuple[str, ...]:
        """The profiles as a cache key (sorted, once each); NotFound names the known ones."""
        for name in names:
            if name not in self.profiles:
                raise NotFound(f"unknown validation profile {name!r}; known: {', '.join(self.profile_names())}")
        return tuple(sorted(set(names)))

    def shapes_with(self, names: Sequence[str]) -> list[Triple]:
        triples = list(self.shapes)
        for name in self.check_profiles(names):
            triples.extend(self.profiles[name])
        return triples
