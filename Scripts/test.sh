#!/usr/bin/env bash
# Sets up what is missing, then builds and runs the whole test suite.
#
#   Scripts/test.sh                      # the suite, the Python package's tests, then every fuzz
#                                        # target for 30 s (what CI runs)
#   Scripts/test.sh --filter Hostile     # arguments go to swift test (and no fuzzing)
#   Scripts/test.sh --sanitize address   # the suite under AddressSanitizer
#   Scripts/test.sh --sanitize thread    # under ThreadSanitizer (the threaded executor)
#
# A sanitized build goes to its own folder (.build-sanitize-address, …), so it
# never mixes with the plain one; a sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=()
if [ "${1:-}" = "--sanitize" ]; then
    case "${2:-}" in
        address|thread) ;;
        *) echo "Scripts/test.sh: --sanitize takes address or thread" >&2; exit 2 ;;
    esac
    sanitize=(--sanitize="$2" --scratch-path ".build-sanitize-$2")
    shift 2
    # Fail on the first report; leak checking is part of AddressSanitizer here,
    # less the toolchain's own leaks (Scripts/lsan-suppressions.txt).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/Scripts/lsan-suppressions.txt:print_suppressions=0}
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
fi
Scripts/setup.sh
swift build --build-tests ${sanitize[@]+"${sanitize[@]}"}
# libPZLibrary.so, which CAPITests links a C program against.
swift build --product PZLibrary ${sanitize[@]+"${sanitize[@]}"}
# SlurmArrayTests submits to a real one-node SLURM on this machine (PZCONV_SLURM=0
# skips starting it; the test then says it was skipped and why).
if [ "${PZCONV_SLURM:-1}" != 0 ]; then
    slurm_dir=$(mktemp -d /tmp/pzconv-slurm.XXXXXX)
    if Scripts/slurm.sh start "$slurm_dir"; then
        export SLURM_CONF="$slurm_dir/slurm.conf" PZCONV_TEST_SLURM=1
        trap 'Scripts/slurm.sh stop "$slurm_dir"' EXIT
    else
        echo "test.sh: SLURM did not start (see above): SlurmArrayTests will be skipped" >&2
    fi
fi
swift test --skip-build ${sanitize[@]+"${sanitize[@]}"} "$@"
# The Python package (python/) over this build, and its pytest suite
# (Scripts/python-tests.sh; PZCONV_PYTHON=0 skips it).
if [ $# -eq 0 ] && [ ${#sanitize[@]} -eq 0 ] && [ "${PZCONV_PYTHON:-1}" != 0 ]; then
    Scripts/python-tests.sh
fi
# The whole suite also runs each fuzz target briefly on its committed corpus
# (PZCONV_FUZZ_SECONDS each, default 30; 0 skips): a crash fails the run.
if [ $# -eq 0 ] && [ ${#sanitize[@]} -eq 0 ] && [ "${PZCONV_FUZZ_SECONDS:-30}" != 0 ]; then
    Scripts/fuzz.sh all "${PZCONV_FUZZ_SECONDS:-30}"
fi
