"""Indicators of one passport: mass by material, MCI, embodied carbon, detachability, completeness.

Free of HTTP on purpose: the REST route, the CLI, the passport page, the urban-mine report and the
benchmark all call `IndicatorService.compute`, so every channel reports the same figures. The answer
says where each figure came from (the passport itself, a referenced product type, or reference data)
because auditors must be able to retrace it.

Summaries are materialised at first read and served from the store while exact (registry/indicators/
stored.py): a full computation of a large building costs seconds, a stored summary two lookups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from registry.concepts import ConceptScheme
from registry.errors import NotFound
from registry.indicators import mci
from registry.indicators.carbon import FACTORS_FILE, Factor, PartCarbon, load_factors, part_carbon
from registry.indicators.data import (
    Composition,
    GraphData,
    ProductType,
    graph_of,
    number,
    product_type,
    read_graph,
    utility_facts,
)
from registry.indicators.guard import not_computable, require_finite
from registry.indicators.stored import IndicatorSet, PassportState, StoredIndicators, computation_basis
from registry.indicators.value import residual_value
from registry.namespaces import BOT, DCTERMS, MPR, RDFS
from registry.passports.naming import PassportNames, check_id
from registry.store.base import TripleStore
from registry.validation import Validator

UNKNOWN = "unknown"
ACCESSIBLE_MIN_SCORE = 0.8  # DGBC accessibility classes 'freely accessible' (1.0) and 'with extra actions' (0.8)
# Part of every stored summary's computation basis: bump it with any change to what the computation
# yields or to the fields of Indicators, so summaries stored by older code are recomputed, not served.
METHOD_REVISION = 3


@dataclass
class MaterialMass:
    material: str
    label: str
    broader: str | None
    mass_kg: float  # including narrower materials
    own_mass_kg: float  # stated with exactly this material


@dataclass
class PartResult:
    iri: str
    label: str | None
    storey: str | None
    mass_kg: float
    composition_source: str  # "passport", "product type" or "none"
    product_type: str | None
    mci: float | None
    carbon_origin: str
    carbon_kg_co2e: dict[str, float]
    detachable: bool | None
    available_from: str | None  # the part's own date, else its asset's
    complete: bool
    mass_by_material: dict[str, float]  # material IRI (or "unknown") -> kg, as stated (not rolled up)


@dataclass
class Indicators:
    passport: str
    method: str
    total_mass_kg: float
    mass_by_material: list[MaterialMass]
    unknown_material_mass_kg: float
    unknown_material_share: float | None
    compositions_without_mass: int
    mci: float | None
    mci_mass_kg: float
    mci_assumptions: dict[str, object]
    carbon_kg_co2e_by_module: dict[str, float]
    carbon_kg_co2e_by_origin: dict[str, float]
    carbon_uncovered_mass_kg: float
    carbon_declared_for_asset: dict[str, float]
    carbon_reference_factors: list[dict[str, object]]
    detachable_mass_kg: float
    detachable_share: float | None
    detachability_index: float | None
    reuse_potential_kg_by_year: dict[str, float]
    completeness: dict[str, object]
    mass_by_storey: dict[str, float]
    # year of availability ("unknown" without a date) -> material IRI (or "unknown") -> kg, as stated:
    # what the urban-mine report sums over passports, so it can use stored summaries.
    mass_kg_by_year_and_material: dict[str, dict[str, float]]
    mass_kg_by_source: dict[str, float]
    product_types: list[dict[str, object]]
    parts: list[PartResult]
    # Restricted data (DESIGN 5): only for the owner and auditors, hence left out of as_dict by default.
    residual_value: dict[str, object] | None = None

    def as_dict(self, with_parts: bool = False, with_restricted: bool = False) -> dict[str, object]:
        out = asdict(self)
        if not with_parts:
            out.pop("parts")
        if not with_restricted:
            out.pop("residual_value")
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Indicators:
        """The inverse of as_dict, for summaries read back from the store (JSON)."""
        fields = dict(data)
        fields["mass_by_material"] = [MaterialMass(**m) for m in data["mass_by_material"]]
        fields["parts"] = [PartResult(**p) for p in data.get("parts", [])]
        return cls(**fields)


def utility_of(facts: dict[str, float]) -> float:
    """X = (L/L_av)(U/U_av); each ratio is 1 unless both of its values are stated (EMF: X = 1 is average)."""
    lifetime = (facts["expectedLifetime"], facts["industryAverageLifetime"]) \
        if "expectedLifetime" in facts and "industryAverageLifetime" in facts else (1.0, 1.0)
    intensity = (facts["functionalUnits"], facts["industryAverageFunctionalUnits"]) \
        if "functionalUnits" in facts and "industryAverageFunctionalUnits" in facts else (1.0, 1.0)
    return mci.utility(*lifetime, *intensity)


class IndicatorService:
    def __init__(self, store: TripleStore, base: str, concepts: ConceptScheme,
                 validator: Validator | None = None, factors_file: Path | None = None) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.vocab = concepts
        factors_file = factors_file or FACTORS_FILE
        self.factors = load_factors(factors_file)
        self.validator = validator
        self.stored = StoredIndicators(store)
        # The concepts' files are the whole ontology, which is also what the validator mixes into the data.
        inputs = [*concepts.sources, factors_file]
        if validator is not None:  # the warnings depend on the shapes too
            inputs += sorted(p for p in validator.shapes_dir.rglob("*") if p.is_file())
        self.basis = computation_basis(inputs, f"method revision {METHOD_REVISION}",
                                       f"validator {validator is not None}")

    def compute(self, passport_id: str, method: mci.Method = "emf", warnings: bool = True,
                parts: bool = False) -> Indicators:
        """The stored summary when it is still exact, else a fresh computation (stored for next time).

        Per-part figures are never stored (tens of MB for 100k elements): `parts=True` always computes."""
        names = PassportNames(self.base, check_id(passport_id))
        state = self.stored.state(names, method, self.basis)  # before any content is read
        if state.withdrawn:
            raise NotFound(f"no passport {passport_id!r} with content")
        want_warnings = warnings and self.validator is not None
        if state.current is not None and not parts:
            result = Indicators.from_dict(state.current.data)
            if want_warnings and not state.current.includes_warnings:
                result.completeness["shacl_warnings"] = self._warnings(names)
                self.stored.save(names, method, IndicatorSet(
                    state.current.version, self.basis, True, result.as_dict(with_restricted=True),
                    state.current.dependencies))
            elif not warnings:
                result.completeness["shacl_warnings"] = []
            return result
        return self._fresh(names, state, method, want_warnings)

    def _fresh(self, names: PassportNames, state: PassportState, method: mci.Method, warnings: bool) -> Indicators:
        data = read_graph(self.store, names.iri)
        if data.empty:
            raise NotFound(f"no passport {names.id!r} with content")
        # Every product type's passport graph, versions first (stored.py), then content.
        types = {graph_of(t.value) for facts in data.facts.values()
                 for t in facts.get(MPR + "instanceOf", []) if isinstance(t, NamedNode)} - {names.iri}
        dependencies = self.stored.versions(types)
        cache = {names.iri: data} | {g: read_graph(self.store, g) for g in sorted(types)}
        try:
            result = self._indicators(names, data, cache, method, warnings)
        except ValueError as exc:  # a formula's precondition (mci.py) that the shapes guard, broken in storage
            raise not_computable(names.id, str(exc)) from exc
        require_finite(names.id, result.as_dict(with_parts=True, with_restricted=True))
        if state.version is not None:
            self.stored.save(names, method, IndicatorSet(
                state.version, self.basis, warnings, result.as_dict(with_restricted=True), dependencies))
        return result

    def _warnings(self, names: PassportNames) -> list[dict[str, object]]:
        if self.validator is None:
            return []
        report = self.validator.validate(self.store.triples(names.content_graph))
        return [{"focus_node": w.focus_node, "path": w.path, "message": w.message} for w in report.warnings]

    # --- the computation ----------------------------------------------------------------------

    def _parts(self, data: GraphData) -> list[str]:
        """Parts that carry data: leaves of the topology, and any node with compositions or a type.

        A container (an element whose sub-elements hold the data) is not a part of its own, so its
        mass is not counted twice and it does not lower completeness."""
        candidates: set[str] = set(data.elements) | set(data.compositions) | set(data.part_mass)
        for s, facts in data.facts.items():
            if MPR + "instanceOf" in facts or MPR + "connectionType" in facts:
                candidates.add(s)
            for link in (BOT + "hasElement", BOT + "hasSubElement", DCTERMS + "hasPart"):
                candidates.update(o.value for o in facts.get(link, []) if isinstance(o, NamedNode))
        return sorted(c for c in candidates
                      if c in data.compositions or c in data.part_mass
                      or data.first(c, MPR + "instanceOf") is not None
                      or not data.children(c))

    def _storeys(self, data: GraphData) -> dict[str, str]:
        """Part -> storey, following bot:hasElement / bot:hasSubElement / dcterms:hasPart downwards."""
        out: dict[str, str] = {}
        for facts in data.facts.values():
            for storey in facts.get(BOT + "hasStorey", []):
                if isinstance(storey, NamedNode):
                    for node in data.reachable(storey.value)[1:]:
                        out.setdefault(node, storey.value)
        return out

    def _indicators(self, names: PassportNames, data: GraphData, cache: dict[str, GraphData],
                    method: mci.Method, warnings: bool) -> Indicators:
        vocab = self.vocab
        types: dict[str, ProductType] = {}
        storeys = self._storeys(data)
        asset = data.first(names.iri, MPR + "describes")
        asset_iri = asset.value if isinstance(asset, NamedNode) else None
        asset_date = data.first(asset_iri, MPR + "availableFrom") if asset_iri else None

        own_mass: dict[str, float] = defaultdict(float)
        unknown = 0.0
        without_mass = 0
        by_source: dict[str, float] = defaultdict(float)
        carbon: dict[str, float] = defaultdict(float)
        carbon_origin: dict[str, float] = defaultdict(float)
        uncovered = 0.0
        factors_used: dict[tuple[str, str], Factor] = {}
        mci_pairs: list[tuple[float, float]] = []
        detachable_mass = connected_mass = index_sum = 0.0
        reuse: dict[str, float] = defaultdict(float)
        by_storey: dict[str, float] = defaultdict(float)
        by_year_material: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        complete_count = with_material = with_mass = with_connection = 0
        parts_with_utility = 0
        results: list[PartResult] = []
        parts = self._parts(data)

        # Carbon declared on a container (the asset, a storey, an assembly) covers every part below it;
        # the highest declaring node wins, so nothing is counted twice.
        part_set = set(parts)
        covered: set[str] = set()
        containers = [h for h in data.carbon if h not in part_set and not data.is_composition(h)]
        for holder in sorted(containers, key=lambda h: -len(data.reachable(h))):
            if holder in covered:
                continue
            below = data.reachable(holder)
            covered.update(below)
            for v in data.carbon[holder]:
                carbon[v.module] += v.kg
                carbon_origin["declared"] += v.kg

        for part in parts:
            comps: list[Composition] = list(data.compositions.get(part, []))
            count = number(data.first(part, MPR + "count")) or 1.0
            type_iri_term = data.first(part, MPR + "instanceOf")
            type_iri = type_iri_term.value if isinstance(type_iri_term, NamedNode) else None
            ptype: ProductType | None = None
            if type_iri:
                if type_iri not in types:
                    types[type_iri] = product_type(self.store, type_iri, cache)
                ptype = types[type_iri]
            source = "passport" if comps else "none"
            if not comps and ptype and ptype.compositions:
                comps = [c.scaled(count, part) for c in ptype.compositions]
                source = "product type"
            if not comps and part in data.part_mass:
                # only the part's own mass is known: counted, as mass of unknown material
                comps = [Composition(part, part, None, data.part_mass[part])]
                source = "passport"

            # mass by material
            part_mass = 0.0
            part_materials: dict[str, float] = defaultdict(float)
            for c in comps:
                if c.mass_kg is None:
                    without_mass += 1
                    continue
                part_mass += c.mass_kg
                key = c.material if c.material in vocab.materials else UNKNOWN
                part_materials[key] += c.mass_kg
                if key == UNKNOWN:
                    unknown += c.mass_kg
                else:
                    own_mass[key] += c.mass_kg
            if source != "none":
                by_source[source] += part_mass
            storey = storeys.get(part)
            by_storey[storey or "(no storey)"] += part_mass

            # MCI: flows summed over the part's materials, then the part's MCI, weighted by mass
            flows = mci.ZERO
            for c in comps:
                if c.mass_kg:
                    try:
                        flows = flows + mci.material_flows(
                            c.mass_kg, c.recycled or 0.0, c.reused or 0.0, c.renewable or 0.0,
                            c.recyclable or 0.0, c.reusable or 0.0, c.eol_efficiency, c.feedstock_efficiency,
                            method=method)
                    except ValueError as exc:
                        raise ValueError(f"composition <{c.node}> of part <{part}>: {exc}") from exc
            # the part's own statements win over its product type's, fact by fact
            x = utility_of({**(ptype.utility if ptype else {}), **utility_facts(data, part)})
            if x != 1.0:
                parts_with_utility += 1
            part_mci = mci.product_mci(flows, x, method) if flows.mass > 0 else None
            if part_mci is not None:
                mci_pairs.append((flows.mass, part_mci))

            # carbon
            if part in covered:
                pc = PartCarbon("declared (container)")
            else:
                declared = data.carbon_of([part])
                pc = part_carbon(declared, ptype.carbon if ptype else None, count, comps, self.factors)
                for module, kg in pc.by_module.items():
                    carbon[module] += kg
                    carbon_origin[pc.origin] += kg
                uncovered += pc.uncovered_mass_kg
                for f in pc.factors_used:
                    factors_used[(f.material, f.module)] = f

            when = data.first(part, MPR + "availableFrom") or asset_date
            # detachability: every connection reversible, and accessible where accessibility is stated
            connections = data.iris(part, MPR + "connectionType")
            access = data.iris(part, MPR + "connectionAccessibility")
            detachable: bool | None = None
            if connections:
                reversible = all(vocab.inherited(vocab.reversible, c) is True for c in connections)
                access_score = min((vocab.inherited(vocab.detachability, a) or 0.0 for a in access), default=1.0)
                detachable = reversible and access_score >= ACCESSIBLE_MIN_SCORE
                connection_score = min(vocab.inherited(vocab.detachability, c) or 0.0 for c in connections)
                connected_mass += part_mass
                index_sum += part_mass * connection_score * access_score
                if detachable:
                    detachable_mass += part_mass
                    reuse[when.value[:4] if isinstance(when, Literal) else "unknown"] += part_mass

            # completeness: material, mass and connection type known (after product-type fallback)
            has_material = bool(comps) and all(c.material in vocab.materials for c in comps)
            has_mass = bool(comps) and all(c.mass_kg is not None for c in comps)
            has_connection = bool(connections)
            with_material += has_material
            with_mass += has_mass
            with_connection += has_connection
            complete = has_material and has_mass and has_connection
            complete_count += complete

            label = data.first(part, RDFS + "label")
            results.append(PartResult(
                iri=part, label=label.value if label else None, storey=storey, mass_kg=part_mass,
                composition_source=source, product_type=type_iri, mci=part_mci, carbon_origin=pc.origin,
                carbon_kg_co2e=pc.by_module, detachable=detachable,
                available_from=when.value if isinstance(when, Literal) else None, complete=complete,
                mass_by_material=dict(part_materials),
            ))
            year = when.value[:4] if isinstance(when, Literal) else UNKNOWN
            for material, kg in part_materials.items():
                by_year_material[year][material] += kg

        total = sum(own_mass.values()) + unknown
        rolled: dict[str, float] = defaultdict(float)
        for material, kg in own_mass.items():
            for concept in vocab.lineage(material):
                rolled[concept] += kg
        materials = sorted(
            (MaterialMass(m, vocab.labels.get(m, m), vocab.broader.get(m), kg, own_mass.get(m, 0.0))
             for m, kg in rolled.items()),
            key=lambda x: (-x.mass_kg, x.material),
        )
        n = len(parts)
        shacl = self._warnings(names) if warnings else []
        asset_carbon = {}
        if asset_iri:
            for v in data.carbon.get(asset_iri, []):
                asset_carbon[v.module] = asset_carbon.get(v.module, 0.0) + v.kg
        efficiency = mci.default_efficiency(method)
        return Indicators(
            passport=names.id,
            method=method,
            total_mass_kg=total,
            mass_by_material=materials,
            unknown_material_mass_kg=unknown,
            unknown_material_share=unknown / total if total > 0 else None,
            compositions_without_mass=without_mass,
            mci=mci.mass_weighted(mci_pairs),
            mci_mass_kg=sum(m for m, _ in mci_pairs),
            mci_assumptions={
                "efficiency_eol_E_C": efficiency, "efficiency_feedstock_E_F": efficiency,
                "efficiencies_default_for": "compositions without mpr:recyclingEfficiency (E_C) or "
                                            "mpr:feedstockRecyclingEfficiency (E_F)",
                "utility_X": "per part (L/L_av)(U/U_av) from mpr:expectedLifetime, mpr:industryAverageLifetime, "
                             "mpr:functionalUnits, mpr:industryAverageFunctionalUnits (the part's, else its product "
                             "type's); a ratio without both of its values counts as 1",
                "parts_with_utility_other_than_1": parts_with_utility,
                "F_X": "0.9 (Madaster: fixed)" if method == "madaster" else "0.9 / X per part",
                "missing_fractions": "taken as 0 (no recycled/reused/renewable input, nothing collected)",
                "aggregation": "mass-weighted mean of part MCIs",
            },
            carbon_kg_co2e_by_module=dict(carbon),
            carbon_kg_co2e_by_origin=dict(carbon_origin),
            carbon_uncovered_mass_kg=uncovered,
            carbon_declared_for_asset=asset_carbon,
            carbon_reference_factors=[
                {"material": f.material, "module": f.module, "kg_co2e_per_kg": f.kg_per_kg, "dataset": f.dataset,
                 "source": f.source} for f in factors_used.values()
            ],
            detachable_mass_kg=detachable_mass,
            detachable_share=detachable_mass / total if total > 0 else None,
            detachability_index=index_sum / connected_mass if connected_mass > 0 else None,
            reuse_potential_kg_by_year=dict(sorted(reuse.items())),
            completeness={
                "parts": n,
                "complete_parts": complete_count,
                "share": complete_count / n if n else None,
                "with_material": with_material,
                "with_mass": with_mass,
                "with_connection_type": with_connection,
                "shacl_warnings": shacl,
            },
            mass_by_storey=dict(by_storey),
            mass_kg_by_year_and_material={y: dict(m) for y, m in sorted(by_year_material.items())},
            mass_kg_by_source=dict(by_source),
            product_types=[{"iri": t.iri, "found": t.found, "compositions": len(t.compositions),
                            "carbon_values": len(t.carbon)} for t in types.values()],
            parts=results,
            residual_value=residual_value(self.store, names.iri, {p.iri: p.mass_kg for p in results}).as_dict(),
        )
