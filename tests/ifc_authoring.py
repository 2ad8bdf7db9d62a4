"""Authoring IFC models with ifcopenshell.api, for tests and the import benchmark.

The public samples lack what builders' models often have (multi-layer walls with quantity sets, passport property
sets, many elements); these models supply it in both schemas the importer reads. It lives with the tests, not in
the package: for IFC2X3 it replaces ifcopenshell.api.owner.settings' user and application hooks process-wide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.classification
import ifcopenshell.api.context
import ifcopenshell.api.geometry
import ifcopenshell.api.material
import ifcopenshell.api.owner.settings
import ifcopenshell.api.project
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.unit

#: (material name, thickness in mm): a Dutch cavity wall, 400 mm in all.
CAVITY_WALL: tuple[tuple[str, float], ...] = (
    ("Baksteen", 100.0), ("Steenwol", 100.0), ("Kalkzandsteen", 200.0),
)


def new_model(schema: str = "IFC4", length_unit: str = "MILLIMETRE") -> tuple[ifcopenshell.file, Any, Any]:
    """A project with site, building and one storey; returns (model, storey, body context)."""
    model = ifcopenshell.api.project.create_file(version=schema)  # type: ignore[arg-type]
    if schema == "IFC2X3":  # IFC2X3 requires an owner history on every rooted entity
        organisation = model.createIfcOrganization(None, "Material Passport Registry")
        model.createIfcPersonAndOrganization(model.createIfcPerson(), organisation)
        model.createIfcApplication(organisation, "0.1", "mpr test models", "mpr")
        ifcopenshell.api.owner.settings.get_user = lambda f: (f.by_type("IfcPersonAndOrganization") or [None])[0]
        ifcopenshell.api.owner.settings.get_application = lambda f: (f.by_type("IfcApplication") or [None])[0]
    project = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject", name="Authored test model")
    prefix = "MILLI" if length_unit == "MILLIMETRE" else None
    length = model.createIfcSIUnit(None, "LENGTHUNIT", prefix, "METRE")
    if length_unit == "FOOT":
        base = model.createIfcSIUnit(None, "LENGTHUNIT", None, "METRE")
        exponents = model.createIfcDimensionalExponents(1, 0, 0, 0, 0, 0, 0)
        factor = model.createIfcMeasureWithUnit(model.createIfcLengthMeasure(0.3048), base)
        length = model.createIfcConversionBasedUnit(exponents, "LENGTHUNIT", "FOOT", factor)
    volume = model.createIfcSIUnit(None, "VOLUMEUNIT", None, "CUBIC_METRE")
    mass = model.createIfcSIUnit(None, "MASSUNIT", "KILO", "GRAM")
    ifcopenshell.api.unit.assign_unit(model, units=[length, volume, mass])
    context = ifcopenshell.api.context.add_context(model, context_type="Model")
    body = ifcopenshell.api.context.add_context(
        model, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW", parent=context)
    site = ifcopenshell.api.root.create_entity(model, ifc_class="IfcSite", name="Site")
    building = ifcopenshell.api.root.create_entity(model, ifc_class="IfcBuilding", name="Test building")
    storey = ifcopenshell.api.root.create_entity(model, ifc_class="IfcBuildingStorey", name="Ground floor")
    ifcopenshell.api.aggregate.assign_object(model, products=[site], relating_object=project)
    ifcopenshell.api.aggregate.assign_object(model, products=[building], relating_object=site)
    ifcopenshell.api.aggregate.assign_object(model, products=[storey], relating_object=building)
    return model, storey, body


def layer_set(model: ifcopenshell.file, layers: Sequence[tuple[str, float]] = CAVITY_WALL) -> Any:
    material_set = ifcopenshell.api.material.add_material_set(model, name="Cavity wall", set_type="IfcMaterialLayerSet")
    for name, thickness in layers:
        material = ifcopenshell.api.material.add_material(model, name=name)
        layer = ifcopenshell.api.material.add_layer(model, layer_set=material_set, material=material)
        ifcopenshell.api.material.edit_layer(model, layer=layer, attributes={"LayerThickness": thickness})
    return material_set


def add_wall(
    model: ifcopenshell.file, storey: Any, materials: Any, name: str = "Wall",
    net_volume_m3: float | None = None, mass_kg: float | None = None,
    geometry: tuple[Any, float, float, float] | None = None, passport: dict[str, Any] | None = None,
) -> Any:
    """A wall in `storey` with `materials`; quantities, a box body (context, length, height, thickness in
    metres; ifcopenshell.api writes them in the file's units) and an MPR_Passport property set only when given."""
    wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall", name=name)
    ifcopenshell.api.spatial.assign_container(model, products=[wall], relating_structure=storey)
    ifcopenshell.api.material.assign_material(model, products=[wall], type="IfcMaterialLayerSet", material=materials)
    quantities: dict[str, float] = {}
    if net_volume_m3 is not None:
        quantities["NetVolume"] = net_volume_m3
    if mass_kg is not None:
        quantities["NetWeight"] = mass_kg
    if quantities:
        qto = ifcopenshell.api.pset.add_qto(model, product=wall, name="Qto_WallBaseQuantities")
        ifcopenshell.api.pset.edit_qto(model, qto=qto, properties=quantities)
    if geometry is not None:
        context, length, height, thickness = geometry
        body = ifcopenshell.api.geometry.add_wall_representation(
            model, context=context, length=length, height=height, thickness=thickness)
        ifcopenshell.api.geometry.assign_representation(model, product=wall, representation=body)
    if passport:
        pset = ifcopenshell.api.pset.add_pset(model, product=wall, name="MPR_Passport")
        ifcopenshell.api.pset.edit_pset(model, pset=pset, properties=passport)
    return wall


def to_bytes(model: ifcopenshell.file) -> bytes:
    return model.to_string().encode("utf-8")


def add_element(
    model: ifcopenshell.file, container: Any, ifc_class: str, name: str, material: str | None,
    net_volume_m3: float | None = None, common: dict[str, Any] | None = None,
    classification: tuple[str, str, str] | None = None,
) -> Any:
    """An element of any class with one IfcMaterial, a NetVolume, Pset_*Common values and a classification
    reference (system, code, name), each only when given; `container` is a storey or an assembly."""
    element = ifcopenshell.api.root.create_entity(model, ifc_class=ifc_class, name=name)
    if container.is_a("IfcSpatialStructureElement"):
        ifcopenshell.api.spatial.assign_container(model, products=[element], relating_structure=container)
    else:
        ifcopenshell.api.aggregate.assign_object(model, products=[element], relating_object=container)
    if material is not None:
        ifcopenshell.api.material.assign_material(
            model, products=[element], material=ifcopenshell.api.material.add_material(model, name=material))
    if net_volume_m3 is not None:
        qto = ifcopenshell.api.pset.add_qto(model, product=element, name="BaseQuantities")
        ifcopenshell.api.pset.edit_qto(model, qto=qto, properties={"NetVolume": net_volume_m3})
    if common:
        name = f"Pset_{ifc_class.removeprefix('Ifc')}Common"
        pset = ifcopenshell.api.pset.add_pset(model, product=element, name=name)
        ifcopenshell.api.pset.edit_pset(model, pset=pset, properties=common)
    if classification is not None:
        system, code, label = classification
        scheme = next((c for c in model.by_type("IfcClassification") if c.Name == system), None)
        scheme = scheme or ifcopenshell.api.classification.add_classification(model, classification=system)
        ifcopenshell.api.classification.add_reference(
            model, products=[element], classification=scheme, identification=code, name=label)
    return element


def add_constituents(model: ifcopenshell.file, element: Any, names: Sequence[str]) -> None:
    """An IfcMaterialConstituentSet without fractions (as Revit writes windows)."""
    constituent_set = ifcopenshell.api.material.add_material_set(
        model, name="Set", set_type="IfcMaterialConstituentSet")
    for name in names:
        ifcopenshell.api.material.add_constituent(
            model, constituent_set=constituent_set, material=ifcopenshell.api.material.add_material(model, name=name))
    ifcopenshell.api.material.assign_material(model, products=[element], type="IfcMaterialConstituentSet",
                                              material=constituent_set)
