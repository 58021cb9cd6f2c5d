#!/usr/bin/env bash
# Installs what building pzconv needs and is missing: the C libraries it links
# (libhdf5, libprotobuf-c, zlib, libblosc, libtiff; libnifti2 by its header), found through pkg-config, and protoc-c for regenerating
# the committed Caffe schema code. Needs the Swift toolchain (6.0 or later) on PATH.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: the Swift toolchain is not on PATH (https://swift.org/install)" >&2
    exit 1
fi

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists hdf5 2>/dev/null || missing+=(libhdf5-dev)
pkg-config --exists libprotobuf-c 2>/dev/null || missing+=(libprotobuf-c-dev)
pkg-config --exists zlib 2>/dev/null || missing+=(zlib1g-dev)
pkg-config --exists blosc 2>/dev/null || missing+=(libblosc-dev)
pkg-config --exists libtiff-4 2>/dev/null || missing+=(libtiff-dev)
[ -f /usr/include/nifti/nifti2_io.h ] || missing+=(libnifti2-dev)  # libnifti2 has no pkg-config file
command -v protoc-c >/dev/null 2>&1 || missing+=(protobuf-c-compiler)

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
