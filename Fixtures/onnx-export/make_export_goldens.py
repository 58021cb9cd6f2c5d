"""Exports every Caffe and Keras fixture to ONNX with pzconv and records ONNX
Runtime's outputs on the exported files as golden data.

For each fixture `Fixtures/<group>/<name>` (group caffe, caffe-fork or keras):
    pzconv import <source files> -o <tmp>/net.pzir
    pzconv export <tmp>/net.pzir -o Fixtures/onnx-export/<group>/<name>/model.onnx
then
    onnx.checker.check_model(full_check=True) on the exported file;
    ONNX Runtime (CPUExecutionProvider, default graph optimizations, so its own
    fusions run) on the fixture's golden input, Golden/<group>/<name>/input*.npy;
    the outputs go to Golden/onnx-export/<group>/<name>/output.<name>.npy (with
    a copy of the inputs), and are compared with the source framework's golden
    outputs (Caffe's or Keras' own, Golden/<group>/<name>/output.*.npy): the
    script fails when any differs by more than 1e-4 × max(1, |golden|max).
    An export pzconv refuses fails the script too.

The Swift tests (Tests/PZONNXTests/ExportFixtureTests.swift) check that today's
exporter still writes these files and that these ONNX Runtime outputs match the
source framework's.

Usage (from the repository root; needs onnx, onnxruntime, numpy):
    Benchmarks/.venv/bin/python Fixtures/onnx-export/make_export_goldens.py [--pzconv .build/debug/pzconv] [GROUP/NAME ...]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 1e-4


def source_files(directory):
    """The pzconv import arguments for a fixture directory."""
    if os.path.exists(os.path.join(directory, "net.prototxt")):
        weights = "net.caffemodel" if os.path.exists(os.path.join(directory, "net.caffemodel")) else "net.caffemodel.h5"
        return [os.path.join(directory, "net.prototxt"), "--weights", os.path.join(directory, weights)]
    if os.path.exists(os.path.join(directory, "model.json")):
        return [os.path.join(directory, "model.json"), "--weights", os.path.join(directory, "weights.h5")]
    if os.path.exists(os.path.join(directory, "model.h5")):
        return [os.path.join(directory, "model.h5")]
    return None


def fixtures(selected):
    found = []
    for group in ("caffe", "caffe-fork", "keras"):
        for directory in sorted(glob.glob(os.path.join(ROOT, "Fixtures", group, "*"))):
            name = f"{group}/{os.path.basename(directory)}"
            if os.path.isdir(directory) and source_files(directory) and (not selected or name in selected):
                found.append(name)
    return found


def relative_error(value, reference):
    value = value.reshape(reference.shape)
    return float(np.abs(value - reference).max() / max(1.0, float(np.abs(reference).max())))


def round_trip_pytorch_fixtures(pzconv, scratch):
    """Each PyTorch fixture (Fixtures/onnx) imported and exported again: the file
    passes onnx.checker and ONNX Runtime's outputs on it match ONNX Runtime's on
    PyTorch's file (Golden/onnx). Nothing is kept."""
    failures = []
    for directory in sorted(glob.glob(os.path.join(ROOT, "Fixtures", "onnx", "*", ""))):
        directory = os.path.dirname(directory)
        name = os.path.basename(directory)
        golden = os.path.join(ROOT, "Golden", "onnx", name)
        pzir, exported = os.path.join(scratch, name + ".pzir"), os.path.join(scratch, name + ".onnx")
        x = np.load(os.path.join(golden, "input.npy"))
        subprocess.run([pzconv, "import", os.path.join(directory, "model.onnx"), "-o", pzir,
                        "--input-shape", ",".join(map(str, x.shape))], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([pzconv, "export", pzir, "-o", exported], check=True, stdout=subprocess.DEVNULL)
        onnx.checker.check_model(onnx.load(exported), full_check=True)
        session = ort.InferenceSession(exported, providers=["CPUExecutionProvider"])
        worst = 0.0
        for output, value in zip(session.get_outputs(), session.run(None, {session.get_inputs()[0].name: x})):
            worst = max(worst, relative_error(value, np.load(os.path.join(golden, f"output.{output.name}.npy"))))
        status = "ok" if worst <= TOLERANCE else "FAILED"
        if status != "ok":
            failures.append("onnx/" + name)
        print(f"onnx/{name}: PyTorch's ONNX → pzconv → ONNX, ONNX Runtime vs ONNX Runtime on PyTorch's file {worst:.2e} {status}")
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pzconv", default=os.path.join(ROOT, ".build", "debug", "pzconv"))
    parser.add_argument("fixtures", nargs="*")
    arguments = parser.parse_args()
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}")
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in fixtures(arguments.fixtures):
            source = os.path.join(ROOT, "Fixtures", name)
            exported_dir = os.path.join(ROOT, "Fixtures", "onnx-export", name)
            golden_dir = os.path.join(ROOT, "Golden", "onnx-export", name)
            os.makedirs(exported_dir, exist_ok=True)
            pzir = os.path.join(scratch, name.replace("/", "_") + ".pzir")
            exported = os.path.join(exported_dir, "model.onnx")
            subprocess.run([arguments.pzconv, "import", *source_files(source), "-o", pzir], check=True, stdout=subprocess.DEVNULL)
            subprocess.run([arguments.pzconv, "export", pzir, "-o", exported], check=True, stdout=subprocess.DEVNULL)
            onnx.checker.check_model(onnx.load(exported), full_check=True)

            optimized = os.path.join(scratch, "optimized.pzir")
            optimized_onnx = os.path.join(scratch, "optimized.onnx")
            subprocess.run([arguments.pzconv, "optimize", pzir, "-o", optimized], check=True, stdout=subprocess.DEVNULL)
            subprocess.run([arguments.pzconv, "export", optimized, "-o", optimized_onnx], check=True, stdout=subprocess.DEVNULL)
            onnx.checker.check_model(onnx.load(optimized_onnx), full_check=True)
            optimized_session = ort.InferenceSession(optimized_onnx, providers=["CPUExecutionProvider"])

            session = ort.InferenceSession(exported, providers=["CPUExecutionProvider"])
            source_golden = os.path.join(ROOT, "Golden", name)
            feeds = {}
            shutil.rmtree(golden_dir, ignore_errors=True)
            os.makedirs(golden_dir)
            for model_input in session.get_inputs():
                path = os.path.join(source_golden, f"input.{model_input.name}.npy")
                if not os.path.exists(path):
                    path = os.path.join(source_golden, "input.npy")
                value = np.load(path).astype(np.float32)
                if list(value.shape) != list(model_input.shape):
                    value = value.reshape(model_input.shape)
                feeds[model_input.name] = value
                shutil.copy(path, os.path.join(golden_dir, os.path.basename(path)))
            worst, worst_optimized = 0.0, 0.0
            optimized_values = dict(zip([o.name for o in optimized_session.get_outputs()], optimized_session.run(None, feeds)))
            for model_output, value in zip(session.get_outputs(), session.run(None, feeds)):
                np.save(os.path.join(golden_dir, f"output.{model_output.name}.npy"), value.astype(np.float32))
                reference = np.load(os.path.join(source_golden, f"output.{model_output.name}.npy"))
                worst = max(worst, relative_error(value, reference))
                worst_optimized = max(worst_optimized, relative_error(optimized_values[model_output.name], reference))
            status = "ok" if max(worst, worst_optimized) <= TOLERANCE else "FAILED"
            if status != "ok":
                failures.append(name)
            print(f"{name}: {len(session.get_outputs())} output(s), ONNX Runtime vs source framework {worst:.2e}, "
                  f"optimized graph {worst_optimized:.2e} {status}")
        if not arguments.fixtures:
            failures += round_trip_pytorch_fixtures(arguments.pzconv, scratch)
    if failures:
        sys.exit(f"{len(failures)} fixture(s) beyond {TOLERANCE}: {', '.join(failures)}")


if __name__ == "__main__":
    main()
