"""The SPARQL 1.1 Service Description of /sparql: what a client may expect before sending a query.

It states what the endpoint really does: queries and updates (updates need an admin token), the union
of all graphs as default graph, dataset parameters, and the result and RDF formats it can answer in.
SERVICE is never run, so sd:BasicFederatedQuery is not claimed.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, NamedNode, QueryResultsFormat, Triple

from registry.namespaces import RDF_TYPE
from registry.rdf import ANSWER_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def service_description(endpoint: str) -> list[Triple]:
    service, dataset, default_graph = NamedNode(endpoint), BlankNode(), BlankNode()
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
    ]
    formats = [f.iri for f in (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV,
                               QueryResultsFormat.TSV)] + [f.iri for f in ANSWER_FORMATS]
    triples += [Triple(service, _sd("resultFormat"), NamedNode(iri)) for iri in formats]
    return triples
