"""Detachability after the DGBC measuring method, as pure functions on plain numbers.

Method: M. van Vliet, J. van Grinsven and J. Teunizen (Alba Concepts) for the Dutch Green Building Council,
"Circular Buildings: een meetmethodiek voor losmaakbaarheid" (a measuring method for detachability),
version 2.0, 2021 (version 1.0: 2019). Four factors per connection, each a class with a value from 0.1 to
1.0 (the concepts of ontology/connections.ttl and ontology/detachability.ttl carry the values,
mpr:detachabilityScore, with their sources):

    TV  type of connection           dry 1.0, with added elements 0.8, direct integral 0.6,
                                     soft chemical 0.2, hard chemical 0.1
    TO  accessibility of connection  free 1.0, extra actions without damage 0.8,
                                     with repairable damage 0.4, not accessible 0.1
    DK  crossings                    none 1.0, one or more 0.4, full integration 0.1
    VV  form containment             open 1.0, overlapping 0.8, closed on one side 0.2,
                                     closed on several sides 0.1

    connection  LV = 4 / (1/TV + 1/TO + 1/DK + 1/VV)     the harmonic mean: the weakest factor counts most
    element     LE = min over its connections of LV      it comes loose only when every connection does
    layer, building  sum(m_e LE_e) / sum(m_e)             over the scored elements in it (mci.mass_weighted)

What is checked and how (docs/methods.md, "Detachability"): the method's text could not be read from here.
The class values agree with a public implementation of the same four factors (CircularEcoBIM), except
soft chemical (0.3 there, 0.2 here, kept: one source against the connection scheme's); repairable damage
was 0.6 and is 0.4 as there. Published descriptions of version 2.0 confirm that the weakest link counts
most and that products are weighted by environmental impact (the MPG shadow cost), per Brand layer; the
harmonic-mean form itself is not confirmed. The registry has no environmental cost per element, so it
weights by mass, and says so in every answer (WEIGHTING).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

FACTORS = ("connection_type", "accessibility", "crossings", "form_containment")
WEIGHTING = ("mass (the method weights by environmental impact, the MPG shadow cost, which the registry does not hold "
             "per element)")
METHOD = ("van Vliet, van Grinsven and Teunizen (Alba Concepts) / DGBC, Circular Buildings: een meetmethodiek voor "
          "losmaakbaarheid v2.0 (2021)")


def connection_score(factors: Sequence[float]) -> float:
    """LV = n / sum(1 / f_i) over the four factors (harmonic mean; the weakest link counts most)."""
    if len(factors) != len(FACTORS):
        raise ValueError(f"a connection has {len(FACTORS)} factors, not {len(factors)}")
    for f in factors:
        if not 0.0 < f <= 1.0:
            raise ValueError(f"a detachability factor is in (0, 1], not {f}")
    return len(factors) / sum(1.0 / f for f in factors)


def element_score(connections: Iterable[float]) -> float:
    """LE = the lowest of the element's connection scores."""
    scores = list(connections)
    if not scores:
        raise ValueError("an element needs at least one scored connection")
    return min(scores)
