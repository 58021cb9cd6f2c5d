#!/usr/bin/env bash
# Checks the machine code the compiler generated for the fast executor's kernels
# (release build, the CPU it was built for):
# - every generated convolution tile keeps its accumulators in vector registers:
#   it has vector FMAs (vfmadd…ps on zmm for S = 16, ymm only for S = 8) and no
#   vector register spilled to or reloaded from the stack. On a CPU without
#   AVX-512 (PZCONV_TARGET_CPU=x86-64-v3) S = 16 tiles cannot use zmm: expect
#   failures there, the check is for AVX-512 builds;
# - no kernel calls the standard library's generic pointwiseMin/pointwiseMax
#   (which compile to scalar loops or calls; see Sources/PZRuntime/Support/VectorMath.swift).
# Prints one line per tile family and exits non-zero on any failure.
#
#   Scripts/check-kernels.sh [path/to/pzconv]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/release/pzconv}
[ -x "$binary" ] || { echo "check-kernels: $binary not found (swift build -c release first)" >&2; exit 1; }
command -v objdump > /dev/null || { echo "check-kernels: objdump not found (apt-get install binutils)" >&2; exit 1; }

status=0
if nm "$binary" | grep -q 'pointwiseM[ai][xn]'; then
    echo "FAIL: generic pointwiseMin/Max is compiled into the binary:"; nm "$binary" | grep 'pointwiseM[ai][xn]' | head
    status=1
fi

objdump -d --no-show-raw-insn "$binary" | awk '
    /^[0-9a-f]+ <.*ConvolutionTiles.*tile_s(8|16)_ocb[0-9]h?_rw[0-9]+_(unit|strided)/ {
        name = $2; sub(/^<.*ConvolutionTilesO[0-9]+/, "", name); sub(/yy.*$/, "", name)
        current = name; fma[current] = 0; wide[current] = 0; spills[current] = 0; next
    }
    /^[0-9a-f]+ </ { current = ""; next }
    current != "" && /vfmadd[0-9]+ps/ { fma[current]++ }
    current != "" && /vfmadd[0-9]+ps.*zmm/ { wide[current]++ }
    current != "" && /[xyz]mm[0-9]+.*\(%rsp\)|\(%rsp\).*[xyz]mm[0-9]+/ { spills[current]++ }
    END {
        bad = 0; count = 0
        for (tile in fma) {
            count++
            # S = 16 tiles use 512-bit FMAs (except 1-block half tiles, all 256-bit); S = 8 tiles never do.
            expectWide = (tile ~ /^tile_s16/ && tile !~ /^tile_s16_ocb1h/)
            if (fma[tile] == 0 || spills[tile] > 0 || (expectWide && wide[tile] == 0) || (!expectWide && wide[tile] > 0)) {
                printf "FAIL %s: %d FMAs (%d on zmm), %d vector stack accesses\n", tile, fma[tile], wide[tile], spills[tile]; bad = 1
            }
        }
        printf "%d convolution tiles checked (tiles with identical code are merged by the compiler): vector FMAs of the right width, accumulators kept in registers\n", count
        if (count == 0) { print "FAIL: no convolution tiles found in the binary"; bad = 1 }
        exit bad
    }' || status=1

# One tile in full, for the reader: the inner loop of the S = 16, 2-block, 12-position tile.
symbol=$(nm "$binary" | grep -o '\S*tile_s16_ocb2_rw12_unit\S*' | head -1)
echo "inner loop of $symbol: instruction mix"
objdump -d --no-show-raw-insn "$binary" --disassemble="$symbol" | awk '$2 ~ /^v/ {print $2}' | sort | uniq -c | sort -rn | head -6
exit $status
