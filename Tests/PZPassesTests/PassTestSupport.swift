import PZGraph
import PZPasses
import PZReference
import PZTestSupport
import Testing

/// Applies `pass`, checks the result is a valid graph that computes the same
/// outputs on random patches (within `tolerance`), and returns it.
@discardableResult
func applyAndCompare(_ pass: any GraphPass, to graph: Graph, tolerance: Float = 1e-5,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> PassResult {
    let result = try pass.apply(to: graph)
    try result.graph.validate()
    for patch in VerificationPatch.random(for: graph, count: 2, seed: 7) {
        let before = try ReferenceExecutor(graph: graph).run(inputs: patch.inputs)
        let after = try ReferenceExecutor(graph: result.graph).run(inputs: patch.inputs)
        for output in graph.outputNames {
            let difference = maxAbsoluteDifference(after[output]!.values, before[output]!.values)
            #expect(difference <= tolerance, "\(output) moved by \(difference)", sourceLocation: sourceLocation)
        }
    }
    return result
}

func count(_ graph: Graph, _ typeName: String) -> Int { graph.nodes.filter { $0.op.typeName == typeName }.count }

extension GraphBuilder {
    /// A BatchNorm with random statistics.
    mutating func batchNorm(_ name: String, _ input: String, channels: Int) -> String {
        add(name, .batchNorm(BatchNormParameters(epsilon: 1e-3)), inputs: [input],
            weights: [.mean: randomTensor([channels]), .variance: randomTensor([channels], in: 0.5...2),
                      .scale: randomTensor([channels], in: 0.5...1.5), .bias: randomTensor([channels])])
    }

    mutating func scaleLayer(_ name: String, _ input: String, channels: Int) -> String {
        add(name, .scale(ScaleParameters()), inputs: [input], weights: [.scale: randomTensor([channels], in: 0.5...1.5),
                                                       .bias: randomTensor([channels])])
    }
}

/// 1×3×3 (padded) convolution parameters.
func same(_ channels: Int, kernel: [Int] = [1, 3, 3]) -> ConvolutionParameters {
    ConvolutionParameters(outputChannels: channels, kernel: kernel, padBegin: kernel.map { $0 / 2 },
                          padEnd: kernel.map { $0 / 2 })
}
