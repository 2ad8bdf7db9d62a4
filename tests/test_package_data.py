"""A pip-installed registry serves its pages: every non-Python file of the package (templates, vendored
browser assets and their licences, data tables) is named by pyproject's package-data."""

from __future__ import annotations

import tomllib

from registry.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "registry"


def test_every_data_file_of_the_package_ships_in_the_wheel():
    patterns = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = {path for pattern in patterns["registry"] for path in PACKAGE.glob(pattern) if path.is_file()}
    data = {path for path in PACKAGE.rglob("*") if path.is_file() and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts}
    assert data - shipped == set()


def test_vendored_assets_carry_their_licences():
    vendor = PACKAGE / "static" / "vendor"
    assert {p.name for p in vendor.iterdir() if p.is_dir()} == {"leaflet", "leaflet.markercluster", "yasgui"}
    for folder in vendor.iterdir():
        if folder.is_dir():
            assert "Permission is hereby granted" in (folder / "LICENSE").read_text() or \
                "Redistribution and use in source and binary forms" in (folder / "LICENSE").read_text()
