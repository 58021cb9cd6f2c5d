#!/usr/bin/env bash
# Times pzconv against PyTorch, ONNX Runtime and OpenVINO on the benchmark zoo,
# same weights, same thread count, in one run, and writes the report to
# Benchmarks/results/latest.md. Not part of swift test.
#
# The zoo (NETS names any of them):
#   residual_unet3d symmetric_unet3d original_unet3d  the PZnet paper's 3-D U-Nets (unet_prototxt.py)
#   dsn3d densevoxnet vnet unet2d                     published nets as Caffe prototxts (zoo_prototxt.py)
#   keras_unet3d                                      a channels_last Keras 3-D U-Net (keras_unet3d.py)
#
#   Benchmarks/run.sh                          # all eight, 2 threads
#   NETS="residual_unet3d vnet" Benchmarks/run.sh
#
# A Caffe net is Benchmarks/nets/NAME.prototxt (weights, input and PyTorch
# output from make_models.py); a Keras net is a builder Benchmarks/NAME.py that
# writes model.h5, input.npy, output.npy (Keras' predict) and model.onnx into
# $WORK/NAME/. pzconv reads and writes a Keras channels_last model's patches in
# its own layout (NDHWC), as Keras does.
#
# Settings (environment): NETS, THREADS (2), WARMUP (3) and ITERATIONS (20) for
# pzconv bench, PEER_WARMUP (1) and PEER_ITERATIONS (5) for the peers,
# PYTHON (a python with torch, onnx, onnxruntime, openvino, h5py, numpy, and
# keras for a Keras net; else a venv is made in Benchmarks/.venv from PyPI),
# SHARED_BENCH (../shared/bench: caffe_torch.py and peers_bench.py), KERAS_BACKEND
# (torch), REBUILD (1: import and optimize again even where an optimized model is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
NETS=${NETS:-"residual_unet3d symmetric_unet3d original_unet3d dsn3d densevoxnet vnet unet2d keras_unet3d"}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-3}
ITERATIONS=${ITERATIONS:-20}
PEER_WARMUP=${PEER_WARMUP:-1}
PEER_ITERATIONS=${PEER_ITERATIONS:-5}
SHARED_BENCH=${SHARED_BENCH:-../shared/bench}
# Keras 3 runs on PyTorch here (the peers need torch anyway); tensorflow works too.
KERAS_BACKEND=${KERAS_BACKEND:-torch}
export SHARED_BENCH KERAS_BACKEND
WORK=Benchmarks/.work
mkdir -p "$WORK" Benchmarks/results

for file in caffe_torch.py peers_bench.py; do
    [ -f "$SHARED_BENCH/$file" ] || { echo "Benchmarks/run.sh: $SHARED_BENCH/$file not found (set SHARED_BENCH)" >&2; exit 1; }
done

caffe_nets=()
keras_nets=()
for net in $NETS; do
    if [ -f "Benchmarks/nets/$net.prototxt" ]; then
        caffe_nets+=("$net")
    elif [ -f "Benchmarks/$net.py" ]; then
        keras_nets+=("$net")
    else
        echo "Benchmarks/run.sh: no net '$net' (neither Benchmarks/nets/$net.prototxt nor Benchmarks/$net.py)" >&2
        exit 1
    fi
done

PYTHON=${PYTHON:-python3}
modules="import torch, onnx, onnxruntime, openvino, h5py, numpy"
packages="torch onnx onnxruntime openvino h5py numpy"
if [ ${#keras_nets[@]} -gt 0 ]; then
    modules="$modules, keras"
    packages="$packages keras"
fi
if ! "$PYTHON" -c "$modules" 2>/dev/null; then
    if [ ! -x Benchmarks/.venv/bin/python ]; then
        echo "== making Benchmarks/.venv ($packages from PyPI)"
        python3 -m venv Benchmarks/.venv
    fi
    PYTHON=Benchmarks/.venv/bin/python
    # shellcheck disable=SC2086
    "$PYTHON" -c "$modules" 2>/dev/null || "$PYTHON" -m pip install --quiet $packages
fi

Scripts/setup.sh
swift build -c release
P=.build/release/pzconv

echo "== weights, inputs and reference outputs (PyTorch for the Caffe nets, Keras' predict for the Keras nets)"
if [ ${#caffe_nets[@]} -gt 0 ]; then
    "$PYTHON" Benchmarks/make_models.py --bench "$SHARED_BENCH" --work "$WORK" --threads "$THREADS" "${caffe_nets[@]}"
fi
for net in ${keras_nets[@]+"${keras_nets[@]}"}; do
    if [ -f "$WORK/$net/output.npy" ] && [ -f "$WORK/$net/model.onnx" ]; then
        echo "$net: model, input and Keras output already in $WORK/$net"
    else
        "$PYTHON" "Benchmarks/$net.py" --work "$WORK/$net" --threads "$THREADS"
    fi
    cp "$WORK/$net/input.npy" "$WORK/$net.input.npy"
    cp "$WORK/$net/output.npy" "$WORK/$net.output.npy"
done

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
    if [ -f "Benchmarks/nets/$net.prototxt" ]; then
        source_model=("Benchmarks/nets/$net.prototxt" --weights "$prefix.caffemodel.h5")
        peer_model="Benchmarks/nets/$net.prototxt"
    else
        source_model=("$WORK/$net/model.h5")
        peer_model="$WORK/$net/model.onnx"
    fi
    # The verified optimization runs the reference executor (V-Net's takes about 15 minutes
    # on 2 cores): an optimized model newer than the net's sources is kept unless REBUILD=1.
    if [ "${REBUILD:-0}" = 1 ] || [ ! -f "$prefix.opt.pzir" ] || [ "${source_model[0]}" -nt "$prefix.opt.pzir" ]; then
        $P import "${source_model[@]}" -o "$prefix.pzir"
        $P optimize "$prefix.pzir" -o "$prefix.opt.pzir" > "$prefix.optimize.txt"
    fi
    tail -1 "$prefix.optimize.txt"
    $P export "$prefix.opt.pzir" -o "$prefix.s16.pz" --simd 16
    $P export "$prefix.opt.pzir" -o "$prefix.s8.pz" --simd 8
    $P export "$prefix.opt.pzir" -o "$prefix.direct.pz" --simd 16 --no-winograd
    $P export "$prefix.opt.pzir" -o "$prefix.direct8.pz" --simd 8 --no-winograd
    $P export "$prefix.pzir" -o "$prefix.unfused.pz" --simd 16 --no-passes
    $P export "$prefix.opt.pzir" -o "$prefix.auto.pz" | head -1
    $P inspect "$prefix.s16.pz" --json > "$prefix.inspect.json"
    for plan in direct s8 direct8 unfused; do
        $P inspect "$prefix.$plan.pz" --json > "$prefix.$plan.inspect.json"
    done
    # One -o per output, in the model's output order: NAME.pzconv.npy for a single
    # output, NAME.pzconv.I.npy (I = its index in inspect's outputs) for several.
    count=$("$PYTHON" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['outputs']))" "$prefix.inspect.json")
    outputs=()
    if [ "$count" -eq 1 ]; then
        outputs=(-o "$prefix.pzconv.npy")
    else
        for ((i = 0; i < count; i++)); do outputs+=(-o "$prefix.pzconv.$i.npy"); done
    fi
    $P run "$prefix.s16.pz" "$prefix.input.npy" "${outputs[@]}" --threads "$THREADS" > /dev/null

    bench "$prefix.s16.pz" "$prefix.s16.json"
    bench "$prefix.s8.pz" "$prefix.s8.json"
    bench "$prefix.direct.pz" "$prefix.direct.json"
    bench "$prefix.direct8.pz" "$prefix.direct8.json"
    bench "$prefix.unfused.pz" "$prefix.unfused.json"
    echo "  peers (PyTorch, ONNX Runtime, OpenVINO):"
    "$PYTHON" Benchmarks/peers_zoo.py "$peer_model" --bench "$SHARED_BENCH" --threads "$THREADS" \
        --iters "$PEER_ITERATIONS" --warmup "$PEER_WARMUP" --onnx "$prefix.onnx" | tee "$prefix.peers.txt"
    bench "$prefix.s16.pz" "$prefix.s16.after.json"
done

$P bench --peak --threads "$THREADS" --json > "$WORK/peak.after.json"
# shellcheck disable=SC2086
"$PYTHON" Benchmarks/report.py --work "$WORK" --threads "$THREADS" --warmup "$WARMUP" --iterations "$ITERATIONS" \
    --peer-warmup "$PEER_WARMUP" --peer-iterations "$PEER_ITERATIONS" $NETS | tee Benchmarks/results/latest.md
