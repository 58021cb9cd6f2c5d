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
}
