#!/usr/bin/env python3
"""Generates the convolution register tiles of the fast executor.

    Scripts/generate-kernels.py   (writes Sources/PZKernels/Generated/ConvolutionTiles.swift)

A tile accumulates RW output positions (along W) x OCB output-channel blocks of S
lanes, over every input channel and every kernel tap of a tap list, keeping all
RW x OCB accumulators in vector registers (S = 16: zmm, S = 8: ymm; 32 registers
with AVX-512). The loop body is fully unrolled here, because that is what makes
the compiler keep the accumulators in registers: per input channel, OCB weight
vectors are loaded, each input value is broadcast once and feeds OCB FMAs.

Layouts (floats):
- input: blocked, block b of S channels at x + b * xBlockStride; within a block,
  position p at p * S + channel. Tap t adds taps[t]; output position j of the tile
  reads input position j * xStep (unit-stride tiles: xStep = S, fixed).
- weights: for one chunk of OCB output blocks, per input block, per tap, per
  input channel c, OCB vectors of S output channels: w + b * wBlockStride +
  tapWeights[t] + c * OCB * S + ob * S.
- result: the tile's accumulators, tile[(j * OCB + ob) * S + lane].

Input channels past `lastC` in the last block are skipped (blocks may be padded).

Half tiles (S = 16 only): the last of the OCB output blocks holds at most 8
channels (36 = 16 + 16 + 4), so its accumulators are SIMD8 (ymm) reading the
low half of its packed weight vectors, and its high 8 result lanes are stored as
zeros. Where a 256-bit FMA costs half a 512-bit one (AMD Zen 4), this removes
most of the padded work of such layers without changing the layout.

Every tile is compiled into both kernel builds (PZKernelsAVX2, PZKernelsAVX512);
each build uses only the widths that keep its accumulators, weight vectors and
the broadcast input in its registers (`maximumWidth`, chosen by
`#if PZCONV_AVX512`): AVX-512 has 32 vector registers, AVX2 16 of 256 bits, so
a 16-lane vector there takes two. Tables are per (ISA, S, half, OCB); the widths
were checked for spills with Scripts/check-kernels.sh and timed with
`pzconv bench --tiles` (see README, "Tuning per instruction set").
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Sources", "PZKernels", "Generated", "ConvolutionTiles.swift")

WIDTHS = (8, 16)
# AVX-512, S = 8 and 16: RW x OCB accumulators, <= 24 of the 32 vector registers.
MAX_RW = {1: 16, 2: 12, 3: 8, 4: 6}
# Half tiles at the full widths of 3 and 4 blocks spilled accumulators to the stack
# (checked in the disassembly: the ymm/zmm mix costs the allocator a register).
MAX_RW_HALF = {1: 16, 2: 12, 3: 7, 4: 5}
MAX_RW_STRIDED = 4                    # strided convolutions are rare: small tiles only
# AVX2 (16 ymm registers): RW x OCB accumulators + OCB weight vectors + 1 broadcast
# must fit, counting a 16-lane vector as two registers and a half block as one.
# Timed with `pzconv bench --tiles --isa avx2` (AMD EPYC Zen 4 running the AVX2
# build, 1 thread, FMA peak 111 GFLOP/s): S = 8 reached 95 GFLOP/s at 2 blocks
# x 6, 88 at 3 x 4, 72 at 4 x 2 (so AVX2 chunks have at most 3 blocks, see
# KernelTuning), 70-78 at 1 x 8-9; wider 1-block tiles spilled and varied (the
# 1-block half tiles too: Scripts/check-kernels.sh found spills in the FMA loop
# from 10 positions, so they stop at 9 like the S = 8 tiles they equal).
AVX2_MAX_RW = {
    (8, False): {1: 9, 2: 6, 3: 4, 4: 2},
    (16, False): {1: 6, 2: 2, 3: 1, 4: 1},
    (16, True): {1: 9, 2: 4, 3: 2, 4: 1},
}


def tile(s, ocb, rw, strided, half=False):
    v = f"SIMD{s}<Float>"
    def vector(o):
        return f"SIMD{s // 2}<Float>" if half and o == ocb - 1 else v
    name = f"tile_s{s}_ocb{ocb}{'h' if half else ''}_rw{rw}_{'strided' if strided else 'unit'}"
    lines = [f"    static func {name}(_ a: TileArguments) {{"]
    for j in range(rw):
        for o in range(ocb):
            lines.append(f"        var a{j}_{o} = {vector(o)}()")
    if strided:
        lines.append("        let xs = a.xStep")
    # One loop over (input block, tap) pairs around the channel loop: with two
    # nested outer loops the accumulators' phi webs made the register allocator
    # spill inside the channel loop on AVX2 (16 registers).
    lines += [
        "        var b = 0, t = 0",
        "        for _ in 0..<(a.blocks * a.tapCount) {",
        f"            let channels = b == a.blocks - 1 ? a.lastChannels : {s}",
        "            let xp = a.input + b * a.xBlockStride + a.taps[t]",
        "            var wp = a.weights + b * a.wBlockStride + a.tapWeights[t]",
        "            t += 1",
        "            if t == a.tapCount { t = 0; b += 1 }",
        "            do {",
        "                for c in 0..<channels {",
    ]
    for o in range(ocb):
        lines.append(f"                    let w{o} = UnsafeRawPointer(wp + {o * s}).load(as: {vector(o)}.self)")
    for j in range(rw):
        offset = f"{j} * xs + c" if strided else f"{j * s} + c"
        if not (half and ocb == 1):
            lines.append(f"                    let x{j} = {v}(repeating: xp[{offset}])")
        if half:
            lines.append(f"                    let y{j} = {vector(ocb - 1)}(repeating: xp[{offset}])")
        for o in range(ocb):
            x = f"y{j}" if half and o == ocb - 1 else f"x{j}"
            lines.append(f"                    a{j}_{o} = a{j}_{o}.addingProduct({x}, w{o})")
    lines += [
        f"                    wp += {ocb * s}",
        "                }",
        "            }",
        "        }",
        "        let r = UnsafeMutableRawPointer(a.tile)",
    ]
    for j in range(rw):
        for o in range(ocb):
            lines.append(f"        r.storeBytes(of: a{j}_{o}, toByteOffset: {(j * ocb + o) * s * 4}, as: {vector(o)}.self)")
        if half:
            lines.append(f"        r.storeBytes(of: {vector(ocb - 1)}(), toByteOffset: {((j * ocb + ocb - 1) * s + s // 2) * 4}, "
                         f"as: {vector(ocb - 1)}.self)")
    lines.append("    }")
    return name, lines


def main():
    body = []
    table = {}
    for s in WIDTHS:
        for half in ((False, True) if s == 16 else (False,)):
            for ocb in range(1, 5):
                for strided in (False, True):
                    limit = MAX_RW_STRIDED if strided else (MAX_RW_HALF if half else MAX_RW)[ocb]
                    for rw in range(1, limit + 1):
                        name, lines = tile(s, ocb, rw, strided, half)
                        body += lines + [""]
                        table[(s, ocb, rw, strided, half)] = name
    def row(widths):
        return "[0, " + ", ".join(str(widths[o]) for o in range(1, 5)) + "]"
    out = [
        "// Generated by Scripts/generate-kernels.py. Do not edit; run the script instead.",
        "// swiftlint:disable all",
        "",
        "/// The convolution register tiles (see Scripts/generate-kernels.py for the layouts).",
        "enum ConvolutionTiles {",
        "    #if PZCONV_AVX512",
        "    private static let widths8 = " + row(MAX_RW) + ", widths16 = " + row(MAX_RW) + ", widths16Half = " + row(MAX_RW_HALF),
        "    #else",
        "    private static let widths8 = " + row(AVX2_MAX_RW[(8, False)]) + ", widths16 = " + row(AVX2_MAX_RW[(16, False)])
        + ", widths16Half = " + row(AVX2_MAX_RW[(16, True)]),
        "    #endif",
        "",
        "    /// The largest tile width (output positions) this build uses for S lanes and",
        "    /// OCB output blocks (the last one half when `halfLast`), unit-stride or strided.",
        "    static func maximumWidth(lanes: Int, outputBlocks: Int, halfLast: Bool = false, unitStride: Bool = true) -> Int {",
        "        let width = (lanes == 8 ? widths8 : halfLast ? widths16Half : widths16)[outputBlocks]",
        f"        return unitStride ? width : min({MAX_RW_STRIDED}, width)",
        "    }",
        "",
        "    /// The tile for S lanes, OCB output blocks (the last one half when `halfLast`),",
        "    /// RW positions; nil when none was generated (half tiles exist for S = 16 only).",
        "    static func tile(lanes: Int, outputBlocks: Int, width: Int, unitStride: Bool,",
        "                     halfLast: Bool = false) -> ((TileArguments) -> Void)? {",
        "        switch (lanes, outputBlocks, width, unitStride, halfLast) {",
    ]
    for (s, ocb, rw, strided, half), name in table.items():
        out.append(f"        case ({s}, {ocb}, {rw}, {'false' if strided else 'true'}, {'true' if half else 'false'}): return {name}")
    out += ["        default: return nil", "        }", "    }", ""]
    out += body
    out.append("}")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {OUT}: {len(table)} tiles")


if __name__ == "__main__":
    main()
