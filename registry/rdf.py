"""RDF syntax in and out: parsing uploads, serialising answers, and handing graphs to rdflib.

Formats come from pyoxigraph's own tables (`RdfFormat.from_media_type`); nothing here lists syntaxes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize

from registry.errors import MalformedInput, UnsupportedMediaType
from registry.namespaces import PREFIXES, XSD_STRING
from registry.xml_guard import refuse_dtd

#: The syntaxes a passport may be uploaded in (DESIGN 4), in order of preference for answers.
UPLOAD_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat.TURTLE,
    RdfFormat.JSON_LD,
    RdfFormat.N_TRIPLES,
    RdfFormat.N_QUADS,
    RdfFormat.RDF_XML,
    RdfFormat.TRIG,
)
#: The syntaxes a graph can be read back in.
ANSWER_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat.TURTLE,
    RdfFormat.JSON_LD,
    RdfFormat.N_TRIPLES,
    RdfFormat.RDF_XML,
    RdfFormat.N_QUADS,
    RdfFormat.TRIG,
)


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def upload_format(content_type: str | None) -> RdfFormat:
    media_type = media_type_of(content_type)
    # text/plain is an old alias of N-Triples, but nobody sending it means N-Triples.
    fmt = RdfFormat.from_media_type(media_type) if media_type and media_type != "text/plain" else None
    if fmt is None or fmt not in UPLOAD_FORMATS:
        accepted = ", ".join(f.media_type for f in UPLOAD_FORMATS)
        raise UnsupportedMediaType(
            f"cannot read a passport sent as {media_type or 'no Content-Type'}; send one of: {accepted}"
        )
    return fmt


def parse_triples(data: bytes, fmt: RdfFormat, base_iri: str) -> list[Triple]:
    """Parse one graph. Named graphs are refused: a passport is one graph and the registry names it."""
    if fmt == RdfFormat.RDF_XML:
        refuse_dtd(data, "the RDF/XML upload")
    try:
        quads = list(parse(data, fmt, base_iri=base_iri, without_named_graphs=True))
    except SyntaxError as exc:
        message = str(exc)
        if "remote context" in message.lower() or "LoadDocumentCallback" in message:
            message = (
                "JSON-LD with a remote @context is refused: the registry makes no outgoing requests. "
                "Inline the context in the document."
            )
        raise MalformedInput(f"malformed {fmt.name}: {message}", line=getattr(exc, "lineno", None)) from exc
    except ValueError as exc:
        raise MalformedInput(f"malformed {fmt.name}: {exc}") from exc
    return [Triple(q.subject, q.predicate, q.object) for q in quads]


def serialize_triples(triples: Iterable[Triple], fmt: RdfFormat, base_iri: str | None = None) -> bytes:
    if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG):
        return serialize(triples, format=fmt, prefixes=PREFIXES, base_iri=base_iri) or b""
    return serialize(triples, format=fmt) or b""


def skolemize(triples: Sequence[Triple], genid_base: str) -> list[Triple]:
    """Replace blank nodes by IRIs that depend only on the data around them.

    History is kept as patches (DESIGN 3), and blank nodes cannot be patched: the same upload sent
    twice must produce the same triples, or every version would "change" all its quantity nodes. So a
    blank node's IRI is a hash of its outgoing triples (recursively) and of how it is referenced.
    Two blank nodes with identical content and identical referrers collapse into one, which leaves
    the graph's meaning unchanged.
    """
    blanks = {t.subject for t in triples if isinstance(t.subject, BlankNode)}
    blanks |= {t.object for t in triples if isinstance(t.object, BlankNode)}
    if not blanks:
        return list(triples)
    outgoing: dict[BlankNode, list[Triple]] = defaultdict(list)
    incoming: dict[BlankNode, list[Triple]] = defaultdict(list)
    for t in triples:
        if isinstance(t.subject, BlankNode):
            outgoing[t.subject].append(t)
        if isinstance(t.object, BlankNode):
            incoming[t.object].append(t)

    content: dict[BlankNode, str] = {}

    def content_hash(node: BlankNode, path: frozenset[BlankNode]) -> str:
        if node in content:
            return content[node]
        if node in path:  # a cycle through blank nodes: fall back to the parser's label
            return "cycle:" + node.value
        parts = sorted(
            f"{t.predicate} "
            + (content_hash(t.object, path | {node}) if isinstance(t.object, BlankNode) else str(t.object))
            for t in outgoing[node]
        )
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        content[node] = digest
        return digest

    for node in blanks:
        content_hash(node, frozenset())

    def referrers(node: BlankNode, path: frozenset[BlankNode]) -> str:
        parts = []
        for t in incoming[node]:
            s = t.subject
            if isinstance(s, BlankNode):
                who = "cycle" if s in path else referrers(s, path | {node}) + content[s]
            else:
                who = str(s)
            parts.append(f"{who} {t.predicate}")
        return "|".join(sorted(parts))

    names = {
        node: NamedNode(
            genid_base + hashlib.sha256((content[node] + referrers(node, frozenset())).encode()).hexdigest()[:16]
        )
        for node in blanks
    }

    def sub(term):
        return names[term] if isinstance(term, BlankNode) else term

    return list(dict.fromkeys(Triple(sub(t.subject), t.predicate, sub(t.object)) for t in triples))


def _rdflib_term(term: NamedNode | BlankNode | Literal) -> rdflib.term.Identifier:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    # normalize=False: keep the lexical form as written ("none"^^xsd:boolean stays "none"), so what
    # pySHACL reports as a value is what the upload said, as the fast engine reports it.
    if term.language:
        return rdflib.Literal(term.value, lang=term.language, normalize=False)
    if term.datatype == XSD_STRING:
        return rdflib.Literal(term.value, normalize=False)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False)


def to_rdflib(triples: Iterable[Triple], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """pySHACL wants an rdflib graph; giving it a pyoxigraph-backed one is ~100x slower and wrong."""
    graph = graph if graph is not None else rdflib.Graph()
    cache: dict[object, rdflib.term.Identifier] = {}

    def conv(term):
        found = cache.get(term)
        if found is None:
            found = cache[term] = _rdflib_term(term)
        return found

    add = graph.add
    for t in triples:
        add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return graph

