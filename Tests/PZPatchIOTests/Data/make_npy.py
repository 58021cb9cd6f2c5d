"""Writes the .npy test files with NumPy itself (run from this directory:
`python3 make_npy.py`). The PatchIO tests read them, so the reader is checked
against the real writer, not only against our own encoder."""
import numpy as np

a = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4) * 0.5 - 3
np.save("f4.npy", a)
np.save("f8.npy", a.astype(np.float64))
np.save("f4_big_endian.npy", a.astype(">f4"))
np.save("f4_fortran.npy", np.asfortranarray(a[0]))
np.save("i4.npy", a.astype(np.int32))
np.save("scalar_row.npy", np.array([1.5], dtype=np.float32))
# Format version 2.0 (4-byte header length), as NumPy writes for huge headers.
with open("f4_v2.npy", "wb") as f:
    np.lib.format.write_array(f, a, version=(2, 0))
