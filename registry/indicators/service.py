"""Indicators of one passport: mass by material, MCI, embodied carbon, detachability, completeness.

Free of HTTP on purpose: the REST route, the CLI, the passport page, the urban-mine report and the
benchmark all call `IndicatorService.compute`, so every channel reports the same figures. The answer
says where each figure came from (the passport itself, a referenced product type, or reference data)
because auditors must be able to retrace it.

Summaries are materialised at first read, or right after each write when background summaries are on
(registry/indicators/background.py), and served from the store while exact (registry/indicators/stored.py):
a full computation of a large building costs seconds, a stored summary two lookups.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from pyoxigraph import NamedNode

from registry.concepts import ConceptScheme
from registry.errors import NotFound
from registry.indicators import mci
from registry.indicators.background import BackgroundSummaries
from registry.indicators.carbon import FACTORS_FILE, load_factors
from registry.indicators.data import GraphData, counts_in_total, graph_of, read_graph
from registry.indicators.guard import not_computable, require_finite
from registry.indicators.parts import PartMeasurer, container_carbon, part_list
from registry.indicators.result import Indicators, MaterialMass, PartResult
from registry.indicators.stored import Dependency, IndicatorSet, PassportState, StoredIndicators, computation_basis
from registry.indicators.tallies import (
    CarbonTally,
    CompletenessTally,
    DetachabilityTally,
    DgbcTally,
    MassTally,
    MciTally,
)
from registry.indicators.value import residual_value
from registry.namespaces import MPR
from registry.passports.naming import PassportNames, check_id
from registry.store.base import TripleStore
from registry.validation import Validator

__all__ = ["IndicatorService", "Indicators", "MaterialMass", "PartResult"]
# Part of every stored summary's computation basis: bump it with any change to what the computation
# yields or to the fields of Indicators, so summaries stored by older code are recomputed, not served.
METHOD_REVISION = 5


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
        self.background: BackgroundSummaries | None = None

    def summarise_after_writes(self) -> BackgroundSummaries:
        """Turn on background summaries; the answer's `after_write` is the passport service's on_change hook."""
        if self.background is None:
            self.background = BackgroundSummaries(self.refresh)
        return self.background

    def refresh(self, passport_id: str) -> None:
        """Store the summary of the current version unless it is stored already (the background worker's job;
        unlike compute it never waits for the worker, which would be waiting for itself)."""
        names = PassportNames(self.base, check_id(passport_id))
        state = self.stored.state(names, "emf", self.basis)
        if state.withdrawn or state.current is not None:
            return
        self._fresh(names, state, "emf", False)

    def close(self) -> None:
        if self.background is not None:
            self.background.close()

    def compute(self, passport_id: str, method: mci.Method = "emf", warnings: bool = True,
                parts: bool = False) -> Indicators:
        """The stored summary when it is still exact, else a fresh computation (stored for next time).

        Per-part figures are stored beside the summary and read only when asked for (`parts=True`)."""
        return self.compute_traced(passport_id, method, warnings, parts)[0]

    def compute_traced(self, passport_id: str, method: mci.Method = "emf", warnings: bool = True,
                       parts: bool = False) -> tuple[Indicators, list[Dependency], int | None]:
        """compute(), with the other passports' graphs the figures came from and their versions, read before
        their content (stored.py), and the passport's version they are of (None: no record), so a report can
        keep the figures while those versions hold."""
        names = PassportNames(self.base, check_id(passport_id))
        state = self.stored.state(names, method, self.basis)  # before any content is read
        if state.withdrawn:
            raise NotFound(f"no passport {passport_id!r} with content")
        if state.current is None and self.background is not None and self.background.wait_if_running(names.id):
            state = self.stored.state(names, method, self.basis)  # what the background just stored
        want_warnings = warnings and self.validator is not None
        stored_parts = self.stored.parts(names, method) if parts and state.current is not None else None
        if state.current is not None and (not parts or stored_parts is not None):
            result = Indicators.from_dict({**state.current.data, "parts": stored_parts or []})
            if want_warnings and not state.current.includes_warnings:
                result.completeness["shacl_warnings"] = self._warnings(names)
                self.stored.save(names, method, IndicatorSet(
                    state.current.version, self.basis, True, result.as_dict(with_restricted=True),
                    state.current.dependencies))
            elif not warnings:
                result.completeness["shacl_warnings"] = []
            return result, state.current.dependencies, state.current.version
        return self._fresh(names, state, method, want_warnings)

    def stored_with_parts(self, versions: Mapping[str, int], method: mci.Method = "emf"
                          ) -> dict[str, tuple[Indicators, list[Dependency]]]:
        """compute(id, method, warnings=False, parts=True) for every passport (id -> its current version, read
        from its record before this call) whose stored summary is exact, read in a few whole-store queries (a
        report over thousands of passports), with the product types' graphs it was computed from and their
        versions; the others are left out: compute() them."""
        names = {PassportNames(self.base, check_id(i)).iri: i for i in versions}
        found: dict[str, tuple[Indicators, list[Dependency]]] = {}
        exact = self.stored.exact_with_parts({iri: versions[i] for iri, i in names.items()}, method, self.basis)
        for iri, (summary, parts, dependencies) in exact.items():
            result = Indicators.from_dict({**summary, "parts": parts})
            result.completeness["shacl_warnings"] = []
            found[names[iri]] = (result, dependencies)
        return found

    def _fresh(self, names: PassportNames, state: PassportState, method: mci.Method, warnings: bool
               ) -> tuple[Indicators, list[Dependency], int | None]:
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
        full = result.as_dict(with_parts=True, with_restricted=True)
        require_finite(names.id, full)
        if state.version is not None:
            summary = {k: v for k, v in full.items() if k != "parts"}
            self.stored.save(names, method, IndicatorSet(
                state.version, self.basis, warnings, summary, dependencies,
                parts=cast("list[dict[str, Any]]", full["parts"])))
        return result, dependencies, state.version

    def _warnings(self, names: PassportNames) -> list[dict[str, object]]:
        if self.validator is None:
            return []
        report = self.validator.validate(self.store.triples(names.content_graph))
        return [{"focus_node": w.focus_node, "path": w.path, "message": w.message} for w in report.warnings]

    # --- the computation ----------------------------------------------------------------------

    def _indicators(self, names: PassportNames, data: GraphData, cache: dict[str, GraphData],
                    method: mci.Method, warnings: bool) -> Indicators:
        """Every part measured once, in order, and added to one tally per indicator family."""
        asset = data.first(names.iri, MPR + "describes")
        asset_iri = asset.value if isinstance(asset, NamedNode) else None
        parts = part_list(data)
        covered, declared = container_carbon(data, parts)
        measurer = PartMeasurer(self.store, data, cache, self.vocab, self.factors, method, covered,
                                data.first(asset_iri, MPR + "availableFrom") if asset_iri else None)
        mass, carbon, circularity = MassTally(), CarbonTally(), MciTally()
        detachability, completeness, dgbc = DetachabilityTally(), CompletenessTally(), DgbcTally()
        carbon.add_declared(declared)
        results: list[PartResult] = []
        for part in parts:
            measured = measurer.measure(part)
            for tally in (mass, carbon, circularity, detachability, completeness, dgbc):
                tally.add(measured)
            results.append(measured.result())
        total = mass.total
        return Indicators(
            passport=names.id,
            method=method,
            total_mass_kg=total,
            mass_by_material=mass.by_material(self.vocab),
            unknown_material_mass_kg=mass.unknown,
            unknown_material_share=mass.unknown / total if total > 0 else None,
            compositions_without_mass=mass.without_mass,
            mci=circularity.mci,
            mci_mass_kg=circularity.mass_kg,
            mci_assumptions=circularity.assumptions(),
            carbon_kg_co2e_by_module=dict(carbon.by_module),
            carbon_kg_co2e_by_origin=dict(carbon.by_origin),
            carbon_uncovered_mass_kg=carbon.uncovered,
            carbon_declared_for_asset=self._asset_carbon(data, asset_iri),
            carbon_reference_factors=carbon.reference_factors(),
            carbon_kg_co2e_by_basis=carbon.bases(),
            carbon_bases_mixed=sum(map(counts_in_total, carbon.by_basis)) > 1,  # headline sums of two editions added
            carbon_sources_by_basis=carbon.sources_by_basis(),
            detachable_mass_kg=detachability.detachable,
            detachable_share=detachability.detachable / total if total > 0 else None,
            detachability_index=detachability.index,
            reuse_potential_kg_by_year=detachability.reuse_by_year(),
            detachability_dgbc=dgbc.summary(self.vocab),
            completeness=completeness.summary(self._warnings(names) if warnings else []),
            mass_by_storey=dict(mass.by_storey),
            mass_kg_by_year_and_material=mass.by_year_and_material(),
            mass_kg_by_source=dict(mass.by_source),
            product_types=[{"iri": t.iri, "found": t.found, "compositions": len(t.compositions),
                            "carbon_values": len(t.carbon)} for t in measurer.types.values()],
            parts=results,
            residual_value=residual_value(self.store, names.iri, {p.iri: p.mass_kg for p in results}).as_dict(),
        )

    @staticmethod
    def _asset_carbon(data: GraphData, asset_iri: str | None) -> dict[str, float]:
        """Carbon the passport declares for its asset as a whole, reported as stated."""
        out: dict[str, float] = {}
        for v in data.carbon.get(asset_iri, []) if asset_iri else []:
            out[v.module] = out.get(v.module, 0.0) + v.kg
        return out
