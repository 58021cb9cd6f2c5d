#!/usr/bin/env bash
# Fuzzes pzconv's readers of untrusted files with libFuzzer (one target per input
# format; the bodies live in Sources/PZFuzzTargets, the executables in Fuzz/).
#
#   Scripts/fuzz.sh --list                  # the targets
#   Scripts/fuzz.sh prototxt 600            # fuzz one target for 600 seconds
#   Scripts/fuzz.sh all 60                  # every target in turn, 60 s each
#   Scripts/fuzz.sh pz 600 -runs=10000000   # more arguments go to libFuzzer
#
# The HDF5 targets (keras_h5, caffe_h5) reach Debian's libhdf5 1.10, which crashes
# inside its own decoders on some damaged files. They run past crashes, timeouts
# and out-of-memory inputs (-fork=1 -ignore_crashes=1 …), and each such input is
# then replayed alone and sorted by where it stops (its report in
# artifacts/NAME.report): inside libhdf5 (its first frame past the sanitizer's
# own, and the allocation of a bad heap access, in libhdf5) goes to
# artifacts/libhdf5/ and is no failure of pzconv's — pzconv reads HDF5 in a child
# process, and Tests/PZCommandsTests/LibHDF5Crashes/ holds such inputs for that;
# anything else (pzconv's frames, or an input that does not crash again alone)
# fails the run.
#
# Builds the fuzz package first (debug, AddressSanitizer + libFuzzer coverage, in
# Fuzz/.build), then runs the target on its working corpus, Fuzz/.work/TARGET/corpus
# (the committed Fuzz/Corpus/TARGET copied in; what libFuzzer adds there stays
# for the next run: delete Fuzz/.work to start again), with its dictionary
# (Fuzz/Dictionaries/TARGET.dict) when there is one. A crash, timeout (10 s per
# input), leak or out-of-memory (4 GiB in all, 1 GiB in one allocation) input is written to Fuzz/.work/TARGET/artifacts/
# and the run fails; minimize it (FuzzX -minimize_crash=1 -runs=10000 FILE), fix
# the library, and add the input to Tests/PZFuzzRegressionTests/FuzzRegressions/TARGET/.
# Fuzz/.work and Fuzz/.build are ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."

# Targets whose inputs reach libhdf5: run past crashes, then triaged.
hdf5_targets=" keras_h5 caffe_h5 "

# Target name → executable in Fuzz/ (Fuzz/Package.swift), in the order `all` runs them.
targets=(prototxt caffemodel pzir pz keras_json npy zarray zarr_chunk nifti onnx keras_h5 caffe_h5)
declare -A executables=(
    [prototxt]=FuzzPrototxt [caffemodel]=FuzzCaffemodel [pzir]=FuzzPZIR [pz]=FuzzPZ
    [keras_json]=FuzzKerasJSON [npy]=FuzzNPY [zarray]=FuzzZarray [zarr_chunk]=FuzzZarrChunk [nifti]=FuzzNIfTI [onnx]=FuzzONNX
    [keras_h5]=FuzzKerasH5 [caffe_h5]=FuzzCaffeH5
)
declare -A summaries=(
    [prototxt]="Caffe deploy .prototxt text, imported with fixed weights"
    [caffemodel]="binary .caffemodel bytes, imported with a fixed prototxt"
    [pzir]=".pzir bytes: decoded, re-encoded, small graphs run on the reference executor"
    [pz]=".pz bytes: loaded and plan-validated for each instruction set, small models run"
    [keras_json]="Keras model config JSON text, imported with a fixed weights .h5"
    [npy]=".npy bytes: decoded, re-encoded"
    [zarray]="Zarr v2 .zarray JSON: parsed and checked"
    [zarr_chunk]="a Zarr chunk file, decoded as raw, zlib, gzip and Blosc chunks"
    [nifti]="NIfTI-1/2 header bytes: read and checked"
    [onnx]=".onnx bytes: imported, exported again, small graphs run on the reference executor"
    [keras_h5]="full Keras model .h5 bytes (HDF5 image in memory)"
    [caffe_h5]=".caffemodel.h5 bytes (HDF5 image in memory), imported with a fixed prototxt"
)

usage() {
    echo "usage: Scripts/fuzz.sh TARGET|all SECONDS [libFuzzer arguments…]   or   Scripts/fuzz.sh --list" >&2
    exit 2
}

if [ "${1:-}" = "--list" ]; then
    for target in "${targets[@]}"; do printf '%-11s %s\n' "$target" "${summaries[$target]}"; done
    exit 0
fi
[ $# -ge 2 ] || usage
which=$1
seconds=$2
shift 2
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
if [ "$which" = all ]; then
    selected=("${targets[@]}")
elif [ -n "${executables[$which]:-}" ]; then
    selected=("$which")
else
    echo "Scripts/fuzz.sh: unknown target '$which' (Scripts/fuzz.sh --list)" >&2
    exit 2
fi

# Plainer flag combinations fail to link libFuzzer's main or drop the coverage
# instrumentation of the root package's targets.
echo "== building the fuzz package (Fuzz/.build; log: Fuzz/.work/build.log)"
mkdir -p Fuzz/.work
if ! swift build --package-path Fuzz --scratch-path Fuzz/.build -c debug --sanitize=fuzzer \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >Fuzz/.work/build.log 2>&1; then
    grep -v "ld.gold: warning: Cannot export local symbol" Fuzz/.work/build.log | tail -30 >&2
    echo "Scripts/fuzz.sh: the fuzz package does not build" >&2
    exit 1
fi
bin=$(swift build --package-path Fuzz --scratch-path Fuzz/.build -c debug --show-bin-path)
# Leaks inside libhdf5 itself are not pzconv's (see the file). An impossible
# allocation (more than AddressSanitizer's 1 TiB, e.g. libhdf5 sizing a metadata
# entry from a damaged file) returns NULL, as glibc's malloc does, instead of
# aborting; the caller's handling of NULL is what runs in production. Single
# allocations over 1 GiB are still reported (libFuzzer's -malloc_limit_mb).
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan-suppressions.txt:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# The first frame of a report section that is not the sanitizer's or libFuzzer's
# own (interceptors, allocator, the fuzzer driver), as "function (module+offset)".
first_frame() {
    grep -E '^ *#[0-9]+ ' | grep -vE ' in (__asan|__interceptor|___interceptor|__sanitizer|__lsan|__libc_|malloc|calloc|realloc|free|memcpy|memmove|memset|strlen|strdup|operator new|fuzzer::)' \
        | head -1 | sed -E 's/^ *#[0-9]+ 0x[0-9a-f]+ in //'
}

# Replays each crash, timeout and out-of-memory input of a run past crashes alone
# and sorts it: "libhdf5" (moved to artifacts/libhdf5/) or a failure. Prints one
# line per input; returns non-zero when any is not libhdf5's.
triage() {
    local executable=$1 work=$2 bad=0 input report frame allocation verdict
    mkdir -p "$work/artifacts/libhdf5"
    for input in "$work"/artifacts/crash-* "$work"/artifacts/oom-* "$work"/artifacts/timeout-*; do
        [ -f "$input" ] && [[ "$input" != *.report ]] || continue
        report="$input.report"
        if ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" "$executable" -timeout=10 -rss_limit_mb=4096 \
                -malloc_limit_mb=1024 "$input" >"$report" 2>&1; then
            verdict="does not fail when replayed alone"
            bad=1
        else
            frame=$(first_frame <"$report")
            # For a bad heap access, who allocated the memory (a buffer of pzconv's
            # overrun by libhdf5 is pzconv's bug).
            allocation=$(sed -n '/allocated by thread/,/^$/p' "$report" | first_frame)
            kind=$(grep -m1 -oE 'ERROR: [A-Za-z]+: [a-z-]+|out-of-memory \([^)]*\)|timeout after [0-9]+ seconds' "$report" || echo '?')
            if [[ "$frame" == *libhdf5* ]] && { [ -z "$allocation" ] || [[ "$allocation" == *libhdf5* ]]; }; then
                verdict="$kind inside libhdf5: $frame"
                mv "$input" "$report" "$work/artifacts/libhdf5/"
            else
                verdict="$kind in pzconv: ${frame:-no stack} (allocated: ${allocation:-n/a})"
                bad=1
            fi
        fi
        echo "   $(basename "$input"): $verdict"
    done
    return $bad
}

failed=()
for target in "${selected[@]}"; do
    work="Fuzz/.work/$target"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp -n "Fuzz/Corpus/$target"/* "$work/corpus/" 2>/dev/null || true
    dictionary=()
    [ -f "Fuzz/Dictionaries/$target.dict" ] && dictionary=("-dict=Fuzz/Dictionaries/$target.dict")
    log="$work/fuzz.log"
    echo "== $target: ${executables[$target]} for ${seconds} s (log: $log)"
    past_crashes=()
    [[ "$hdf5_targets" == *" $target "* ]] && past_crashes=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
    status=0
    # A single allocation over 1 GiB is a finding (the bodies hold files to 256 MiB):
    # reported at the malloc, before AddressSanitizer spends seconds mapping it —
    # an input slower than -timeout there once deadlocked libFuzzer's alarm
    # handler inside the allocator. The outer timeout keeps any hang from
    # stalling CI: it fails the run instead.
    timeout --kill-after=30 $((seconds * 2 + 300)) \
    "$bin/${executables[$target]}" "$work/corpus" ${dictionary[@]+"${dictionary[@]}"} \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" ${past_crashes[@]+"${past_crashes[@]}"} "$@" >"$log" 2>&1 || status=$?
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "   hung past $((seconds * 2 + 300)) s and was stopped (see $log)"
        pkill -f "$bin/${executables[$target]}" 2>/dev/null || true
        failed+=("$target")
        continue
    fi
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    # With -fork=N the parent prints no final stats; its status lines start with the total.
    [ -n "$executions" ] || executions=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    echo "   executions: ${executions:-unknown}, ${coverage:-no coverage line}, exit status $status"
    if [ ${#past_crashes[@]} -gt 0 ]; then
        found=$(grep -oE 'oom/timeout/crash: [0-9]+/[0-9]+/[0-9]+' "$log" | tail -1 || true)
        echo "   ${found:-oom/timeout/crash: 0/0/0} (run past them; each replayed alone:)"
        # libFuzzer's own status then says only that some job crashed.
        status=0
        grep -q 'INFO: fuzzed for\|INFO: exiting' "$log" || status=1
        triage "$bin/${executables[$target]}" "$work" || status=1
    fi
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        grep -E '^==[0-9]+==ERROR|^SUMMARY|Fatal error|ALARM|out-of-memory|Test unit written' "$log" | head -8 | sed 's/^/   /'
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "Scripts/fuzz.sh: failures in: ${failed[*]} (inputs in Fuzz/.work/TARGET/artifacts/)" >&2
    exit 1
fi
echo "Scripts/fuzz.sh: no crashes, timeouts, leaks or out-of-memory inputs in pzconv's code" \
     "(inside libhdf5, if any: Fuzz/.work/TARGET/artifacts/libhdf5/)"
