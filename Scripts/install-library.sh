#!/usr/bin/env bash
# Builds libpzconv (the C API, include/pzconv.h) and installs it where C programs
# and the Python package use it:
#
#   Scripts/install-library.sh DEST            # swift build -c release
#   Scripts/install-library.sh DEST debug      # the debug build (kernels are optimized in both)
#
#   DEST/include/pzconv.h
#   DEST/lib/libpzconv.so        the library (SwiftPM's libPZLibrary.so)
#   DEST/lib/pzconv              the command line: the library runs it for HDF5 files (see pzconv.h)
#   DEST/lib/libswift*.so, libFoundation*.so, …
#                                the Swift runtime both need, found through their $ORIGIN run path
#                                (--static-swift-stdlib is for executables, not shared libraries)
#
# Link with -IDEST/include -LDEST/lib -lpzconv -Wl,-rpath,DEST/lib. PZCONV_TARGET_CPU
# applies as to any build (x86-64-v3: runs on any AVX2 machine, AVX-512 still used where present).
set -euo pipefail
dest=${1:?usage: Scripts/install-library.sh DEST [release|debug]}
configuration=${2:-release}
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c "$configuration" --product PZLibrary >&2
swift build -c "$configuration" --product pzconv >&2
products=$(swift build -c "$configuration" --show-bin-path)
mkdir -p "$dest/lib" "$dest/include"
install -m 644 include/pzconv.h "$dest/include/pzconv.h"
install -m 755 "$products/libPZLibrary.so" "$dest/lib/libpzconv.so"
install -m 755 "$products/pzconv" "$dest/lib/pzconv"
# The Swift runtime libraries either of them loads from the toolchain (the system's
# own libraries, libhdf5 and the rest, come from Debian's packages).
runtime=$(swift -print-target-info | python3 -c 'import json, sys; print(json.load(sys.stdin)["paths"]["runtimeLibraryPaths"][0])')
for binary in "$products/libPZLibrary.so" "$products/pzconv"; do
    ldd "$binary" | awk -v runtime="$runtime/" 'index($3, runtime) == 1 { print $3 }'
done | sort -u | while read -r library; do
    install -m 644 "$library" "$dest/lib/"
done
echo "install-library: $dest/lib/libpzconv.so ($configuration), $dest/include/pzconv.h" >&2
