#!/usr/bin/env bash
# Regenerates the protobuf-c code for pzconv's Caffe schema.
#   input:  Sources/CCaffeProto/proto/caffe.proto
#   output: Sources/CCaffeProto/caffe.pb-c.c, Sources/CCaffeProto/include/caffe.pb-c.h
# Needs protoc-c (Debian: protobuf-c-compiler). The output is committed so that
# building pzconv never needs the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
target=Sources/CCaffeProto
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
protoc-c --proto_path="$target/proto" --c_out="$tmp" "$target/proto/caffe.proto"
mv "$tmp/caffe.pb-c.c" "$target/caffe.pb-c.c"
mv "$tmp/caffe.pb-c.h" "$target/include/caffe.pb-c.h"
echo "generated $target/caffe.pb-c.c and $target/include/caffe.pb-c.h with $(protoc-c --version | head -1)"
