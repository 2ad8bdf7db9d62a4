"""Matching as one service: supply search, scored matches for a demand, and portfolio plans.

Read-only over the store; demands are stored by a PassportService instance for the /demands
collection, so they are versioned and validated like passports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pyoxigraph import RdfFormat, Triple

from registry.access.policy import sees_everything
from registry.concepts import ConceptScheme
from registry.errors import InvalidPassport, MalformedInput
from registry.matching.demand import DEMAND, Demand, check_radius, demand_from_triples, turtle_from_json
from registry.matching.fit import acceptable_materials
from registry.matching.index import SupplyIndex
from registry.matching.portfolio import Arc, Plan, greedy, optimise
from registry.matching.scoring import Match, Weights, carbon_of, offered_quantity, score
from registry.matching.supply import DIMENSION_NAMES, SupplyFilter, SupplyItem, SupplyReader
from registry.namespaces import CONDITIONS, MATERIALS
from registry.nesting import load_json
from registry.passports import Agent, PassportService
from registry.passports.naming import PassportNames
from registry.store.base import TripleStore
from registry.validation import Validator

SORTS = ("distance", "date")


@dataclass
class SearchPage:
    items: list[SupplyItem]
    total: int
    offset: int
    limit: int


@dataclass
class PortfolioResult:
    demands: list[Demand]
    items: list[SupplyItem]
    plan: Plan
    baseline: Plan


class MatchingService:
    def __init__(self, store: TripleStore, concepts: ConceptScheme, demands: PassportService,
                 passports_changed: Callable[[], str]) -> None:
        self.concepts = concepts
        self.supply = SupplyIndex(store, concepts, passports_changed)
        self.demands = demands

    # --- demands ------------------------------------------------------------------------------

    def demand_body(self, body: bytes, fmt: RdfFormat | None) -> tuple[bytes, RdfFormat]:
        """RDF as sent, or Turtle written from a JSON demand (fmt None)."""
        if fmt is not None:
            return body, fmt
        parsed = load_json(body)
        return turtle_from_json(parsed, self.concepts, self.supply.reader.is_product_type), RdfFormat.TURTLE

    def unsaved_demand(self, body: bytes, fmt: RdfFormat) -> Demand:
        """Validate a demand exactly as POST /demands would, without storing it."""
        names = PassportNames(self.demands.base, "draft", self.demands.collection)
        triples = self.demands.prepare(body, fmt, names)
        report = self.demands.validator.validate(triples)
        if not report.conforms:
            raise InvalidPassport(f"the demand has {len(report.violations)} SHACL violation(s)", report=report)
        return demand_from_triples(triples, self.concepts, self.supply.reader.is_product_type)

    def stored_demand(self, triples: Sequence[Triple]) -> Demand:
        """The demand of a stored demand's triples (read through `registry.access.demands`)."""
        # A stored demand was checked when written; a product type withdrawn since then just finds nothing.
        return demand_from_triples(triples, self.concepts, lambda _iri: True)

    # --- search -------------------------------------------------------------------------------

    def materials_filter(self, materials: Sequence[str], narrower: bool = True, products: Sequence[str] = (),
                         **criteria: Any) -> SupplyFilter:
        """Resolve concepts (400 on unknown, with close matches) and check ranges (400 when absurd)."""
        concepts: frozenset[str] | None = None
        for product in products:
            if not self.supply.reader.is_product_type(product):
                raise MalformedInput(f"unknown product type {product!r}: not a schema:Product of an active passport",
                                     product=product)
        if materials:
            resolved = [self.concepts.resolve(m, MATERIALS, "material concept") for m in materials]
            expanded: set[str] = set()
            for iri in resolved:
                expanded |= self.concepts.descendants(iri) if narrower else {iri}
            concepts = frozenset(expanded)
        check_radius(criteria.get("radius_km"))
        if criteria.get("radius_km") is not None and (criteria.get("lon") is None or criteria.get("lat") is None):
            raise MalformedInput("a radius needs a centre: give lon and lat")
        lon, lat = criteria.get("lon"), criteria.get("lat")
        if (lon is not None and not -180 <= lon <= 180) or (lat is not None and not -90 <= lat <= 90):
            raise MalformedInput(f"lon {lon} / lat {lat} are outside WGS 84 bounds (-180..180, -90..90)")
        start, end = criteria.get("available_from"), criteria.get("available_until")
        if start is not None and end is not None and start > end:
            raise MalformedInput(f"dates reversed: available_from {start} is after available_until {end}")
        for key in ("min_mass_kg", "min_volume_m3", "min_count"):
            if criteria.get(key) is not None and criteria[key] < 0:
                raise MalformedInput(f"{key} must be 0 or more")
        dimensions = []
        for name in DIMENSION_NAMES:
            unit = "m2" if name == "area" else "m"
            low, high = criteria.get(f"min_{name}_{unit}"), criteria.get(f"max_{name}_{unit}")
            for value in (low, high):
                if value is not None and value < 0:
                    raise MalformedInput(f"{name} limits must be 0 or more")
            if low is not None and high is not None and low > high:
                raise MalformedInput(f"min_{name}_{unit} {low} is above max_{name}_{unit} {high}")
            if low is not None or high is not None:
                dimensions.append((name, low, high))
        worst = None
        if criteria.get("condition") is not None:
            cond = self.concepts.resolve(criteria["condition"], CONDITIONS, "condition")
            worst = self.concepts.notation[cond]
        return SupplyFilter(
            materials=concepts, lon=lon, lat=lat, radius_km=criteria.get("radius_km"),
            available_from=start, available_until=end, min_mass_kg=criteria.get("min_mass_kg"),
            min_volume_m3=criteria.get("min_volume_m3"), min_count=criteria.get("min_count"),
            worst_condition=worst, dimensions=tuple(dimensions), products=frozenset(products) if products else None,
            municipality=_region(criteria.get("municipality")), province=_region(criteria.get("province")),
        )

    def search(self, flt: SupplyFilter, agent: Agent, sort: str | None, offset: int, limit: int) -> SearchPage:
        sort = sort or ("distance" if flt.lon is not None else "date")
        if sort not in SORTS:
            raise MalformedInput(f"sort {sort!r} is not one of {', '.join(SORTS)}")
        if sort == "distance" and flt.lon is None:
            raise MalformedInput("sorting by distance needs a centre: give lon and lat")
        items, total = self.supply.page(self._for(flt, agent), sort, offset, limit)
        return SearchPage(items, total, offset, limit)

    @staticmethod
    def _for(flt: SupplyFilter, agent: Agent) -> SupplyFilter:
        """The filter narrowed to what `agent` may see (public passports, and its own organisation's)."""
        return replace(flt, public_only=not sees_everything(agent), organisation=agent.organisation)

    # --- matches ------------------------------------------------------------------------------

    def _candidates(self, demand: Demand, agent: Agent) -> list[SupplyItem]:
        materials: set[str] = set()
        for wanted in demand.wants:
            materials |= acceptable_materials(self.concepts, wanted)
        # Hard limits of the score applied here too, so fewer candidates are scored one by one.
        flt = SupplyFilter(materials=frozenset(materials), products=frozenset(demand.products), lon=demand.lon,
                           lat=demand.lat, radius_km=demand.radius_km if demand.lon is not None else None,
                           not_after=demand.needed_by)
        return self.supply.items(self._for(flt, agent))

    def matches(self, demand: Demand, agent: Agent, limit: int = 20, weights: Weights | None = None) -> list[Match]:
        """Scored matches, best first; ties broken by part IRI so answers are stable."""
        weights = weights or Weights()
        found = [m for item in self._candidates(demand, agent)
                 if (m := score(demand, item, self.concepts, self.supply.factors, weights)) is not None]
        found.sort(key=lambda m: (-m.score, m.item.tie_key))
        return found[:limit]

    def portfolio(self, demands: list[Demand], agent: Agent, objective: str = "carbon") -> PortfolioResult:
        """Assign items to demands at once (optimiser), with the greedy plan on the same arcs for comparison."""
        items: dict[tuple[str, str], SupplyItem] = {}
        index: dict[tuple[str, str], int] = {}
        arcs: list[Arc] = []
        for j, demand in enumerate(demands):
            for item in self._candidates(demand, agent):
                if score(demand, item, self.concepts, self.supply.factors, Weights()) is None:
                    continue
                quantity = offered_quantity(item, demand.quantity.unit)
                carbon = carbon_of(item, 1.0, self.supply.factors)
                if quantity is None or carbon.saved_kg is None:
                    continue
                key = (item.part, item.composition)
                if key not in index:
                    index[key] = len(index)
                    items[key] = replace(item, distance_km=None)
                arcs.append(Arc(index[key], j, quantity, carbon.saved_kg, carbon.transport_kg or 0.0))
        needs = [d.quantity.value for d in demands]
        plan = optimise(arcs, needs, len(index), objective)
        return PortfolioResult(demands, list(items.values()), plan, greedy(arcs, needs, len(index)))


def build_matching(
    store: TripleStore, validator: Validator, base: str, concepts: ConceptScheme, passports: PassportService
) -> MatchingService:
    """The demands collection (a PassportService under /demands, anchored on mpr:Demand) and matching over
    the supply of `passports`."""
    is_product = SupplyReader(store, concepts).is_product_type
    demands = PassportService(store, validator, base, collection="demands", anchor=DEMAND, noun="demand",
                              check_content=lambda triples: demand_from_triples(triples, concepts, is_product),
                              skolem_key=passports.skolem_key, reserved_ids=frozenset({"new"}))
    return MatchingService(store, concepts, demands, passports.change_token)


def _region(name: object) -> str | None:
    """Region names compare case-insensitively (CBS writes "Súdwest-Fryslân", users may not)."""
    return name.strip().casefold() if isinstance(name, str) and name.strip() else None
