"""Shared fixtures: the repository's model fixtures, each imported and exported
once per session by the package itself, and the pzconv command line the package
bundles (pzconv/_native/pzconv), to compare with."""
import subprocess
from pathlib import Path

import pytest

import pzconv

REPOSITORY = Path(__file__).resolve().parents[2]


def fixture_sources():
    """(name, import arguments) for every fixture under Fixtures/, as the Swift
    suite's FixtureCatalog finds them."""
    found = []
    for group in sorted((REPOSITORY / "Fixtures").iterdir()):
        if not group.is_dir() or group.name == "volumes":
            continue
        for directory in sorted(path for path in group.iterdir() if path.is_dir()):
            if (directory / "net.prototxt").exists():
                weights = "net.caffemodel" if (directory / "net.caffemodel").exists() else "net.caffemodel.h5"
                found.append((f"{group.name}/{directory.name}", directory / "net.prototxt", {"weights": directory / weights}))
            elif (directory / "model.json").exists():
                found.append((f"{group.name}/{directory.name}", directory / "model.json", {"weights": directory / "weights.h5"}))
            elif (directory / "model.h5").exists():
                found.append((f"{group.name}/{directory.name}", directory / "model.h5", {}))
    return found


FIXTURES = fixture_sources()


@pytest.fixture(scope="session")
def cli():
    """Runs the bundled pzconv command line; returns the completed process."""
    executable = Path(pzconv.__file__).parent / "_native" / "pzconv"

    def run(*arguments, check=True):
        result = subprocess.run([str(executable)] + [str(a) for a in arguments], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"pzconv {' '.join(map(str, arguments))}: {result.stderr}")
        return result

    return run


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    """name -> (.pzir, .pz) made through the package (import_model, export), once."""
    directory = tmp_path_factory.mktemp("models")
    cache = {}

    def get(name):
        if name not in cache:
            _, model, options = next(entry for entry in FIXTURES if entry[0] == name)
            stem = directory / name.replace("/", "_")
            pzir = pzconv.import_model(model, f"{stem}.pzir", **options)
            cache[name] = (pzir, pzconv.export(pzir, f"{stem}.pz"))
        return cache[name]

    return get


def golden(name):
    return REPOSITORY / "Golden" / name
