"""Whole-volume prediction over NumPy, zarr or h5py arrays: libpzconv tiles,
runs and blends (as ``pzconv predict``), reading the volume box by box and
handing back the output chunk by chunk, so neither needs to fit in memory."""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import _library as native
from ._commands import _options, _shape
from ._net import Net, load

DTYPES = ("float32", "float16", "uint8")


def predict(net: Union[Net, str, "os.PathLike[str]"], volume: Any, output: Any = None, *,
            channel_axis: Optional[str] = None, blend: str = "bump", overlap: Union[str, Sequence[int], None] = None,
            pad: str = "mirror", normalize: Optional[str] = None, channels: Optional[Sequence[int]] = None,
            chunk: Union[str, Sequence[int], None] = None, dtype: str = "float32", threads: Optional[int] = None,
            accumulator_memory: Optional[str] = None, max_memory: Optional[str] = None):
    """Segments a whole volume as ``pzconv predict`` does and returns the output,
    shape (C, D, H, W) with C the model's output channels (or `channels`).

    volume: any array with .shape and slicing — NumPy (np.load(…, mmap_mode="r")
    too), zarr, h5py — 3-D (one channel) or 4-D with `channel_axis` "first" or
    "last". It is read one box at a time. output: None for a new NumPy array, or
    an array of that shape to write into chunk by chunk (a zarr array or h5py
    dataset for outputs larger than memory). dtype: "float32", "float16", or
    "uint8" (round(255·p), for probabilities), as the command line stores them.
    The other options are predict's: blend "bump" | "gaussian" | "mean" |
    "crop", overlap (D, H, W), pad "mirror" | "zero", normalize ("scale:1/255",
    "meanstd:M,S", "zscore", "percentile:0.5,99.5"; default: what the model
    states), chunk (D, H, W of the output chunks), threads, accumulator_memory,
    max_memory ("512M", "4G"). The summary (tiles, voxels, seconds, voxels/s)
    is left in ``net.last_prediction``.
    """
    if not isinstance(net, Net):
        net = load(net, threads=threads or 0)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    shape = tuple(int(size) for size in volume.shape)
    if len(shape) == 3:
        if channel_axis is not None:
            raise ValueError("channel_axis is for 4-D volumes; this one is 3-D (one channel)")
        volume_shape = (1,) + shape
    elif len(shape) == 4:
        if channel_axis not in ("first", "last"):
            raise ValueError(f"a 4-D volume {shape} needs channel_axis='first' (C, D, H, W) or 'last' (D, H, W, C)")
        volume_shape = shape if channel_axis == "first" else (shape[3],) + shape[:3]
    else:
        raise ValueError(f"the volume must be 3-D or 4-D, got shape {shape}")
    model_channels = net.ncdhw_shapes()[1][0][1]
    output_channels = len(channels) if channels is not None else model_channels
    output_shape = (output_channels,) + volume_shape[1:]
    if output is None:
        output = np.zeros(output_shape, dtype=dtype)
    elif tuple(output.shape) != output_shape:
        raise ValueError(f"output has shape {tuple(output.shape)}; the prediction has {output_shape} (C, D, H, W)")

    failure = []

    def boxes(origin, size):
        start = [origin[axis] for axis in range(4)]
        end = [start[axis] + size[axis] for axis in range(4)]
        return start, end, tuple(end[axis] - start[axis] for axis in range(4))

    def read(_context, origin, size, values):
        try:
            start, end, extent = boxes(origin, size)
            spatial = tuple(slice(start[axis], end[axis]) for axis in range(1, 4))
            if len(shape) == 3:
                box = volume[spatial][np.newaxis]
            elif channel_axis == "first":
                box = volume[(slice(start[0], end[0]),) + spatial]
            else:
                box = np.moveaxis(np.asarray(volume[spatial + (slice(start[0], end[0]),)]), -1, 0)
            target = np.ctypeslib.as_array(values, shape=(int(np.prod(extent)),))
            target[:] = np.asarray(box, dtype=np.float32).reshape(-1)
            return 0
        except BaseException as error:  # handed back to the caller below
            failure.append(error)
            return 1

    def write(_context, origin, size, values):
        try:
            start, end, extent = boxes(origin, size)
            chunk_values = np.ctypeslib.as_array(values, shape=(int(np.prod(extent)),)).reshape(extent)
            output[tuple(slice(start[axis], end[axis]) for axis in range(4))] = _encode(chunk_values, dtype)
            return 0
        except BaseException as error:
            failure.append(error)
            return 1

    read_callback, write_callback = native.READ_BOX(read), native.WRITE_BOX(write)
    words = _options(blend=blend, pad=pad, overlap=_shape(overlap), normalize=normalize,
                     channels=None if channels is None else ",".join(str(int(c)) for c in channels),
                     chunk=_shape(chunk), threads=threads, accumulator_memory=accumulator_memory, max_memory=max_memory)
    summary, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = native.library().pzconv_model_predict(net._checked_handle(), (ctypes.c_int64 * 4)(*volume_shape),
                                                   read_callback, write_callback, None, native.words(words), len(words),
                                                   ctypes.byref(summary), ctypes.byref(error))
    text = native.take_string(summary)
    if failure:
        native.take_string(error)
        raise failure[0]
    native.check(status, error)
    net.last_prediction = json.loads(text) if text else None
    return output


def _encode(values: np.ndarray, dtype: str) -> np.ndarray:
    """float32 values stored as the command line stores them: float16 rounds to
    nearest; uint8 is round(255·v) (halves away from zero) clamped to 0…255, NaN as 0."""
    if dtype == "float32":
        return values.copy()
    if dtype == "float16":
        return values.astype(np.float16)
    scaled = (values.astype(np.float32) * np.float32(255)).astype(np.float64)
    scaled[np.isnan(scaled)] = 0  # as the command line stores NaN
    return np.clip(np.floor(scaled + 0.5), 0, 255).astype(np.uint8)
