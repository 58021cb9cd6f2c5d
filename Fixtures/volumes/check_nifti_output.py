"""Reads a NIfTI that `pzconv predict` wrote with nibabel and prints what nibabel
sees: version, shape, stored type, scaling, qform/sform codes, zooms and affine.
With --like INPUT, also checks that the output's sform, qform and zooms are the
input's (exit status 1 if not). A check by hand and for the README; pzconv's
Swift tests do not need Python.

    /tmp/venv-nifti/bin/python check_nifti_output.py prob.nii.gz --like ct.nii.gz
"""
import argparse
import sys

import nibabel as nib
import numpy as np

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("output", help="a .nii or .nii.gz written by pzconv predict")
parser.add_argument("--like", metavar="INPUT", help="the NIfTI the prediction was made from")
arguments = parser.parse_args()

image = nib.load(arguments.output)  # nibabel checks the header (raises on an invalid one)
header = image.header
values = np.asarray(image.dataobj)
print(f"{arguments.output}: NIfTI-{header['sizeof_hdr'] == 540 and 2 or 1}, shape {image.shape}, "
      f"stored {header.get_data_dtype()}, scaling {image.dataobj.slope} x + {image.dataobj.inter}, "
      f"values {values.min():.6g} to {values.max():.6g}")
print(f"qform code {int(header['qform_code'])}, sform code {int(header['sform_code'])}, "
      f"zooms {header.get_zooms()}, units {header.get_xyzt_units()}")
print("affine:")
print(np.array2string(image.affine, precision=6, suppress_small=True))

if arguments.like:
    source = nib.load(arguments.like)
    checks = {
        "sform": np.array_equal(header.get_sform(), source.header.get_sform())
        and header["sform_code"] == source.header["sform_code"],
        # A qform of code 0 is absent (pzconv does not carry its unused parameters).
        "qform": header["qform_code"] == source.header["qform_code"]
        and (header["qform_code"] == 0 or np.allclose(header.get_qform(), source.header.get_qform(), atol=1e-6)),
        "zooms": header.get_zooms()[:3] == source.header.get_zooms()[:3],
        "spatial shape": image.shape[:3] == source.shape[:3],
    }
    for name, same in checks.items():
        print(f"{name}: {'same as' if same else 'DIFFERS from'} {arguments.like}")
    sys.exit(0 if all(checks.values()) else 1)
