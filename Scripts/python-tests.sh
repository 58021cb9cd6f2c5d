#!/usr/bin/env bash
# The Python package's tests: makes the virtual environment .venv-python (numpy,
# pytest, h5py and zarr from PyPI), installs ./python into it and runs pytest.
#
#   Scripts/python-tests.sh              # as `pip install ./python` builds for users (release)
#   PZCONV_SWIFT_CONFIGURATION=debug Scripts/python-tests.sh
#                                        # against the debug build Scripts/test.sh made
#   Scripts/python-tests.sh -k predict   # arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "python-tests: installing python3-venv from Debian" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
fi
[ -x .venv-python/bin/python ] || python3 -m venv .venv-python
.venv-python/bin/python -m pip install -q --upgrade numpy pytest h5py zarr
PZCONV_SWIFT_CONFIGURATION=${PZCONV_SWIFT_CONFIGURATION:-release} .venv-python/bin/python -m pip install -q ./python
.venv-python/bin/python -m pytest python/tests -q "$@"
