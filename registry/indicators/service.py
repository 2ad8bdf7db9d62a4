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

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from pyoxigraph import NamedNode

from registry.concepts import ConceptScheme
from registry.errors import NotFound, StoreUnavailable
from registry.indicators import mci
from registry.indicators.background import BackgroundSummaries
from registry.indicators.carbon import FACTORS_FILE, REFERENCE, load_factors
from registry.indicators.data import GraphData, counts_in_total, graph_of, read_graph
from registry.indicators.factorsets import FactorSet
from registry.indicators.guard import not_computable, require_finite
from registry.indicators.lease import CatchUpLease
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
from registry.regions.boundaries import MUNICIPALITIES_FILE, PROVINCES_FILE
from registry.store.base import TripleStore
from registry.validation import Validator

log = logging.getLogger(__name__)
__all__ = ["IndicatorService", "Indicators", "MaterialMass", "PartResult"]
# Part of every stored summary's computation basis: bump it with any change to what the computation
# yields or to the fields of Indicators, so summaries stored by older code are recomputed, not served.
METHOD_REVISION = 7


class IndicatorService:
    def __init__(self, store: TripleStore, base: str, concepts: ConceptScheme,
                 validator: Validator | None = None, factors_file: Path | None = None) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.vocab = concepts
        factors_file = factors_file or FACTORS_FILE
        self.factors = load_factors(factors_file)
        self.validator = validator
        self.stored = StoredIndicators(store, self.base)
        # The concepts' files are the whole ontology, which is also what the validator mixes into the data.
        # The region boundaries place the passport in a stored baseline entry (`describe`).
        inputs = [*concepts.sources, factors_file, MUNICIPALITIES_FILE, PROVINCES_FILE]
        if validator is not None:  # the warnings depend on the shapes too
            inputs += sorted(p for p in validator.shapes_dir.rglob("*") if p.is_file())
        self.basis = computation_basis(inputs, f"method revision {METHOD_REVISION}",
                                       f"validator {validator is not None}")
        self.background: BackgroundSummaries | None = None
        self.lease = CatchUpLease(store, self.base)
        # What a report stores with each summary it may later read in bulk (the organisation baseline's entry
        # of the passport, registry/reports/service.py sets it): passport IRI and its indicators with parts ->
        # JSON. Called when a summary is stored, in the same computation (at write time with background summaries).
        self.describe: Callable[[str, Indicators], dict[str, Any]] | None = None

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
        assert self.background is not None
        self._fresh(names, state, "emf", False, watch=self.background.watch(names.id))

    def catch_up(self, active: Callable[[], Mapping[str, int]]) -> None:
        """With background summaries on, queue the active passports (IRI -> current version: `active`) whose stored
        summary is not exact now: written before summaries were stored at write time, or under an older method
        or other reference data (`basis`). The search runs in the worker, not in the caller (a server starting),
        and in one of the processes sharing the store only: the one that takes the lease (registry/indicators/
        lease.py)."""
        if self.background is None:
            return

        def stale() -> list[str]:
            return self.stale(active()) if self.lease.take(self.basis) else []
        self.background.catch_up(stale, then=self.lease.release)

    def stale(self, versions: Mapping[str, int]) -> list[str]:
        """Ids of these passports (IRI -> current version) without an exact stored summary and baseline entry."""
        exact = self.stored.exact_entries(versions, "emf", self.basis)
        return [iri.rsplit("/", 1)[-1] for iri in sorted(versions) if iri not in exact]

    def content_changed_in_place(self) -> None:
        """A raw SPARQL update changed stored content without new versions: no stored summary is exact now."""
        self.stored.new_epoch()

    def close(self) -> None:
        if self.background is not None:
            self.background.close()
            try:
                self.lease.release()  # a catch-up cut short: the next process to start takes it up
            except StoreUnavailable:
                log.info("catch-up lease not given back (store unavailable); it expires on its own")

    def compute(self, passport_id: str, method: mci.Method = "emf", warnings: bool = True,
                parts: bool = False, factors: FactorSet | None = None) -> Indicators:
        """The stored summary when it is still exact, else a fresh computation (stored for next time).

        Per-part figures are stored beside the summary and read only when asked for (`parts=True`); without
        it the answer has none, so it does not depend on whether the background worker was first.
        With an organisation's factor set (`factors`) the figures are computed afresh and not stored: summaries
        hold the reference set's figures only, and a restricted set's must not be served to others."""
        return self.compute_traced(passport_id, method, warnings, parts, factors)[0]

    def compute_traced(self, passport_id: str, method: mci.Method = "emf", warnings: bool = True,
                       parts: bool = False, factors: FactorSet | None = None, claimed: bool = False
                       ) -> tuple[Indicators, list[Dependency], int | None]:
        """compute(), with the other passports' graphs the figures came from and their versions, read before
        their content (stored.py), and the passport's version they are of (None: no record), so a report can
        keep the figures while those versions hold. `claimed`: this thread holds the passport's turn."""
        names = PassportNames(self.base, check_id(passport_id))
        state = self.stored.state(names, method, self.basis)  # before any content is read
        if state.withdrawn:
            raise NotFound(f"no passport {passport_id!r} with content")
        if factors is not None:
            return self._fresh(names, state, method, warnings and self.validator is not None, factors=factors)
        if state.current is None and self.background is not None and not claimed:
            return self._computed_once(names, method, warnings, parts)
        want_warnings = warnings and self.validator is not None
        stored_parts = self.stored.parts(names, method) if parts and state.current is not None else None
        if state.current is not None and (not parts or stored_parts is not None):
            result = Indicators.from_dict({**state.current.data, "parts": stored_parts or []})
            if want_warnings and not state.current.includes_warnings:
                result.completeness["shacl_warnings"] = self._warnings(names)
                self.stored.save(names, method, IndicatorSet(
                    state.current.version, state.current.basis, True, result.as_dict(with_restricted=True),
                    state.current.dependencies))
            elif not warnings:
                result.completeness["shacl_warnings"] = []
            return result, state.current.dependencies, state.current.version
        result, dependencies, version = self._fresh(names, state, method, want_warnings)
        if not parts:  # the same answer whether it was stored before this read or computed by it
            result.parts = []
        return result, dependencies, version

    def pending(self, passport_id: str, method: mci.Method = "emf") -> dict[str, int | None] | None:
        """How far a running computation of this passport has got, when a read would have to wait for it;
        None when a read would not wait (its summary is stored, or nothing computes it now)."""
        if self.background is None:
            return None
        names = PassportNames(self.base, check_id(passport_id))
        progress = self.background.progress(names.id)
        if progress is None or self.stored.state(names, method, self.basis).current is not None:
            return None
        return progress

    def _computed_once(self, names: PassportNames, method: mci.Method, warnings: bool, parts: bool
                       ) -> tuple[Indicators, list[Dependency], int | None]:
        """compute() when no exact summary was stored: at most one computation of a passport at a time in this
        process (the background worker's or a reader's); the others wait for it and read what it stored."""
        assert self.background is not None
        while (running := self.background.claim(names.id)) is not None:
            running.wait()  # then our turn: compute() serves what it stored, or computes if it failed
        try:
            return self.compute_traced(names.id, method, warnings, parts, claimed=True)
        finally:
            self.background.release(names.id)

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

    def stored_entries(self, versions: Mapping[str, int], method: mci.Method = "emf"
                       ) -> dict[str, tuple[dict[str, Any], list[Dependency]]]:
        """Passport id -> (what `describe` stored with its exact summary, the product types' graphs it was computed
        from and their versions), for the passports (id -> current version, read from the records before this
        call) that have one; the others are left out: stored_with_parts() or compute() them."""
        names = {PassportNames(self.base, check_id(i)).iri: i for i in versions}
        exact = self.stored.exact_entries({iri: versions[i] for iri, i in names.items()}, method, self.basis)
        return {names[iri]: found for iri, found in exact.items()}

    def _fresh(self, names: PassportNames, state: PassportState, method: mci.Method, warnings: bool,
               factors: FactorSet | None = None, watch: Callable[[int, int], None] | None = None
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
            result = self._indicators(names, data, cache, method, warnings, factors, watch)
        except ValueError as exc:  # a formula's precondition (mci.py) that the shapes guard, broken in storage
            raise not_computable(names.id, str(exc)) from exc
        full = result.as_dict(with_parts=True, with_restricted=True)
        require_finite(names.id, full)
        if state.version is not None and factors is None and self._still_at(names, state.version):
            summary = {k: v for k, v in full.items() if k != "parts"}
            entry = self.describe(names.iri, result) if self.describe is not None else None
            self.stored.save(names, method, IndicatorSet(
                state.version, state.basis, warnings, summary, dependencies,
                parts=cast("list[dict[str, Any]]", full["parts"]), entry=entry))
        return result, dependencies, state.version

    def _still_at(self, names: PassportNames, version: int) -> bool:
        """Whether the content just read was that of `version`: only if the record still says so after reading it
        (versions only grow). A write landing between state() and the read would otherwise store the newer
        content's figures as the older version's, and its baseline entry is kept for good (`?at=` reads it)."""
        return [d.version for d in self.stored.versions([names.iri])] == [version]

    def _warnings(self, names: PassportNames) -> list[dict[str, object]]:
        if self.validator is None:
            return []
        report = self.validator.validate(self.store.triples(names.content_graph))
        return [{"focus_node": w.focus_node, "path": w.path, "message": w.message} for w in report.warnings]

    # --- the computation ----------------------------------------------------------------------

    def _indicators(self, names: PassportNames, data: GraphData, cache: dict[str, GraphData],
                    method: mci.Method, warnings: bool, factors: FactorSet | None = None,
                    watch: Callable[[int, int], None] | None = None) -> Indicators:
        """Every part measured once, in order, and added to one tally per indicator family; `watch` (the
        background worker's) hears of each part before it is measured, and may end the computation."""
        asset = data.first(names.iri, MPR + "describes")
        asset_iri = asset.value if isinstance(asset, NamedNode) else None
        parts = part_list(data)
        covered, declared = container_carbon(data, parts)
        measurer = PartMeasurer(self.store, data, cache, self.vocab,
                                factors.factors if factors else self.factors, method, covered,
                                data.first(asset_iri, MPR + "availableFrom") if asset_iri else None)
        mass, carbon, circularity = MassTally(), CarbonTally(), MciTally()
        detachability, completeness, dgbc = DetachabilityTally(), CompletenessTally(), DgbcTally()
        carbon.add_declared(declared)
        results: list[PartResult] = []
        for done, part in enumerate(parts):
            if watch is not None:
                watch(done, len(parts))
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
            carbon_not_computable=carbon.not_computable,
            carbon_factor_set=(factors.ref if factors else REFERENCE).as_dict(),
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
