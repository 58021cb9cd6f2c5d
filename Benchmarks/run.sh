#!/usr/bin/env bash
# Times pzconv against PyTorch, ONNX Runtime and OpenVINO on the PZnet paper's
# three 3-D U-Nets (Benchmarks/nets), same weights, same thread count, in one run,
# and writes the report to Benchmarks/results/latest.md. Not part of swift test.
#
#   Benchmarks/run.sh                      # all three nets, 2 threads
#   NETS=residual_unet3d Benchmarks/run.sh # one net
#
# Settings (environment): NETS, THREADS (2), WARMUP (3) and ITERATIONS (20) for
# pzconv bench, PEER_WARMUP (1) and PEER_ITERATIONS (5) for the peers,
# PYTHON (a python with torch, onnx, onnxruntime, openvino, h5py, numpy; else a
# venv is made in Benchmarks/.venv from PyPI), SHARED_BENCH (../shared/bench:
# caffe_torch.py and peers_bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
NETS=${NETS:-"residual_unet3d symmetric_unet3d original_unet3d"}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-3}
ITERATIONS=${ITERATIONS:-20}
PEER_WARMUP=${PEER_WARMUP:-1}
PEER_ITERATIONS=${PEER_ITERATIONS:-5}
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}
WORK=Benchmarks/.work
mkdir -p "$WORK" Benchmarks/results

for file in caffe_torch.py peers_bench.py; do
    [ -f "$SHARED_BENCH/$file" ] || { echo "Benchmarks/run.sh: $SHARED_BENCH/$file not found (set SHARED_BENCH)" >&2; exit 1; }
done

PYTHON=${PYTHON:-python3}
modules="import torch, onnx, onnxruntime, openvino, h5py, numpy"
if ! "$PYTHON" -c "$modules" 2>/dev/null; then
    if [ ! -x Benchmarks/.venv/bin/python ]; then
        echo "== making Benchmarks/.venv (torch, onnx, onnxruntime, openvino, h5py, numpy from PyPI)"
        python3 -m venv Benchmarks/.venv
    fi
    PYTHON=Benchmarks/.venv/bin/python
    "$PYTHON" -c "$modules" 2>/dev/null || "$PYTHON" -m pip install --quiet torch onnx onnxruntime openvino h5py numpy
fi

Scripts/setup.sh
swift build -c release
P=.build/release/pzconv

echo "== weights, inputs and PyTorch reference outputs"
# shellcheck disable=SC2086
"$PYTHON" Benchmarks/make_models.py --bench "$SHARED_BENCH" --work "$WORK" --threads "$THREADS" $NETS

echo "== machine peak (FMA micro-kernel)"
$P bench --peak --threads "$THREADS" --json > "$WORK/peak.before.json"
cat "$WORK/peak.before.json"

bench() {  # bench MODEL OUT.json
    $P bench "$1" --warmup "$WARMUP" --iterations "$ITERATIONS" --threads "$THREADS" --layers --json > "$2"
    "$PYTHON" -c "import json,sys; r=json.load(open(sys.argv[1])); print('  %s: median %.4f s, min %.4f s' % (sys.argv[1], r['median_seconds'], r['min_seconds']))" "$2"
}

for net in $NETS; do
    echo "== $net"
    prefix="$WORK/$net"
    $P import "Benchmarks/nets/$net.prototxt" --weights "$prefix.caffemodel.h5" -o "$prefix.pzir"
    $P optimize "$prefix.pzir" -o "$prefix.opt.pzir" > "$prefix.optimize.txt"
    tail -1 "$prefix.optimize.txt"
    $P export "$prefix.opt.pzir" -o "$prefix.s16.pz" --simd 16
    $P export "$prefix.opt.pzir" -o "$prefix.s8.pz" --simd 8
    $P export "$prefix.opt.pzir" -o "$prefix.direct.pz" --simd 16 --no-winograd
    $P export "$prefix.opt.pzir" -o "$prefix.direct8.pz" --simd 8 --no-winograd
    $P export "$prefix.pzir" -o "$prefix.unfused.pz" --simd 16 --no-passes
    $P export "$prefix.opt.pzir" -o "$prefix.auto.pz" | head -1
    $P inspect "$prefix.s16.pz" --json > "$prefix.inspect.json"
    $P inspect "$prefix.direct.pz" --json > "$prefix.direct.inspect.json"
    $P run "$prefix.s16.pz" "$prefix.input.npy" -o "$prefix.pzconv.npy" --threads "$THREADS" > /dev/null

    bench "$prefix.s16.pz" "$prefix.s16.json"
    bench "$prefix.s8.pz" "$prefix.s8.json"
    bench "$prefix.direct.pz" "$prefix.direct.json"
    bench "$prefix.direct8.pz" "$prefix.direct8.json"
    bench "$prefix.unfused.pz" "$prefix.unfused.json"
    echo "  peers (PyTorch, ONNX Runtime, OpenVINO):"
    "$PYTHON" "$SHARED_BENCH/peers_bench.py" "Benchmarks/nets/$net.prototxt" --threads "$THREADS" \
        --iters "$PEER_ITERATIONS" --warmup "$PEER_WARMUP" --onnx "$prefix.onnx" | tee "$prefix.peers.txt"
    bench "$prefix.s16.pz" "$prefix.s16.after.json"
done

$P bench --peak --threads "$THREADS" --json > "$WORK/peak.after.json"
# shellcheck disable=SC2086
"$PYTHON" Benchmarks/report.py --work "$WORK" --threads "$THREADS" --warmup "$WARMUP" --iterations "$ITERATIONS" \
    --peer-warmup "$PEER_WARMUP" --peer-iterations "$PEER_ITERATIONS" $NETS | tee Benchmarks/results/latest.md
