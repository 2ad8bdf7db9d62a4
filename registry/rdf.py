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

from registry.canonical import canonical, canonical_form
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
        # Straight to triples: a list of the quads as well would double the peak (~360 bytes a triple).
        triples = [q.triple for q in parse(data, fmt, base_iri=base_iri, without_named_graphs=True)]
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


# A blank node's neighbours along one direction of its links, by label: a link to another blank node as
# (predicate token, that node's label); any other link as the part of the digest it stands for, "predicate
# term" in N-Triples tokens, one shared str for every link that recurs (types, units: most of them).
Links = dict[str, list[tuple[str, str] | str]]
_TYPED = '"^^<'


def _tokens(triples: Sequence[Triple], chunk: int = 50_000) -> Iterator[list[str]]:
    """Each triple as its three N-Triples tokens, serialised a chunk at a time.

    Reading `t.subject` and friends builds a new Python object per call, and hashing a pyoxigraph term costs
    microseconds; pyoxigraph writes 100k triples as N-Triples in ~35 ms and a str's hash is cached. The
    serialiser writes `s p o .` with single spaces and the same tokens as `str(term)` (checked over the
    examples and the test corpus), so digests keep the values they had when computed from `str(term)`.
    In chunks, so that the text of a 1M-triple passport (~130 MB, twice) is never held whole."""
    for start in range(0, len(triples), chunk):
        part = triples[start:start + chunk]
        text = (serialize(part, format=RdfFormat.N_TRIPLES) or b"").decode()
        for line, t in zip(text.split("\n")[:-1], part, strict=True):
            row = line[:-2].split(" ", 2)
            if row[2].startswith("<<"):  # a triple term: its str() form is what digests always used
                row[2] = str(t.object)
            yield row


def _part(shared: dict[str, str], predicate: str, term: str) -> str:
    """The digest part of a link to a term that is not a blank node; shared when the term is an IRI (it recurs:
    types, units, materials), a literal's own (mostly unique; a table of them would cost more than it saves)."""
    part = f"{predicate} {term}"
    return shared.setdefault(part, part) if term[0] == "<" else part


def _canonical_token(token: str) -> str | None:
    """The token of a typed literal in Oxigraph's canonical form (registry/canonical.py), None if unchanged."""
    cut = token.rfind(_TYPED)
    if cut < 0 or token[0] != '"' or token[-1] != ">":
        return None
    lexical, datatype = token[1:cut], token[cut + 4:-1]
    if "\\" in lexical:  # an escape: let pyoxigraph read the literal
        literal = Literal(_unescaped(token), datatype=NamedNode(datatype))
        found = canonical(literal)
        return None if found == literal else str(found)
    form = canonical_form(lexical, datatype)
    if form is None or form == (lexical, datatype):
        return None
    return f'"{form[0]}"^^<{form[1]}>'


def _unescaped(token: str) -> str:
    (quad,) = parse(f"<urn:s> <urn:p> {token} .", RdfFormat.N_TRIPLES)
    return quad.object.value  # type: ignore[no-any-return]


def _keyed(keyed: hmac.HMAC, text: str) -> str:
    """HMAC-SHA-256 of `text`, copying an HMAC already keyed: ~35 % cheaper than keying a new one per
    blank node (60k of them in a 100k-triple passport)."""
    mac = keyed.copy()
    mac.update(text.encode())
    return mac.hexdigest()


def _digests(blanks: Iterable[str], links: Links, key: hmac.HMAC, sep: str,
             identity: Callable[[str, str], str], on_cycle: Callable[[str], str]) -> dict[str, str]:
    """A keyed digest of each blank node over its links, the blank nodes it links to digested first.

    Depth-first with an explicit stack, not recursion: nesting is bounded (registry/nesting.py) but a
    walk over user data must not depend on Python's recursion limit. `identity` says how a linked
    blank node appears in the digest of the node linking to it; a link back into the current path
    (a cycle) appears as `on_cycle` says."""
    done: dict[str, str] = {}
    for root in blanks:
        if root in done:
            continue
        path = {root}
        stack: list[tuple[str, str, Iterator[tuple[str, str] | str], list[str]]] = [(root, "", iter(links[root]), [])]
        while stack:
            node, via, todo, parts = stack[-1]
            for link in todo:
                if isinstance(link, str):
                    parts.append(link)
                    continue
                predicate, label = link
                if label in done:
                    parts.append(f"{predicate} {identity(label, done[label])}")
                elif label in path:
                    parts.append(f"{predicate} {on_cycle(label)}")
                else:
                    path.add(label)
                    stack.append((label, predicate, iter(links[label]), []))
                    break
            else:
                stack.pop()
                path.discard(node)
                done[node] = _keyed(key, sep.join(sorted(parts)))
                if stack:
                    stack[-1][3].append(f"{via} {identity(node, done[node])}")
    return done


def _skolem_names(blanks: Iterable[str], outgoing: Links, incoming: Links, genid_base: str,
                  key: bytes) -> dict[str, NamedNode]:
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    content = _digests(blanks, outgoing, keyed, "\n", lambda _node, digest: digest, lambda node: "cycle:" + node)
    referrers = _digests(blanks, incoming, keyed, "|", lambda node, digest: digest + content[node],
                         lambda _node: "cycle")
    return {node: NamedNode(genid_base + _keyed(keyed, content[node] + referrers[node])[:16]) for node in blanks}


def skolemize(triples: list[Triple], genid_base: str, key: bytes, canonicalize: bool = False) -> list[Triple]:
    """Replace blank nodes by IRIs that depend only on the data around them and the registry's key.

    History is kept as patches (docs/architecture.md 2), and blank nodes cannot be patched: the same upload sent
    twice must produce the same triples, or every version would "change" all its quantity nodes. So a
    blank node's IRI digests its outgoing triples (recursively) and how it is referenced. Two blank
    nodes with identical content and identical referrers collapse into one, which leaves the graph's
    meaning unchanged.

    The digests are HMAC-SHA-256 under `key`, the registry's secret (registry/access/secrets.py): a
    plain hash would let anyone who reads a public passport confirm a guessed restricted value
    (a price, a supplier) hanging below a public blank node by hashing the guess.

    `canonicalize` first brings typed literals into canonical form (registry/canonical.py), in the same pass:
    the result equals `skolemize(canonical_triples(triples), ...)`. `triples` is rewritten in place, and only
    the triples that change are rebuilt: a 1M-triple passport is not held twice (~360 bytes a triple).
    """
    outgoing: Links = defaultdict(list)
    incoming: Links = defaultdict(list)
    literals: dict[int, Literal] = {}
    # One str object per predicate and blank-node label, however often it recurs (memory at 1M triples).
    shared: dict[str, str] = {}
    for i, (s, p, o) in enumerate(_tokens(triples)):
        if canonicalize and o[-1] == ">" and o[0] == '"' and (new := _canonical_token(o)) is not None:
            o = new
            literals[i] = canonical(triples[i].object)  # type: ignore[assignment]  # a typed literal
        p = shared.setdefault(p, p)
        subject = shared.setdefault(s[2:], s[2:]) if s[0] == "_" else ""
        obj = shared.setdefault(o[2:], o[2:]) if o[0] == "_" else ""
        if subject:
            outgoing[subject].append((p, obj) if obj else _part(shared, p, o))
        if obj:
            incoming[obj].append((p, subject) if subject else _part(shared, p, s))
    del shared
    if not outgoing and not incoming and not literals:
        return list(dict.fromkeys(triples))
    # In the order blank nodes first appear, so that the walk is the same in every process.
    names = _skolem_names(list(dict.fromkeys([*outgoing, *incoming])), outgoing, incoming, genid_base, key)
    del outgoing, incoming
    for i, t in enumerate(triples):  # read off the terms again rather than keep a list per triple (memory)
        node, value = t.subject, t.object
        if type(node) is BlankNode or type(value) is BlankNode or i in literals:
            triples[i] = Triple(names[node.value] if isinstance(node, BlankNode) else node, t.predicate,
                                names[value.value] if isinstance(value, BlankNode) else literals.get(i, value))
    return list(dict.fromkeys(triples))


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

