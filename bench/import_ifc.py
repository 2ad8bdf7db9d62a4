"""IFC import speed, memory and mapped share: the registry's importer against ifcopenshell's own open + iteration.

    python bench/import_ifc.py --sizes 1000 10000 50000 --geometry-sizes 1000 10000 --real

`--real` adds the public models of tests/data/ifc (plain and gzip-compressed) and prints, per model, the share of
the volume with a readable material name that got a concept and a mass (the issue's target: >= 90 %), and every
distinct name with the concept, method and score it got, so the absence of wrong matches can be checked by hand.
`--real NAME ...` takes only the models named (file names in tests/data/ifc), for a quick run.

Models are authored with ifcopenshell.api (tests/ifc_authoring.py): N cavity walls (3 layers) in one storey.
"qto" models give every wall a Qto_WallBaseQuantities NetVolume (the importer skips the geometry engine);
"geometry" models give every wall a box body and no quantities (the importer computes every volume).
Each measurement runs in a fresh process so that peak RSS (ru_maxrss, which includes ifcopenshell's C++ heap)
belongs to that step alone. The baseline opens the file and reads each element's name, material and quantity
sets, which is the least any importer must do. Conversion only: SHACL validation and storage are measured by
bench/ingest.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(size: int, kind: str, path: Path) -> None:
    import ifcopenshell.api.geometry
    import ifcopenshell.api.material
    import ifcopenshell.api.pset
    import ifcopenshell.api.root
    import ifcopenshell.api.spatial

    from tests import ifc_authoring as authoring

    model, storey, body = authoring.new_model("IFC4")
    layers = authoring.layer_set(model)
    walls = [ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall", name=f"W{i}") for i in range(size)]
    ifcopenshell.api.spatial.assign_container(model, products=walls, relating_structure=storey)
    ifcopenshell.api.material.assign_material(model, products=walls, type="IfcMaterialLayerSet", material=layers)
    for wall in walls:
        if kind == "qto":
            qto = ifcopenshell.api.pset.add_qto(model, product=wall, name="Qto_WallBaseQuantities")
            ifcopenshell.api.pset.edit_qto(model, qto=qto, properties={"NetVolume": 6.0})
        else:
            rep = ifcopenshell.api.geometry.add_wall_representation(
                model, context=body, length=5.0, height=3.0, thickness=0.4)
            ifcopenshell.api.geometry.assign_representation(model, product=wall, representation=rep)
    model.write(str(path))


def step(mode: str, path: Path) -> dict[str, float]:
    """One measurement in this process: 'baseline' or 'import'. Module imports and loading the materials
    scheme (once per server) happen before the clock starts."""
    import ifcopenshell
    import ifcopenshell.util.element

    from registry.concepts import ConceptScheme
    from registry.importers.ifc import IfcImporter

    importer = IfcImporter(ConceptScheme.load(ROOT / "ontology"), "http://bench")
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    start = time.perf_counter()
    share: float | None = None
    if mode == "baseline":
        model = ifcopenshell.file.from_string(data.decode("latin-1"))
        elements = model.by_type("IfcElement")
        for element in elements:
            _ = element.Name, ifcopenshell.util.element.get_material(element, should_skip_usage=True)
            ifcopenshell.util.element.get_psets(element, qtos_only=True)
        count = len(elements)
    else:
        result = importer.import_bytes(data, path.name)
        count = result.report.elements
        share = result.report.mapped_share()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "elements": count, "peak_rss_mb": peak, "share": share}


def names(path: Path) -> list[str]:
    """Every distinct material name of a model with what it became: the record for the hand check."""
    from registry.concepts import ConceptScheme
    from registry.importers.ifc import IfcImporter

    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    report = IfcImporter(ConceptScheme.load(ROOT / "ontology")).import_bytes(data, path.name).report.as_dict()
    rows = [f"{g['name']} -> {g['concept'].rsplit('/', 1)[-1]} ({g['method']} {g['score']})"
            for g in report["matches_to_review"]]
    rows += [f"{u['name']} -> unmapped ({u['volume_m3']:.2f} m3)" for u in report["unmapped_names"]]
    rows += [f"{c['name']} -> cavity" for c in report["cavities"] if "between the framing" not in c["name"]]
    rows += [f"{c['name']} -> not a material name ({c['volume_m3']:.2f} m3)" for c in report["placeholder_names"]]
    return rows


def run(mode: str, path: Path) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, "--step", mode, str(path)], capture_output=True, text=True,
                            check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000])
    parser.add_argument("--geometry-sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--real", nargs="*", metavar="NAME",
                        help="also the public models of tests/data/ifc (all, or the ones named)")
    parser.add_argument("--step", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=3, metavar=("KIND", "SIZE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(int(args.generate[1]), args.generate[0], Path(args.generate[2]))
        return
    if args.step:
        print(json.dumps(step(args.step[0], Path(args.step[1]))))
        return
    real = real_models(args.real, parser)
    print("| model | elements | file MB | baseline s | import s | import / baseline | import s per 1k "
          "| baseline peak RSS MB | import peak RSS MB | readable volume mapped with mass |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        plan = [("qto", n) for n in args.sizes] + [("geometry", n) for n in args.geometry_sizes]
        for kind, size in plan:
            path = Path(folder) / f"{kind}-{size}.ifc"
            # in a child process: Linux keeps ru_maxrss across fork+exec, so a big parent would inflate every figure
            subprocess.run([sys.executable, __file__, "--generate", kind, str(size), str(path)], check=True,
                           capture_output=True)
            row(kind, path)
        for path in real:
            row(path.name, path)
        for path in real:
            print(f"\n{path.name}:")
            for line in names(path):
                print(f"- {line}")


def real_models(named: list[str] | None, parser: argparse.ArgumentParser) -> list[Path]:
    """The public models `--real` asks for: none without it, every one with it alone, else the ones named."""
    if named is None:
        return []
    models = sorted((ROOT / "tests" / "data" / "ifc").glob("*.ifc*"))
    unknown = set(named) - {path.name for path in models}
    if unknown:
        parser.error(f"no model {', '.join(sorted(unknown))} in tests/data/ifc")
    return [path for path in models if not named or path.name in named]


def row(kind: str, path: Path) -> None:
    base = run("baseline", path)
    imported = run("import", path)
    size = int(imported["elements"]) or 1
    share = "" if imported["share"] is None else f"{imported['share']:.1%}"
    print(f"| {kind} | {imported['elements']:.0f} | {path.stat().st_size / 1e6:.1f} | {base['seconds']:.2f} | "
          f"{imported['seconds']:.2f} | {imported['seconds'] / base['seconds']:.1f}x | "
          f"{imported['seconds'] / size * 1000:.2f} | {base['peak_rss_mb']:.0f} | "
          f"{imported['peak_rss_mb']:.0f} | {share} |", flush=True)


if __name__ == "__main__":
    main()
