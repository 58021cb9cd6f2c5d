"""Volume fixtures for pzconv's volume readers and blend weights, written by the
reference libraries (NumPy, zarr-python 2 with numcodecs), never by pzconv.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install "zarr<3" numpy h5py
    cd Fixtures/volumes && /tmp/venv/bin/python make_volumes.py

Writes, next to this script:
- expected.npy: float32 (2, 5, 6, 7), the values every input below holds
  (channel 1 for the 4-D arrays only), made from a fixed formula;
- npy/<dtype>.npy: channel 0 of it as each integer and float dtype (scaled to
  the type, then read back as float32 by pzconv: expected_<dtype>.npy);
- zarr/<name>.zarr: Zarr v2 arrays, 3-D and 4-D (channels first and last),
  raw, zlib, gzip and Blosc (lz4; zstd with bit shuffle) chunks, '.' and '/' key separators, a missing chunk (fill
  value), edge chunks, and an OME-Zarr multiscale group;
- hdf5/volumes.h5 (h5py, oldest file format so Debian's libhdf5 1.10 reads it):
  /raw_u1 (chunked, gzip), /raw_i2 (contiguous), /multi_f4 (4-D, channels
  first, chunked), /multi_last_f8 (4-D, channels last);
- weights/<blend>_<D>x<H>x<W>.npy: the bump and Gaussian tile weights computed
  independently from their definitions (chunkflow's bump floored at 1e-5 of its
  maximum; Gaussian with sigma = patch/8, centred at (P-1)/2), float32.
"""
import os
import shutil

import h5py
import numpy as np
import numcodecs
import zarr

here = os.path.dirname(os.path.abspath(__file__))


def path(*parts):
    return os.path.join(here, *parts)


def fresh(directory):
    shutil.rmtree(path(directory), ignore_errors=True)
    os.makedirs(path(directory))


d, h, w = np.meshgrid(np.arange(5), np.arange(6), np.arange(7), indexing="ij")
channel0 = ((d * 37 + h * 11 + w * 5) % 97) / 96.0
channel1 = np.cos(d + 0.5 * h - 0.25 * w) * 0.5 + 0.5
expected = np.stack([channel0, channel1]).astype(np.float32)
np.save(path("expected.npy"), expected)

# .npy of every dtype, channel 0 only.
fresh("npy")
for dtype in ["<f4", ">f4", "<f8", "<f2", "|u1", "|i1", "<u2", ">u2", "<i2", "<u4", "<i4", "<i8"]:
    kind = np.dtype(dtype)
    if kind.kind == "f":
        values = channel0.astype(kind)
    else:
        scale = 100 if kind.itemsize == 1 else 1000
        offset = -50 if kind.kind == "i" else 0
        values = (np.round(channel0 * scale) + offset).astype(kind)
    name = dtype.replace("<", "le_").replace(">", "be_").replace("|", "")
    np.save(path("npy", name + ".npy"), values)
    np.save(path("npy", "expected_" + name + ".npy"), values.astype(np.float32))
# A 4-D channels-last float32 array.
np.save(path("npy", "channels_last.npy"), np.moveaxis(expected, 0, -1).copy())

# Zarr v2 arrays.
fresh("zarr")
arrays = {
    "raw_f4_3d": (channel0.astype("<f4"), (2, 4, 3), None, "."),
    "zlib_u1_3d": ((np.round(channel0 * 100)).astype("|u1"), (3, 3, 3), numcodecs.Zlib(level=5), "."),
    "gzip_u2_3d": ((np.round(channel0 * 1000)).astype("<u2"), (5, 2, 4), numcodecs.GZip(level=3), "/"),
    "zlib_f4_4d_first": (expected, (1, 2, 3, 7), numcodecs.Zlib(level=1), "."),
    "raw_f8_4d_last": (np.moveaxis(expected, 0, -1).astype("<f8"), (4, 4, 4, 2), None, "."),
    "blosc_lz4_f4_3d": (channel0.astype("<f4"), (3, 4, 5), numcodecs.Blosc(), "."),
    "blosc_zstd_bitshuffle_u2_3d": ((np.round(channel0 * 1000)).astype("<u2"), (2, 6, 4),
                                    numcodecs.Blosc(cname="zstd", clevel=7, shuffle=numcodecs.Blosc.BITSHUFFLE), "."),
}
for name, (values, chunks, compressor, separator) in arrays.items():
    array = zarr.open_array(path("zarr", name + ".zarr"), mode="w", shape=values.shape, chunks=chunks,
                            dtype=values.dtype, compressor=compressor, fill_value=0,
                            dimension_separator=separator)
    array[...] = values
    np.save(path("zarr", name + ".expected.npy"), values.astype(np.float32))

# A missing chunk reads as the fill value.
array = zarr.open_array(path("zarr", "missing_chunk_fill.zarr"), mode="w", shape=(5, 6, 7), chunks=(5, 3, 7),
                        dtype="<f4", compressor=None, fill_value=2.5, write_empty_chunks=False)
array[:, :3, :] = channel0[:, :3, :]
filled = channel0.copy()
filled[:, 3:, :] = 2.5
np.save(path("zarr", "missing_chunk_fill.expected.npy"), filled.astype(np.float32))

# An OME-Zarr multiscale group: level 0 is read.
group = zarr.open_group(path("zarr", "ome.zarr"), mode="w")
group.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n, "type": "space"} for n in "zyx"],
                               "datasets": [{"path": "0"}, {"path": "1"}]}]
group.create_dataset("0", data=channel0.astype("<f4"), chunks=(2, 3, 4), compressor=numcodecs.Zlib(level=1))
group.create_dataset("1", data=channel0[::2, ::2, ::2].astype("<f4"), chunks=(2, 2, 2))
np.save(path("zarr", "ome.expected.npy"), channel0.astype(np.float32))

# HDF5 datasets.
fresh("hdf5")
with h5py.File(path("hdf5", "volumes.h5"), "w", libver="earliest") as f:
    f.create_dataset("raw_u1", data=np.round(channel0 * 100).astype("u1"), chunks=(2, 3, 4), compression="gzip")
    f.create_dataset("raw_i2", data=(np.round(channel0 * 1000) - 50).astype("<i2"))
    f.create_dataset("multi_f4", data=expected, chunks=(1, 2, 3, 7))
    f.create_dataset("multi_last_f8", data=np.moveaxis(expected, 0, -1).astype("<f8"))
np.save(path("hdf5", "raw_u1.expected.npy"), np.round(channel0 * 100).astype(np.float32))
np.save(path("hdf5", "raw_u1.npy"), np.round(channel0 * 100).astype("u1"))

# Blend weights, from their definitions.
fresh("weights")
for patch in [(4, 8, 8), (5, 6, 7), (18, 32, 32)]:
    profiles = []
    for size in patch:
        t = (np.arange(size) + 1.0) / (size + 1.0) * 2.0 - 1.0
        profiles.append(np.exp(-1.0 / (1.0 - t * t)))
    bump = profiles[0][:, None, None] * profiles[1][None, :, None] * profiles[2][None, None, :]
    bump = np.maximum(bump, bump.max() * 1e-5)
    np.save(path("weights", "bump_%dx%dx%d.npy" % patch), bump.astype(np.float32))
    grids = np.meshgrid(*[np.arange(size, dtype=np.float64) for size in patch], indexing="ij")
    exponent = sum(((g - (size - 1) / 2.0) / (size / 8.0)) ** 2 for g, size in zip(grids, patch))
    np.save(path("weights", "gaussian_%dx%dx%d.npy" % patch), np.exp(-0.5 * exponent).astype(np.float32))
print("volume fixtures written to", here)
