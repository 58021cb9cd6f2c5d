"""Seeds for the volume fuzz targets (run from the repository root with numpy and
numcodecs, which zarr-python brings): Fuzz/Corpus/zarr_chunk/ gets 4x16x16 float32
chunks as zlib, gzip and Blosc (LZ4 and Zstd, byte and bit shuffle) write them, a
raw one and a short one; Fuzz/Corpus/nifti/ the first 352 bytes of each NIfTI
fixture (decompressed). Fuzz/Corpus/zarray/ holds the fixtures' .zarray files."""
import glob
import gzip
import os

import numcodecs
import numpy as np

chunk = np.random.default_rng(0).random((4, 16, 16), dtype=np.float32)
raw = chunk.tobytes()
out = "Fuzz/Corpus/zarr_chunk"
os.makedirs(out, exist_ok=True)
seeds = {
    "raw": raw,
    "zlib": numcodecs.Zlib(level=1).encode(raw),
    "gzip": numcodecs.GZip(level=1).encode(raw),
    "blosc-lz4-shuffle": numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE).encode(raw),
    "blosc-zstd-bitshuffle": numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.BITSHUFFLE).encode(raw),
    "blosc-zeros": numcodecs.Blosc(cname="lz4", clevel=5).encode(bytes(len(raw))),
    "zlib-short": numcodecs.Zlib(level=1).encode(raw[:100]),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes(data))

out = "Fuzz/Corpus/nifti"
os.makedirs(out, exist_ok=True)
for path in sorted(glob.glob("Fixtures/volumes/nifti/*.nii*")):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(352 if "n2" not in path else 544)
    with open(os.path.join(out, os.path.basename(path).split(".")[0]), "wb") as f:
        f.write(head)
