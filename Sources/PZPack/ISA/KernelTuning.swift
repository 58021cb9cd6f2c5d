import PZGraph

/// The planning choices that depend on the instruction set, from measurements
/// (see README, "Tuning per instruction set"): the SIMD
/// width S, how many output blocks one register tile covers, and from how many
/// input channels a Kd×3×3 convolution runs on Winograd. The register tile
/// widths themselves are part of each kernel build (Scripts/generate-kernels.py).
public struct KernelTuning: Sendable {
    /// S = 16 is chosen when its padded work is at most `sixteenLaneAdvantage`
    /// times S = 8's; 0 never chooses 16.
    public var sixteenLaneAdvantage: Double
    /// Output blocks per chunk (one register tile's OCB): at most this many.
    public var maximumChunkBlocks: Int
    /// A convolution that fits Winograd (`ConvolutionParameters.fitsWinograd`) runs
    /// on it from this many input channels; below, its transforms cost more than they save.
    public var winogradMinimumInputChannels: Int
    /// Outputs per tile along H and W for 3×3 kernels: 2 (F(2×2, 3×3)) or 4
    /// (F(4×4, 3×3), fewer products, more transform work and rounding).
    public var winogradOutputsFor3x3: Int

    public static func of(_ isa: InstructionSet) -> KernelTuning {
        switch isa {
        case .avx512:
            // Measured on AMD EPYC Zen 4 (AVX-512F), 2 threads: per convolution layer of the
            // three paper U-Nets, 16-lane tiles ran a median 1.05–1.12x as fast as 8-lane ones
            // with Winograd and 1.11–1.19x with direct convolution; the smallest median is used.
            // F(4×4, 3×3) against F(2×2, 3×3), same machine: the residual U-Net 0.68 s against 0.92 s.
            KernelTuning(sixteenLaneAdvantage: 1.05, maximumChunkBlocks: 4, winogradMinimumInputChannels: 8, winogradOutputsFor3x3: 4)
        case .avx2:
            // 16 lanes would be emulated on pairs of 256-bit registers, halving the tiles that
            // fit the 16 registers: AVX2 plans always use S = 8. Tiles of 4 output blocks fit
            // only 2 positions: `bench --tiles --isa avx2` (the AVX2 build on AMD Zen 4) timed
            // them at 72 GFLOP/s against 95 for 2 blocks × 6 and 88 for 3 × 4, so chunks
            // have at most 3 blocks. F(4×4, 3×3) against F(2×2, 3×3) on AMD EPYC Zen 3 (AVX2, no
            // AVX-512), 2 threads, medians of 5: residual U-Net 0.77 s against 1.16 s, 2-D U-Net
            // 0.83 against 1.35, Keras 3-D U-Net 0.31 against 0.47, 3-D DenseNet 0.40 against 0.46.
            KernelTuning(sixteenLaneAdvantage: 0, maximumChunkBlocks: 3, winogradMinimumInputChannels: 8, winogradOutputsFor3x3: 4)
        }
    }

    /// The SIMD width for `graph`: 16 unless S = 8 saves more padded work than
    /// 16-lane tiles gain. Input channels past the real count are skipped by the
    /// kernels at both widths; output channels are padded to whole blocks, except
    /// that at S = 16 a last block of at most 8 channels runs on half tiles
    /// (8-lane accumulators), so it costs what S = 8 pads to.
    public func lanes(for graph: Graph) -> Int {
        guard sixteenLaneAdvantage > 0 else { return 8 }
        guard let shapes = try? graph.inferShapes() else { return 16 }
        func paddedWork(_ lanes: Int) -> Double {
            var total = 0.0
            for node in graph.nodes {
                guard let parameters = node.op.convolutionParameters, let input = shapes[node.inputs[0]],
                      let output = shapes[node.outputs[0]] else { continue }
                let blocks = (output[1] + lanes - 1) / lanes
                let last = output[1] - (blocks - 1) * lanes
                let paddedOutputs = blocks * lanes - (lanes == 16 && last <= 8 ? 8 : 0)
                total += Double(paddedOutputs * input[1] / parameters.groups) * Double(output[2...].reduce(1, *))
                    * Double(parameters.kernel.reduce(1, *))
            }
            return total
        }
        return paddedWork(16) <= paddedWork(8) * sixteenLaneAdvantage ? 16 : 8
    }
}
