#!/usr/bin/env bash
# Regenerates the committed protobuf-c code of pzconv's two schemas:
#   Sources/CCaffeProto/proto/caffe.proto → Sources/CCaffeProto/caffe.pb-c.c, include/caffe.pb-c.h
#   Sources/CONNXProto/proto/onnx.proto   → Sources/CONNXProto/onnx.pb-c.c,   include/onnx.pb-c.h
# onnx.proto is the official schema, unchanged, from github.com/onnx/onnx (onnx/onnx.proto at
# commit f7546912001bc31e92a238b17068a21b373d882e, 2026-08-22).
# Needs protoc-c (Debian: protobuf-c-compiler). The output is committed so that
# building pzconv never needs the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pair in CCaffeProto:caffe CONNXProto:onnx; do
    target=Sources/${pair%%:*}
    schema=${pair##*:}
    protoc-c --proto_path="$target/proto" --c_out="$tmp" "$target/proto/$schema.proto"
    mv "$tmp/$schema.pb-c.c" "$target/$schema.pb-c.c"
    mv "$tmp/$schema.pb-c.h" "$target/include/$schema.pb-c.h"
    echo "generated $target/$schema.pb-c.c and $target/include/$schema.pb-c.h with $(protoc-c --version | head -1)"
done
