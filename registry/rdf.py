"""RDF syntax in and out: parsing uploads, serialising answers, and handing graphs to rdflib.

Formats come from pyoxigraph's own tables (`RdfFormat.from_media_type`); nothing here lists syntaxes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize

from registry.errors import MalformedInput, UnsupportedMediaType
from registry.jsonld import compacted
from registry.namespaces import PREFIXES, XSD_DATETIME, XSD_STRING
from registry.nesting import check_graph, check_syntax
from registry.xml_guard import refuse_dtd

Term = NamedNode | BlankNode | Literal | Triple

#: The syntaxes a passport may be uploaded in (the HTTP contract, README), in order of preference for answers.
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


def datetime_literal(value: datetime) -> Literal:
    """An xsd:dateTime as the registry writes every time stamp: in UTC, with "Z" (naive values are left as given)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return Literal(value.isoformat().replace("+00:00", "Z"), datatype=XSD_DATETIME)


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
    """Parse one graph. Named graphs are refused: a passport is one graph and the registry names it.

    Nesting is bounded before and after parsing (registry/nesting.py): deep input crashes parsers;
    XML declarations are refused before parsing (registry/xml_guard.py): entities expand without bound."""
    if fmt == RdfFormat.RDF_XML:
        refuse_dtd(data, "the RDF/XML upload")
    check_syntax(data, fmt)
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
    triples = [q.triple for q in quads]
    check_graph(triples, fmt.name)
    return triples


def serialize_triples(triples: Iterable[Triple], fmt: RdfFormat) -> bytes:
    """A graph in `fmt`, every IRI absolute; Turtle and TriG with the registry's prefixes, JSON-LD compacted
    under the registry's context (registry/jsonld.py).

    No `@base`: pyoxigraph writes every IRI relative to the base, the prefix declarations too
    (`@prefix rdf: <//www.w3.org/1999/...>` under an http base), so a file saved and read again under an
    https base turned the http vocabularies into https ones (issue 16): an answer must mean the same
    wherever it is read.
    """
    if fmt == RdfFormat.JSON_LD:
        return json.dumps(compacted(triples), ensure_ascii=False).encode()
    if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG):
        return serialize(triples, format=fmt, prefixes=PREFIXES) or b""
    return serialize(triples, format=fmt) or b""


# A blank node's neighbours along one direction of its links: (predicate, the term at the other end).
Links = dict[BlankNode, list[tuple[NamedNode, Term]]]


def _keyed(keyed: hmac.HMAC, text: str) -> str:
    """HMAC-SHA-256 of `text`, copying an HMAC already keyed: ~35 % cheaper than keying a new one per
    blank node (60k of them in a 100k-triple passport)."""
    mac = keyed.copy()
    mac.update(text.encode())
    return mac.hexdigest()


def _links(triples: Sequence[Triple]) -> tuple[set[BlankNode], Links, Links]:
    """The blank nodes, and for each its outgoing (predicate, object) and incoming (predicate, subject) links."""
    outgoing: Links = defaultdict(list)
    incoming: Links = defaultdict(list)
    for t in triples:
        if isinstance(t.subject, BlankNode):
            outgoing[t.subject].append((t.predicate, t.object))
        if isinstance(t.object, BlankNode):
            incoming[t.object].append((t.predicate, t.subject))
    return set(outgoing) | set(incoming), outgoing, incoming


def _digests(blanks: Iterable[BlankNode], links: Links, key: hmac.HMAC, sep: str,
             identity: Callable[[BlankNode, str], str], on_cycle: Callable[[BlankNode], str]) -> dict[BlankNode, str]:
    """A keyed digest of each blank node over its links, the blank nodes it links to digested first.

    Depth-first with an explicit stack, not recursion: nesting is bounded (registry/nesting.py) but a
    walk over user data must not depend on Python's recursion limit. `identity` says how a linked
    blank node appears in the digest of the node linking to it; a link back into the current path
    (a cycle) appears as `on_cycle` says."""
    done: dict[BlankNode, str] = {}
    for root in blanks:
        if root in done:
            continue
        path = {root}
        stack: list[tuple[BlankNode, str, Iterator[tuple[NamedNode, Term]], list[str]]] = [
            (root, "", iter(links[root]), [])]
        while stack:
            node, via, todo, parts = stack[-1]
            for predicate, other in todo:
                if not isinstance(other, BlankNode):
                    parts.append(f"{predicate} {other}")
                elif other in done:
                    parts.append(f"{predicate} {identity(other, done[other])}")
                elif other in path:
                    parts.append(f"{predicate} {on_cycle(other)}")
                else:
                    path.add(other)
                    stack.append((other, str(predicate), iter(links[other]), []))
                    break
            else:
                stack.pop()
                path.discard(node)
                done[node] = _keyed(key, sep.join(sorted(parts)))
                if stack:
                    stack[-1][3].append(f"{via} {identity(node, done[node])}")
    return done


def skolemize(triples: Sequence[Triple], genid_base: str, key: bytes) -> list[Triple]:
    """Replace blank nodes by IRIs that depend only on the data around them and the registry's key.

    History is kept as patches (docs/architecture.md 2), and blank nodes cannot be patched: the same upload sent
    twice must produce the same triples, or every version would "change" all its quantity nodes. So a
    blank node's IRI digests its outgoing triples (recursively) and how it is referenced. Two blank
    nodes with identical content and identical referrers collapse into one, which leaves the graph's
    meaning unchanged.

    The digests are HMAC-SHA-256 under `key`, the registry's secret (registry/access/secrets.py): a
    plain hash would let anyone who reads a public passport confirm a guessed restricted value
    (a price, a supplier) hanging below a public blank node by hashing the guess.
    """
    blanks, outgoing, incoming = _links(triples)
    if not blanks:
        return list(triples)
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    content = _digests(blanks, outgoing, keyed, "\n", lambda _node, digest: digest,
                       lambda node: "cycle:" + node.value)
    referrers = _digests(blanks, incoming, keyed, "|", lambda node, digest: digest + content[node],
                         lambda _node: "cycle")
    names = {node: NamedNode(genid_base + _keyed(keyed, content[node] + referrers[node])[:16]) for node in blanks}

    renamed = []
    for t in triples:
        subject = names[t.subject] if isinstance(t.subject, BlankNode) else t.subject
        renamed.append(Triple(subject, t.predicate, names[t.object] if isinstance(t.object, BlankNode) else t.object))
    return list(dict.fromkeys(renamed))


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

    def conv(term: Term) -> rdflib.term.Identifier:
        if isinstance(term, Triple):  # RDF 1.2 triple terms have no rdflib form
            raise MalformedInput("triple terms (RDF 1.2) cannot be checked by the pySHACL engine")
        found = cache.get(term)
        if found is None:
            found = cache[term] = _rdflib_term(term)
        return found

    add = graph.add
    for t in triples:
        add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return graph

