"""Builds libpzconv with SwiftPM and puts it, the pzconv command line (the
library's HDF5 worker) and the Swift runtime libraries into the package, under
pzconv/_native/ (Scripts/install-library.sh does the work).

PZCONV_SWIFT_CONFIGURATION=debug uses the debug build (its kernels are optimized
too; the test script uses it to reuse the build it made); the default is release.
PZCONV_TARGET_CPU is passed on (x86-64-v3 for a wheel that runs on any AVX2 CPU).
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

PACKAGE_ROOT = Path(__file__).resolve().parent
REPOSITORY = PACKAGE_ROOT.parent


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        configuration = os.environ.get("PZCONV_SWIFT_CONFIGURATION", "release")
        if not (REPOSITORY / "Package.swift").is_file():
            raise SystemExit(f"pzconv: {REPOSITORY} is not the pzconv repository; install with pip install ./python from it")
        native = Path(self.build_lib) / "pzconv" / "_native"
        shutil.rmtree(native, ignore_errors=True)
        native.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as staging:
            subprocess.run([str(REPOSITORY / "Scripts" / "install-library.sh"), staging, configuration], check=True)
            for item in (Path(staging) / "lib").iterdir():
                shutil.copy2(item, native / item.name)
            shutil.copy2(Path(staging) / "include" / "pzconv.h", native / "pzconv.h")


class BinaryDistribution(Distribution):
    """The package carries a native library: the wheel is platform-specific."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
