/// libnifti's NIfTI-1 and NIfTI-2 interface (Debian's libnifti2-dev), whose
/// headers live in /usr/include/nifti and include each other by bare name
/// (<znzlib.h>): PZVolume, the one target that imports this module, adds
/// -I/usr/include/nifti for them (Package.swift).
#include <nifti/nifti2_io.h>
