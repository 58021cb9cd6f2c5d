#!/usr/bin/env bash
# Checks the machine code the compiler generated for the fast executor's kernels
# (release build), in both kernel builds:
# - PZKernelsAVX512: every generated convolution tile keeps its accumulators in
#   vector registers: it has vector FMAs (vfmadd…ps on zmm for S = 16, ymm only
#   for S = 8) and no vector register spilled to or reloaded from the stack in
#   its hot loop (the innermost backward jump around FMAs; setup outside it may
#   use the stack);
# - PZKernelsAVX2: no zmm anywhere, and every tile of a width the AVX2 build
#   uses (its table in Generated/ConvolutionTiles.swift) has vector FMAs and no
#   vector spill, except S = 16 tiles of 4 blocks (8 accumulator halves and 8
#   weight halves cannot fit 16 registers; AVX2 plans use S = 8);
# - no kernel calls the standard library's generic pointwiseMin/pointwiseMax
#   (which compile to scalar loops or calls; see Sources/PZKernels/VectorMath.swift).
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

# The AVX2 build's widths: "8 0 12 6 4 2" for S = 8, "16 …" and "16h …" for full and half 16-lane tiles.
tables=$(awk '/^    #else/ { on = 1; next } /^    #endif/ { on = 0 } on && /widths8/ {
        gsub(/[\[\],=]/, " "); for (i = 1; i <= NF; i++) { if ($i == "widths8") { k = "8" } else if ($i == "widths16") { k = "16" }
        else if ($i == "widths16Half") { k = "16h" } else if ($i ~ /^[0-9]+$/) { t[k] = t[k] " " $i } }
        print "8" t["8"]; print "16" t["16"]; print "16h" t["16h"] }' Sources/PZKernels/Generated/ConvolutionTiles.swift)

objdump -d --no-show-raw-insn "$binary" | TABLES="$tables" awk '
    BEGIN {
        n = split(ENVIRON["TABLES"], lines, "\n")
        for (i = 1; i <= n; i++) { m = split(lines[i], f, " "); for (j = 2; j <= m; j++) avx2[f[1], j - 2] = f[j] }
    }
    function hex(digits,   i, value) {
        value = 0
        for (i = 1; i <= length(digits); i++) value = value * 16 + index("0123456789abcdef", substr(digits, i, 1)) - 1
        return value
    }
    # The tile just read: its hot loop is the innermost backward jump whose body has FMAs;
    # a vector stack access there is a spilled accumulator (setup and stores may use the stack).
    function finish(   i, j, lo, hi, best, count, size) {
        if (current == "") return
        best = -1
        for (i = 1; i <= count_; i++) {
            if (target[i] == "" || hex(target[i]) >= hex(address[i])) continue
            lo = hex(target[i]); hi = hex(address[i]); count = 0
            for (j = 1; j <= count_; j++) { a = hex(address[j]); if (a >= lo && a <= hi && text[j] ~ /vfmadd[0-9]+ps/) count++ }
            if (count > 0 && (best < 0 || hi - lo < size)) { best = i; size = hi - lo; blo = lo; bhi = hi }
        }
        for (j = 1; j <= count_; j++) {
            a = hex(address[j])
            if (text[j] ~ /vfmadd[0-9]+ps/) fma[current]++
            if (text[j] ~ /vfmadd[0-9]+ps.*zmm/) wide[current]++
            if (best >= 0 && a >= blo && a <= bhi && text[j] ~ /[xyz]mm[0-9]+.*\(%rsp\)|\(%rsp\).*[xyz]mm[0-9]+/) spills[current]++
        }
        if (best < 0) spills[current] = -1
        current = ""; count_ = 0
    }
    /^[0-9a-f]+ <.*ConvolutionTiles.*tile_s(8|16)_ocb[0-9]h?_rw[0-9]+_(unit|strided)/ {
        finish()
        build = ($2 ~ /PZKernelsAVX512/) ? "avx512" : "avx2"
        name = $2; sub(/^<.*ConvolutionTilesO[0-9]+/, "", name); sub(/yy.*$/, "", name)
        current = build " " name; fma[current] = 0; wide[current] = 0; spills[current] = 0; count_ = 0; next
    }
    /^[0-9a-f]+ </ { finish(); next }
    current != "" && /^ *[0-9a-f]+:/ {
        count_++; address[count_] = $1; sub(/:$/, "", address[count_]); text[count_] = $0; target[count_] = ""
        if ($2 ~ /^j/ && $3 ~ /^[0-9a-f]+$/) target[count_] = $3
    }
    END {
        finish()
        bad = 0; count["avx512"] = 0; count["avx2"] = 0
        for (tile in fma) {
            split(tile, parts, " "); build = parts[1]; name = parts[2]
            if (build == "avx512") {
                count["avx512"]++
                # S = 16 tiles use 512-bit FMAs (except 1-block half tiles, all 256-bit); S = 8 tiles never do.
                expectWide = (name ~ /^tile_s16/ && name !~ /^tile_s16_ocb1h/)
                ok = fma[tile] > 0 && spills[tile] == 0 && (expectWide ? wide[tile] > 0 : wide[tile] == 0)
            } else {
                match(name, /s[0-9]+_ocb[0-9]h?_rw[0-9]+/); key = substr(name, RSTART + 1, RLENGTH - 1)
                split(key, k, /_ocb|_rw/); lanes = k[1]; blocks = k[2]; rw = k[3] + 0
                family = lanes (blocks ~ /h/ ? "h" : ""); sub(/h/, "", blocks)
                limit = avx2[family, blocks + 0]; if (name ~ /strided/ && limit > 4) limit = 4
                if (rw > limit) continue
                count["avx2"]++
                ok = fma[tile] > 0 && wide[tile] == 0 && (spills[tile] == 0 || (lanes == 16 && blocks + 0 == 4))
            }
            if (!ok) { printf "FAIL %s: %d FMAs (%d on zmm), %d vector stack accesses in the FMA loop (-1: no loop found)\n", tile, fma[tile], wide[tile], spills[tile]; bad = 1 }
        }
        printf "%d AVX-512 and %d AVX2 convolution tiles checked (tiles with identical code are merged by the compiler): vector FMAs of the right width, accumulators kept in registers\n", count["avx512"], count["avx2"]
        if (count["avx512"] == 0 || count["avx2"] == 0) { print "FAIL: convolution tiles of a build are missing from the binary"; bad = 1 }
        exit bad
    }' || status=1

# One tile in full, for the reader: the inner loop of the S = 16, 2-block, 12-position tile.
symbol=$(nm "$binary" | grep -o '\S*PZKernelsAVX512\S*tile_s16_ocb2_rw12_unit\S*' | head -1)
echo "inner loop of $symbol: instruction mix"
objdump -d --no-show-raw-insn "$binary" --disassemble="$symbol" | awk '$2 ~ /^v/ {print $2}' | sort | uniq -c | sort -rn | head -6
exit $status
