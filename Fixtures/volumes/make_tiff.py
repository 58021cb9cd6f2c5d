"""TIFF-slice fixtures for pzconv's TIFF-stack reader, written by tifffile (never by pzconv).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy tifffile
    cd Fixtures/volumes && /tmp/venv/bin/python make_tiff.py

Writes tiff/<name>/ directories of 2-D slices, one file per z (named so that a plain
text sort would misorder them: slice_2 before slice_10 only in natural order), each
holding channel 0 of expected.npy's formula on a (12, 6, 7) grid scaled to the type,
and tiff/<name>.expected.npy (float32, D × H × W) with the values pzconv must read:
- u16_strips_deflate: uint16, 2 rows per strip, deflate (zlib) compressed;
- u8_plain: uint8, uncompressed, one strip;
- f32_tiles: float32, 16 × 16 tiles (larger than the image), little-endian;
- i16_bigendian_lzma: int16, big-endian, LZMA compressed;
and hostile stacks: mismatched_size (one slice 6 × 8), rgb (a 3-sample slice),
not_tiff (a .tif file holding text), mixed_types (one slice float32, the rest uint16).
"""
import os
import shutil

import numpy as np
import tifffile

here = os.path.dirname(os.path.abspath(__file__))
depth, height, width = 12, 6, 7
d, h, w = np.meshgrid(np.arange(depth), np.arange(height), np.arange(width), indexing="ij")
channel0 = ((d * 37 + h * 11 + w * 5) % 97) / 96.0


def stack(name, values, **options):
    folder = os.path.join(here, "tiff", name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for z in range(values.shape[0]):
        tifffile.imwrite(os.path.join(folder, f"slice_{z}.tif"), values[z], **options)
    np.save(os.path.join(here, "tiff", name + ".expected.npy"), values.astype(np.float32))
    return folder


stack("u16_strips_deflate", np.round(channel0 * 1000).astype("<u2"), rowsperstrip=2, compression="zlib")
stack("u8_plain", np.round(channel0 * 100).astype("u1"))
stack("f32_tiles", channel0.astype("<f4"), tile=(16, 16))
stack("i16_bigendian_lzma", (np.round(channel0 * 1000) - 500).astype(">i2"), byteorder=">", compression="lzma")

folder = stack("mismatched_size", np.round(channel0 * 1000).astype("<u2"))
tifffile.imwrite(os.path.join(folder, "slice_5.tif"), np.zeros((6, 8), "<u2"))
folder = stack("rgb", np.round(channel0 * 100).astype("u1"))
tifffile.imwrite(os.path.join(folder, "slice_3.tif"), np.zeros((6, 7, 3), "u1"), photometric="rgb")
folder = stack("not_tiff", np.round(channel0 * 100).astype("u1"))
with open(os.path.join(folder, "slice_7.tif"), "w") as text:
    text.write("not a TIFF file\n")
folder = stack("mixed_types", np.round(channel0 * 1000).astype("<u2"))
tifffile.imwrite(os.path.join(folder, "slice_0.tif"), channel0[0].astype("<f4"))
for name in ["mismatched_size", "rgb", "not_tiff", "mixed_types"]:
    os.remove(os.path.join(here, "tiff", name + ".expected.npy"))
