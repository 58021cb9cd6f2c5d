import PZGraph

/// The default SIMD width, chosen per model from the work each width spends on
/// padded channels. Input channels past the real count are skipped by the
/// kernels at both widths; output channels are padded to whole blocks, except
/// that at S = 16 a last block of at most 8 channels runs on half tiles (8-lane
/// accumulators), so it costs what S = 8 pads to. 16 wins unless 8 saves more
/// than the measured advantage of 16-lane tiles.
public enum LaneChoice {
    /// Measured by Benchmarks/run.sh (results/latest.md, "S = 16 vs S = 8" lines):
    /// per convolution layer of the three benchmark U-Nets, 16-lane tiles ran a
    /// median 1.05–1.12x as fast as 8-lane ones with Winograd and 1.11–1.19x with
    /// direct convolution (AMD Zen 4, 2 threads); the smallest median is used. A
    /// machine without AVX-512 may differ: export with --simd there.
    public static let sixteenLaneAdvantage = 1.05

    public static func automatic(for graph: Graph) -> Int {
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
