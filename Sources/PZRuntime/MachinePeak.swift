import PZPack

/// The machine's FMA peak as pzconv's own code reaches it: the FMA micro-kernel of
/// the kernel build for one instruction set (`bench --peak`; the benchmarks state
/// convolution speed as a share of it).
public enum MachinePeak {
    /// FLOP/s on `threads` threads at `lanes` (default: 16 for AVX-512, 8 for
    /// AVX2, the widths their registers hold), median of `repeats` timed runs.
    public static func measure(_ instructionSet: InstructionSet, threads: Int, lanes: Int? = nil, repeats: Int = 5) -> Double {
        let lanes = lanes ?? (instructionSet == .avx512 ? 16 : 8)
        return PackedModel.library(for: instructionSet).peakFLOPs(threads: threads, lanes: lanes, repeats: repeats)
    }

    /// One register tile's FLOP/s on one thread (see `KernelLibrary.tileFLOPs`).
    public static func tile(_ instructionSet: InstructionSet, lanes: Int, blocks: Int, width: Int, halfLast: Bool) -> Double? {
        PackedModel.library(for: instructionSet).tileFLOPs(lanes: lanes, blocks: blocks, width: width, halfLast: halfLast)
    }

    /// The widest tile the build for `instructionSet` uses.
    public static func maximumTileWidth(_ instructionSet: InstructionSet, lanes: Int, blocks: Int, halfLast: Bool) -> Int {
        PackedModel.library(for: instructionSet).maximumTileWidth(lanes: lanes, blocks: blocks, halfLast: halfLast)
    }
}
