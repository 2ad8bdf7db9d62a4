"""The public view of a passport: the same graph without restricted properties and what hangs below them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import rdflib
from pyoxigraph import Literal, NamedNode, Triple

from registry.namespaces import MPR


def restricted_properties(ontology: rdflib.Graph) -> frozenset[NamedNode]:
    """Properties the ontology marks `mpr:accessLevel mpr:Restricted` (financial value, suppliers, contracts)."""
    access, restricted = rdflib.URIRef(MPR + "accessLevel"), rdflib.URIRef(MPR + "Restricted")
    return frozenset(NamedNode(str(p)) for p in ontology.subjects(access, restricted))


def public_view(triples: Sequence[Triple], restricted: Iterable[NamedNode]) -> list[Triple]:
    """Drop restricted triples, and the description of any node reachable only through them.

    A residual value is usually a node of its own (amount, currency, date); dropping only the link
    would leave its amount readable, so nodes that no visible triple points at any more go too.
    """
    restricted = frozenset(restricted)
    visible = [t for t in triples if t.predicate not in restricted]
    if len(visible) == len(triples):
        return list(triples)
    outgoing: dict[object, list[Triple]] = defaultdict(list)
    for t in visible:
        outgoing[t.subject].append(t)
    pointed_at: defaultdict[object, int] = defaultdict(int)
    for t in visible:
        if not isinstance(t.object, Literal):
            pointed_at[t.object] += 1
    orphans = [t.object for t in triples if t.predicate in restricted and not isinstance(t.object, Literal)]
    dropped: set[Triple] = set()
    while orphans:
        node = orphans.pop()
        if pointed_at.get(node, 0) > 0:
            continue
        for t in outgoing.pop(node, []):
            dropped.add(t)
            if not isinstance(t.object, Literal):
                pointed_at[t.object] -= 1
                orphans.append(t.object)
    return [t for t in visible if t not in dropped]
