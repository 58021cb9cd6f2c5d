"""The model-file commands (import, optimize, verify, export, inspect), run
in-process by libpzconv with the command line's own options and messages."""
from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Union

from . import _library as native

PathLike = Union[str, "os.PathLike[str]"]


def command(*arguments: Union[str, "os.PathLike[str]"]) -> str:
    """Runs ``pzconv ARGUMENTS…`` in-process (import, optimize, verify, export or
    inspect) and returns what the command line would print. Raises PZConvError
    with the command line's message; CheckFailed when verify or optimize found a
    pass out of tolerance."""
    words = [os.fspath(argument) for argument in arguments]
    report, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = native.library().pzconv_command(native.words(words), len(words), ctypes.byref(report), ctypes.byref(error))
    text = native.take_string(report) or ""
    if status == native.STATUS_CHECK_FAILED:
        message = native.take_string(error) or "a check did not hold"
        raise native.CheckFailed(f"pzconv {words[0]}: {message}", _json_or_text(text))
    native.check(status, error)
    return text


def _json_or_text(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def _shape(value: Union[str, Sequence[int], None]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return ",".join(str(int(size)) for size in value)


def _options(**options: Any) -> list:
    """--name value for each option given (True flags as --name)."""
    words = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        words.append("--" + name.replace("_", "-"))
        if value is not True:
            words.append(os.fspath(value) if isinstance(value, os.PathLike) else str(value))
    return words


def import_model(model: PathLike, output: Optional[PathLike] = None, *, weights: Optional[PathLike] = None,
                 input_shape: Union[str, Sequence[int], None] = None, normalize: Optional[str] = None,
                 max_memory: Optional[str] = None) -> str:
    """Imports a Caffe (.prototxt with weights=.caffemodel[.h5]), Keras (.h5, or
    a .json config with weights=.h5) or ONNX (.onnx) model into a .pzir file, as
    ``pzconv import``.

    output: the .pzir to write (default: the model's name with .pzir).
    input_shape: in the source layout, batch first, e.g. (1, 1, 18, 192, 192).
    normalize: how volumes are scaled for predict, e.g. "scale:1/255".
    Returns the path of the .pzir."""
    output = os.fspath(output) if output is not None else str(Path(model).with_suffix(".pzir"))
    command("import", model, "-o", output,
            *_options(weights=weights, input_shape=_shape(input_shape), normalize=normalize, max_memory=max_memory))
    return output


def optimize(model: PathLike, output: PathLike, *, tolerance: float = 1e-4, passes: Optional[str] = None,
             golden: Optional[PathLike] = None) -> Dict[str, Any]:
    """Runs the verified fusion passes (``pzconv optimize``); returns the
    verification report. Raises CheckFailed when a pass was out of tolerance."""
    return json.loads(command("optimize", model, "-o", output, "--json",
                              *_options(tolerance=tolerance, passes=passes, golden=golden)))


def export(model: PathLike, output: Optional[PathLike] = None, *, golden: Optional[PathLike] = None,
           tolerance: Optional[float] = None, simd: Optional[int] = None, isa: Optional[str] = None,
           no_passes: bool = False, no_winograd: bool = False, strict: bool = False, opset: Optional[int] = None,
           layout: Optional[str] = None) -> str:
    """Packs a .pzir into a .pz for the fast executor (``pzconv export``),
    running and verifying the passes first, or, when output ends in .onnx, writes
    the .pzir's graph as ONNX (opset: 13 to 21, default 17; layout: "source" or
    "ncdhw"). Returns the path written."""
    output = os.fspath(output) if output is not None else str(Path(model).with_suffix(".pz"))
    command("export", model, "-o", output, *_options(golden=golden, tolerance=tolerance, simd=simd, isa=isa,
                                                     no_passes=no_passes, no_winograd=no_winograd, strict=strict,
                                                     opset=opset, layout=layout))
    return output


def verify(model: Optional[PathLike] = None, *, golden: Optional[PathLike] = None, tolerance: float = 1e-4,
           fixtures: Optional[PathLike] = None) -> Dict[str, Any]:
    """Checks every pass against the unfused model (and golden outputs when
    given), as ``pzconv verify --json``; returns the report. Raises CheckFailed
    (with the report) when something is out of tolerance."""
    words = ["verify"] + ([model] if model is not None else [])
    return json.loads(command(*words, "--json", *_options(golden=golden, tolerance=tolerance, fixtures=fixtures)))


def inspect(model: PathLike) -> Dict[str, Any]:
    """``pzconv inspect --json`` of a .pzir or .pz file."""
    return json.loads(command("inspect", model, "--json"))
