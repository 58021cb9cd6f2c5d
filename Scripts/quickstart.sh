#!/usr/bin/env bash
# Sets up what is missing, builds pzconv (release, kernels for this CPU), and runs
# the main job on a bundled model: a 3-D residual block trained and run by real
# BVLC Caffe (Fixtures/caffe/residual_block3d) is imported, optimized with every
# fusion verified against Caffe's own output, exported to a packed .pz, checked on
# the fast executor against Caffe's output, run on Caffe's input patch, and timed.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release
pzconv="$(swift build -c release --show-bin-path)/pzconv"
work=.build/quickstart
mkdir -p "$work"
fixture=Fixtures/caffe/residual_block3d
golden=Golden/caffe/residual_block3d

echo "== import"
"$pzconv" import "$fixture/net.prototxt" --weights "$fixture/net.caffemodel" -o "$work/residual_block3d.pzir"
echo "== optimize: PZnet fusions, each verified against the unfused net and Caffe's output"
"$pzconv" optimize "$work/residual_block3d.pzir" -o "$work/residual_block3d.opt.pzir" --golden "$golden" --tolerance 1e-4
echo "== export: blocked weights and execution plan"
"$pzconv" export "$work/residual_block3d.opt.pzir" -o "$work/residual_block3d.pz"
"$pzconv" inspect "$work/residual_block3d.pz"
echo "== export to ONNX (for ONNX Runtime, OpenVINO, …), and import it back"
"$pzconv" export "$work/residual_block3d.pzir" -o "$work/residual_block3d.onnx"
"$pzconv" import "$work/residual_block3d.onnx" -o "$work/residual_block3d.from-onnx.pzir"
echo "== verify: passes and the packed model on the fast executor (S = 16 and 8) against Caffe's output"
"$pzconv" verify "$work/residual_block3d.pzir" --golden "$golden" --tolerance 1e-4
echo "== run the packed model on Caffe's input patch"
"$pzconv" run "$work/residual_block3d.pz" "$golden/input.npy" -o "$work/output.npy"
"$pzconv" run "$work/residual_block3d.pz" "$golden/input.npy"
echo "== bench"
"$pzconv" bench "$work/residual_block3d.pz" --warmup 10 --iterations 60
