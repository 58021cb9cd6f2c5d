"""NIfTI fixtures for pzconv's NIfTI reader, written by nibabel (never by pzconv).

    python3 -m venv /tmp/venv-nifti && /tmp/venv-nifti/bin/pip install nibabel numpy
    cd Fixtures/volumes && /tmp/venv-nifti/bin/python make_nifti.py

Writes nifti/<name>.nii or nifti/<name>.nii.gz, each 7 x 6 x 5 voxels (x, y, z)
with a qform (code 1, a rotation) and an sform (code 2, the rotation with a
shear, so the two differ), and nifti/<name>.expected.npy: the image as nibabel
reads it (scl_slope and scl_inter applied), float32, in pzconv's order
(C, D, H, W) = (channels, z, y, x), the file's own memory order.

- f4.nii: NIfTI-1, float32, little-endian;
- i2_scaled.nii.gz: NIfTI-1, int16, scl_slope 0.5, scl_inter -3.25, gzip;
- u1.nii: NIfTI-1, uint8;
- be_f8.nii: NIfTI-1, float64, big-endian;
- channels_f4.nii: NIfTI-1, 4-D (x, y, z, 2): two channels;
- vector_u2.nii.gz: NIfTI-1, 5-D (x, y, z, 1, 2): two channels on the vector axis;
- n2_i4.nii: NIfTI-2, int32.
"""
import os
import shutil

import nibabel as nib
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
folder = os.path.join(here, "nifti")
shutil.rmtree(folder, ignore_errors=True)
os.makedirs(folder)

x, y, z = np.meshgrid(np.arange(7), np.arange(6), np.arange(5), indexing="ij")
ramp = ((x * 5 + y * 11 + z * 37) % 97).astype(np.float64)  # 0..96, in (x, y, z)
wave = np.round(np.cos(x - 0.5 * y + 0.25 * z) * 40 + 50)   # 10..90

angle = np.deg2rad(30)
rotation = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
qform = np.eye(4)
qform[:3, :3] = rotation @ np.diag([0.8, 1.2, 2.5])
qform[:3, 3] = [-10.0, 20.5, 3.0]
sform = qform.copy()
sform[0, 2] += 0.3  # a shear a quaternion cannot hold


def save(name, image, channels_axis=None):
    image.set_qform(qform, code=1)
    image.set_sform(sform, code=2)
    image.header.set_xyzt_units("mm", "sec")
    nib.save(image, os.path.join(folder, name))
    back = nib.load(os.path.join(folder, name))
    values = back.get_fdata()  # scaled, float64
    values = values.reshape(values.shape[:3] + (-1,))  # (x, y, z, C)
    expected = np.transpose(values, (3, 2, 1, 0)).astype(np.float32)
    np.save(os.path.join(folder, name.split(".")[0] + ".expected.npy"), expected)


save("f4.nii", nib.Nifti1Image((ramp / 96.0).astype("<f4"), None))
scaled = nib.Nifti1Image(ramp.astype("<i2"), None)
scaled.header.set_data_dtype("<i2")
scaled.header.set_slope_inter(0.5, -3.25)
save("i2_scaled.nii.gz", scaled)
save("u1.nii", nib.Nifti1Image(wave.astype("u1"), None))
big = nib.Nifti1Image((ramp / 7.0).astype(">f8"), None, nib.Nifti1Header(endianness=">"))
big.header.set_data_dtype(">f8")
save("be_f8.nii", big)
save("channels_f4.nii", nib.Nifti1Image(np.stack([ramp / 96.0, wave], axis=-1).astype("<f4"), None))
vector = np.stack([ramp, wave], axis=-1)[:, :, :, None, :].astype("<u2")
save("vector_u2.nii.gz", nib.Nifti1Image(vector, None))
save("n2_i4.nii", nib.Nifti2Image((ramp * 1000 - 5000).astype("<i4"), None))

# The stored values and byte order are what the names say.
assert nib.load(os.path.join(folder, "be_f8.nii")).get_data_dtype() == np.dtype(">f8")
assert nib.load(os.path.join(folder, "i2_scaled.nii.gz")).dataobj.slope == 0.5
assert isinstance(nib.load(os.path.join(folder, "n2_i4.nii")), nib.Nifti2Image)
print("NIfTI fixtures written to", folder)
