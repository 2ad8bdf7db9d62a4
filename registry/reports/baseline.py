"""An organisation's baseline (nulmeting): what the passports it owns hold, and progress toward 2030.

Figures, each summed from the per-passport indicators (IndicatorService), so they agree with every
passport's own page, and each listed per passport and version in `passports` so an auditor can
retrace it:

- mass by material (as stated, not rolled up) and by Brand shearing layer (`mpr:shearingLayer` of the
  part, "unassigned" where a part has none);
- primary (virgin) input by mass: for every part and material, mass x (1 - recycled - reused -
  renewable content), the fractions being the mass-weighted means over that material's compositions
  in the graph that gave the part its composition (the passport, or its product type). This is the
  virgin-feedstock term V of the Ellen MacArthur Foundation's Material Circularity Indicator
  (Methodology, 2019, section 2.2.1: V = M (1 - F_R - F_U - F_S)). Mass whose fractions are not stated
  counts as primary, and is reported apart (`primary_unstated_kg`);
- MCI of the collection: the passports' MCIs weighted by the mass they were computed over (EMF
  Methodology 2019, section 2.4, company-level MCI as a mass-weighted average of product MCIs);
- embodied carbon by EN 15804 module, summed; the total covers modules A to C, D is reported apart;
- mass becoming available per year.

Progress toward the Dutch government-wide programme "Nederland circulair in 2050" goal of 50 % less
primary raw materials by 2030 (Rijksbreed programma Circulaire Economie, 2016) compares primary input
mass at the baseline moment with that of a later moment: reduction = 1 - primary_later / primary_base,
and share of the target = reduction / 0.5.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from pyoxigraph import Literal

from registry.errors import NotComputable, NotFound
from registry.indicators.data import graph_of
from registry.indicators.service import Indicators
from registry.indicators.stored import Dependency
from registry.namespaces import sparql_prefixes
from registry.regions.placing import Place
from registry.reports.past import Tally, stored_entry
from registry.reports.scope import NO_PLACE, PLACES, Scope, bound_rows, places_of
from registry.store.base import Row, Term, TripleStore

P = sparql_prefixes()
UNASSIGNED = "unassigned"
TARGET_REDUCTION = 0.5
TARGET_YEAR = 2030
LAYERS = P + "SELECT ?g ?part ?layer WHERE {{ {among} GRAPH ?g {{ ?part mpr:shearingLayer ?layer }} }}"
# Input fractions of every composition: summed per graph and material, weighted by stated mass in kg.
FRACTIONS = P + """SELECT ?g ?m ?kg ?r ?u ?n WHERE {{ {among} GRAPH ?g {{
  ?c mpr:material ?m . ?part mpr:composedOf ?c .
  OPTIONAL {{ ?c mpr:mass [ qudt:numericValue ?kg ; qudt:unit unit:KiloGM ] }}
  OPTIONAL {{ ?c mpr:recycledContent ?r }} OPTIONAL {{ ?c mpr:reusedContent ?u }}
  OPTIONAL {{ ?c mpr:renewableContent ?n }}
}} }}"""


@dataclass
class Figures:
    """The baseline figures at one moment."""

    at: str | None
    passports: list[dict[str, object]] = field(default_factory=list)  # id, version and its own figures
    total_mass_kg: float = 0.0
    mass_by_material: dict[str, float] = field(default_factory=dict)
    mass_by_layer: dict[str, float] = field(default_factory=dict)
    primary_kg: float = 0.0
    primary_unstated_kg: float = 0.0
    primary_share: float | None = None
    mci: float | None = None
    mci_mass_kg: float = 0.0
    carbon_kg_co2e_by_module: dict[str, float] = field(default_factory=dict)
    carbon_kg_co2e: float = 0.0  # modules A to C; D lies beyond the system boundary (EN 15804+A2, 6.3.5)
    carbon_kg_co2e_module_d: float = 0.0
    available_kg_by_year: dict[str, float] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class Baseline:
    organisation: str
    figures: Figures  # at the baseline moment
    current: Figures | None = None  # now, when the baseline is of an earlier moment
    progress: dict[str, object] | None = None

    def as_dict(self) -> dict[str, object]:
        return {"organisation": self.organisation, "baseline": self.figures.as_dict(),
                "current": self.current.as_dict() if self.current else None, "progress": self.progress}

    def csv(self) -> str:
        """One row per passport, version, material and layer: the figures' trace."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["moment", "passport", "version", "municipality", "province", "layer", "material",
                         "mass_kg", "primary_kg"])
        for label, figures in (("baseline", self.figures), ("current", self.current)):
            if figures is None:
                continue
            for entry in figures.passports:
                for row in entry["rows"]:  # type: ignore[attr-defined]
                    writer.writerow([f"{label} {figures.at or 'now'}", entry["passport"], entry["version"],
                                     entry["municipality"], entry["province"], *row])
        return out.getvalue()


def progress(base: Figures, later: Figures) -> dict[str, object]:
    reduction = 1 - later.primary_kg / base.primary_kg if base.primary_kg > 0 else None
    return {"target": f"{TARGET_REDUCTION:.0%} less primary raw materials by {TARGET_YEAR}",
            "primary_kg_baseline": base.primary_kg, "primary_kg_current": later.primary_kg,
            "reduction": reduction, "share_of_target": reduction / TARGET_REDUCTION if reduction is not None else None}


def figures(scope: Scope) -> Figures:
    """Each passport's entry, from the figures kept by earlier requests (reports/past.py), else the entry stored
    with its exact summary (`describe`, at write time), else its stored summary or a fresh computation with the
    layers, fractions and places read for all of those at once."""
    out = Figures(at=scope.at)
    tallies: dict[str, Tally] = {}
    entries = {iri: known.entry for iri, known in scope.known.items()}
    tallies.update((iri, known.tally) for iri, known in scope.known.items())
    unknown = {iri.rsplit("/", 1)[-1]: v for iri, v in scope.versions.items() if iri not in entries}
    # A snapshot store (`?at=`) holds content only: no records, so no stored summaries.
    described = {} if scope.selection.every_graph else scope.indicators.stored_entries(unknown)
    for iri in sorted(scope.versions):
        if (found := _described(scope, iri, described)) is not None:
            tallies[iri], entries[iri] = found
            scope.remember(iri, *found)
    rest = {i: v for i, v in unknown.items() if i not in described}
    stored = {} if scope.selection.every_graph or not rest else scope.indicators.stored_with_parts(rest)
    computed: dict[str, Indicators] = {}
    for iri in sorted(scope.versions):
        passport_id = iri.rsplit("/", 1)[-1]
        if iri in entries:
            continue
        try:
            computed[iri] = _stored(scope, iri, stored) or _computed(scope, iri)
        except NotComputable as exc:
            out.left_out[passport_id] = str(exc.extra.get("reason", exc.message))
        except NotFound as exc:  # withdrawn after the scope was listed: counted at the next call
            out.left_out[passport_id] = exc.message
    layers = _layers(scope, computed)
    types = {graph_of(p.product_type) for r in computed.values() for p in r.parts if p.product_type}
    fractions = _fractions(scope, set(computed) | types)
    for iri, result in computed.items():
        entries[iri] = _entry(iri, scope.versions[iri], scope.place_of(iri), result, layers, fractions)
        tallies[iri] = Tally.of(result)
        scope.remember(iri, tallies[iri], entries[iri])
    order = [iri for iri in sorted(scope.versions) if iri in tallies]
    out.passports = [entries[iri] for iri in order]
    _sum(out, [tallies[iri] for iri in order])
    return out


def describe(store: TripleStore, iri: str, result: Indicators) -> dict[str, Any]:
    """A passport's baseline entry and tally, stored with its indicator summary (IndicatorService.describe) so a
    baseline reads them instead of the layers, fractions and places of every passport. The same code as a
    baseline's own (`_entry`), from the same graphs: the passport's, for its layers and place, and its product
    types', which the summary's dependencies cover (a summary is served only while they hold)."""
    types = {graph_of(p.product_type) for p in result.parts if p.product_type}
    layers = {row["part"].value: row["layer"].value for row in bound_rows(store, LAYERS, [iri])}
    where = places_of(bound_rows(store, PLACES, [iri])).get(iri, NO_PLACE)
    entry = _entry(iri, 0, where, result, layers, _fractions_of(bound_rows(store, FRACTIONS, {iri} | types)))
    return {"entry": {k: v for k, v in entry.items() if k not in ("passport", "version")},
            "tally": asdict(Tally.of(result))}


def _described(scope: Scope, iri: str, described: dict[str, tuple[dict[str, Any], list[Dependency]]]
               ) -> tuple[Tally, dict[str, object]] | None:
    """The stored entry of `describe`, its product types noted so it can be kept (Scope.remember)."""
    found = described.get(iri.rsplit("/", 1)[-1])
    if found is None:
        return None
    stored, dependencies = found
    _note(scope, iri, dependencies)
    return stored_entry(iri, scope.versions[iri], stored)


def _stored(scope: Scope, iri: str, stored: dict[str, tuple[Indicators, list[Dependency]]]) -> Indicators | None:
    """The stored summary, its product types noted so the figures can be kept (Scope.remember)."""
    found = stored.get(iri.rsplit("/", 1)[-1])
    if found is None:
        return None
    _note(scope, iri, found[1])
    return found[0]


def _computed(scope: Scope, iri: str) -> Indicators:
    """A fresh computation; now, its product types noted as for a stored summary, so its figures can be kept
    when they are of the version listed (a write in between: not kept). A snapshot (`?at=`) notes them itself."""
    result, dependencies, version = scope.indicators.compute_traced(iri.rsplit("/", 1)[-1], warnings=False,
                                                                    parts=True)
    if not scope.selection.every_graph and version == scope.versions[iri]:
        _note(scope, iri, dependencies)
    return result


def _note(scope: Scope, iri: str, dependencies: list[Dependency]) -> None:
    """Note the product types (and their versions) a passport's figures came from, so they can be kept
    (Scope.remember); not when a type was at another version, or absent, for a passport noted before in this
    report (it changed in between): `then` holds one version per type."""
    versions = {d.graph: d.version if isinstance(d.version, int) else None for d in dependencies}  # absent: None
    if any(scope.noted.get(graph, version) != version for graph, version in versions.items()):
        return
    scope.noted.update(versions)
    scope.types[iri] = set(versions)
    scope.then.update((graph, version) for graph, version in versions.items() if version is not None)


def _sum(out: Figures, tallies: list[Tally]) -> None:
    sums: dict[str, dict[str, float]] = {k: defaultdict(float) for k in ("material", "layer", "carbon", "year")}
    mci_weighted = 0.0
    for entry in out.passports:
        for layer, material, kg, _primary in entry["rows"]:  # type: ignore[attr-defined]
            sums["material"][material] += kg
            sums["layer"][layer] += kg
        out.primary_kg += float(entry["primary_kg"])  # type: ignore[arg-type]
        out.primary_unstated_kg += float(entry["primary_unstated_kg"])  # type: ignore[arg-type]
    for result in tallies:
        out.total_mass_kg += result.total_mass_kg
        if result.mci is not None and result.mci_mass_kg > 0:
            mci_weighted += result.mci * result.mci_mass_kg
            out.mci_mass_kg += result.mci_mass_kg
        for module, kg in result.carbon_kg_co2e_by_module.items():
            sums["carbon"][module] += kg
        for year, kg in result.available_kg_by_year.items():
            sums["year"][year] += kg
    out.mass_by_material = dict(sorted(sums["material"].items(), key=lambda kv: -kv[1]))
    out.mass_by_layer = dict(sorted(sums["layer"].items()))
    out.carbon_kg_co2e_by_module = dict(sorted(sums["carbon"].items()))
    out.carbon_kg_co2e = sum(kg for module, kg in out.carbon_kg_co2e_by_module.items() if module != "D")
    out.carbon_kg_co2e_module_d = out.carbon_kg_co2e_by_module.get("D", 0.0)
    out.available_kg_by_year = dict(sorted(sums["year"].items()))
    out.primary_share = out.primary_kg / out.total_mass_kg if out.total_mass_kg > 0 else None
    out.mci = mci_weighted / out.mci_mass_kg if out.mci_mass_kg > 0 else None


Fractions = dict[tuple[str, str], tuple[float, bool]]  # (graph, material) -> (non-virgin share, all stated)


def _entry(iri: str, version: int, where: Place, result: Indicators, layers: dict[str, str],
           fractions: Fractions) -> dict[str, object]:
    rows: list[tuple[str, str, float, float]] = []
    primary = unstated = 0.0
    for part in result.parts:
        source = graph_of(part.product_type) if part.composition_source == "product type" and part.product_type \
            else iri
        for material, kg in part.mass_by_material.items():
            recovered, stated = fractions.get((source, material), (0.0, False))
            virgin = kg * (1 - recovered)
            primary += virgin
            unstated += 0.0 if stated else kg
            rows.append((layers.get(part.iri, UNASSIGNED), material, kg, virgin))
    return {"passport": iri.rsplit("/", 1)[-1], "version": version, "municipality": where.municipality,
            "province": where.province, "mass_kg": result.total_mass_kg, "primary_kg": primary,
            "primary_unstated_kg": unstated, "mci": result.mci, "mci_mass_kg": result.mci_mass_kg,
            "carbon_kg_co2e": sum(kg for m, kg in result.carbon_kg_co2e_by_module.items() if m != "D"),
            "rows": rows}


def _layers(scope: Scope, graphs: Iterable[str]) -> dict[str, str]:
    return {row["part"].value: row["layer"].value for row in scope.rows(LAYERS, graphs)}


def _number(term: Term | None) -> float | None:
    try:
        return float(term.value) if isinstance(term, Literal) else None
    except ValueError:
        return None


def _fractions(scope: Scope, graphs: Iterable[str]) -> Fractions:
    return _fractions_of(scope.rows(FRACTIONS, graphs))


def _fractions_of(rows: Iterable[Row]) -> Fractions:
    """Mass-weighted mean of recycled + reused + renewable content per graph and material (unweighted
    where no composition states its mass in kg), from rows of FRACTIONS."""
    weight: dict[tuple[str, str], float] = defaultdict(float)
    recovered: dict[tuple[str, str], float] = defaultdict(float)
    stated: dict[tuple[str, str], bool] = {}
    for row in rows:
        key = (row["g"].value, row["m"].value)
        kg = _number(row.get("kg"))
        kg = 1.0 if kg is None else kg
        share = sum(_number(row.get(v)) or 0.0 for v in ("r", "u", "n"))
        weight[key] += kg
        recovered[key] += kg * min(share, 1.0)
        stated[key] = stated.get(key, True) and any(v in row for v in ("r", "u", "n"))
    return {key: (recovered[key] / weight[key] if weight[key] > 0 else 0.0, stated[key]) for key in weight}
