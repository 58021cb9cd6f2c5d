"""ctypes declarations of libpzconv's C API (include/pzconv.h) and its error
convention: a status, and a message the library allocates and we free."""
from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import Optional

c_int64_p = ctypes.POINTER(ctypes.c_int64)
c_float_p = ctypes.POINTER(ctypes.c_float)
c_string_out = ctypes.POINTER(ctypes.c_void_p)  # char **: kept as an address so it can be freed

# int (*)(void *context, const int64_t *origin, const int64_t *size, float *values)
READ_BOX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, c_int64_p, c_int64_p, c_float_p)
WRITE_BOX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, c_int64_p, c_int64_p, c_float_p)

STATUS_ARGUMENT = 1
STATUS_FAILED = 2
STATUS_CHECK_FAILED = 3

LAYOUT_SOURCE = 0
LAYOUT_NCDHW = 1


class PZConvError(Exception):
    """An error libpzconv reported: `status` is the C API's pzconv_status, the
    message the one line the pzconv command line prints for the same error."""

    def __init__(self, message: str, status: int = STATUS_FAILED):
        super().__init__(message)
        self.status = status


class ArgumentError(PZConvError, ValueError):
    """A bad argument: an unknown option, a wrong input count or shape."""


class CheckFailed(PZConvError):
    """verify or optimize ran, but a pass or the executor was out of tolerance;
    `report` holds what they found."""

    def __init__(self, message: str, report):
        super().__init__(message, STATUS_CHECK_FAILED)
        self.report = report


def _library_path() -> str:
    named = os.environ.get("PZCONV_LIBRARY")
    if named:
        return named
    return str(Path(__file__).resolve().parent / "_native" / "libpzconv.so")


_lock = threading.Lock()
_loaded: Optional[ctypes.CDLL] = None


def library() -> ctypes.CDLL:
    """libpzconv, loaded once (PZCONV_LIBRARY names another file). ctypes.CDLL
    releases the GIL for the length of every call."""
    global _loaded
    with _lock:
        if _loaded is None:
            path = _library_path()
            if not os.path.exists(path):
                raise ImportError(f"pzconv: {path} is missing: install the package with pip install ./python "
                                  "from the pzconv repository, or name the library in PZCONV_LIBRARY")
            _loaded = _declare(ctypes.CDLL(path))
    return _loaded


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    status = ctypes.c_int
    handle = ctypes.c_void_p
    lib.pzconv_version.restype = ctypes.c_char_p
    lib.pzconv_version.argtypes = []
    lib.pzconv_api_version.restype = ctypes.c_int
    lib.pzconv_api_version.argtypes = []
    lib.pzconv_string_free.restype = None
    lib.pzconv_string_free.argtypes = [ctypes.c_void_p]
    lib.pzconv_model_load.restype = status
    lib.pzconv_model_load.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(handle), c_string_out]
    lib.pzconv_model_load_memory.restype = status
    lib.pzconv_model_load_memory.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int,
                                             ctypes.POINTER(handle), c_string_out]
    lib.pzconv_model_free.restype = None
    lib.pzconv_model_free.argtypes = [handle]
    for name in ("pzconv_model_input_count", "pzconv_model_output_count"):
        getattr(lib, name).restype = ctypes.c_size_t
        getattr(lib, name).argtypes = [handle]
    lib.pzconv_model_tensor.restype = status
    lib.pzconv_model_tensor.argtypes = [handle, ctypes.c_int, ctypes.c_size_t, ctypes.c_int,
                                        ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.POINTER(ctypes.c_size_t), c_int64_p, c_string_out]
    lib.pzconv_model_run.restype = status
    lib.pzconv_model_run.argtypes = [handle, ctypes.POINTER(c_float_p), ctypes.c_size_t, ctypes.POINTER(c_float_p),
                                     ctypes.c_size_t, ctypes.c_int, ctypes.c_int, c_string_out]
    for name in ("pzconv_model_inspect_json", "pzconv_model_verification_json"):
        getattr(lib, name).restype = status
        getattr(lib, name).argtypes = [handle, c_string_out, c_string_out]
    lib.pzconv_model_predict.restype = status
    lib.pzconv_model_predict.argtypes = [handle, c_int64_p, READ_BOX, WRITE_BOX, ctypes.c_void_p,
                                         ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, c_string_out, c_string_out]
    lib.pzconv_command.restype = status
    lib.pzconv_command.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, c_string_out, c_string_out]
    return lib


def take_string(pointer: ctypes.c_void_p) -> Optional[str]:
    """The text of a string the library returned, which is then freed."""
    if not pointer.value:
        return None
    try:
        return ctypes.string_at(pointer.value).decode("utf-8", errors="replace")
    finally:
        library().pzconv_string_free(pointer)


def check(status: int, error: ctypes.c_void_p) -> None:
    """Raises the library's error for a status other than PZCONV_OK."""
    message = take_string(error)
    if status == 0:
        return
    message = message or f"libpzconv failed with status {status}"
    if status == STATUS_ARGUMENT:
        raise ArgumentError(message, status)
    raise PZConvError(message, status)


def words(arguments) -> ctypes.Array:
    """A C array of UTF-8 strings."""
    encoded = [str(argument).encode("utf-8") for argument in arguments]
    return (ctypes.c_char_p * max(1, len(encoded)))(*encoded)
