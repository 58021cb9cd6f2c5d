import PZGraph
import PZTestSupport
import Testing

/// One deconvolution: input → deconvolution (with its epilogue) → output.
struct DeconvolutionCase: CustomTestStringConvertible, Sendable {
    var name: String
    var input: [Int]
    var parameters: ConvolutionParameters
    var base = false

    var testDescription: String { name }

    func graph() throws -> Graph {
        var builder = GraphBuilder(seed: 11)
        let x = builder.input("x", shape: input)
        var inputs = [x]
        if base {
            var unfused = parameters
            unfused.epilogue = ConvolutionEpilogue()
            var probe = GraphBuilder()
            let p = probe.input("p", shape: input)
            let y = probe.add("d", .deconvolution(unfused), inputs: [p],
                              weights: [.weight: Tensor(zeros: [input[1], parameters.outputChannels] + parameters.kernel)])
            probe.output(y)
            inputs.append(builder.input("base", shape: try probe.graph.inferShapes()[y]!))
        }
        let weights: [WeightRole: Tensor] = [
            .weight: builder.randomTensor([input[1], parameters.outputChannels / parameters.groups] + parameters.kernel),
            .bias: builder.randomTensor([parameters.outputChannels], in: -0.5...0.5),
        ]
        let y = builder.add("deconv", .deconvolution(parameters), inputs: inputs, weights: weights)
        builder.output(y)
        return builder.graph
    }
}

private func deconvolution(_ name: String, input: [Int], outputs: Int, kernel: [Int], stride: [Int]? = nil,
                           padBegin: [Int] = [0, 0, 0], padEnd: [Int] = [0, 0, 0], groups: Int = 1, base: Bool = false,
                           activation: Activation? = nil, outputPad: ([Int], [Int]) = ([0, 0, 0], [0, 0, 0])) -> DeconvolutionCase {
    DeconvolutionCase(name: name, input: input,
                      parameters: ConvolutionParameters(outputChannels: outputs, kernel: kernel, stride: stride ?? kernel,
                                                        padBegin: padBegin, padEnd: padEnd, groups: groups,
                                                        epilogue: ConvolutionEpilogue(activation: activation,
                                                                                      outputPadBegin: outputPad.0,
                                                                                      outputPadEnd: outputPad.1)),
                      base: base)
}

let deconvolutionCases: [DeconvolutionCase] = [
    deconvolution("1×2×2 U-Net up-sampling 36→28", input: [1, 36, 2, 5, 13], outputs: 28, kernel: [1, 2, 2]),
    deconvolution("1×2×2 48→36 (half tiles)", input: [1, 48, 2, 4, 9], outputs: 36, kernel: [1, 2, 2]),
    deconvolution("2×2×2, channels below S", input: [1, 3, 3, 4, 7], outputs: 5, kernel: [2, 2, 2]),
    deconvolution("1×3×3 stride 1×3×3, 17→20", input: [1, 17, 2, 3, 5], outputs: 20, kernel: [1, 3, 3]),
    deconvolution("trimmed (Keras 'same' style)", input: [1, 8, 2, 4, 6], outputs: 8, kernel: [2, 2, 2],
                  padBegin: [1, 0, 1], padEnd: [0, 1, 1]),
    deconvolution("extended (Keras output_padding): bias only", input: [1, 8, 2, 3, 5], outputs: 6, kernel: [1, 2, 2],
                  padBegin: [0, 0, 0], padEnd: [0, -1, -2]),
    deconvolution("base, ELU, padded output", input: [1, 12, 2, 3, 7], outputs: 12, kernel: [1, 2, 2], base: true,
                  activation: .elu(alpha: 1), outputPad: ([0, 1, 1], [0, 1, 1])),
    deconvolution("overlapping kernel 3, stride 2 (reference kernel)", input: [1, 4, 2, 3, 5], outputs: 6, kernel: [3, 3, 3],
                  stride: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    deconvolution("groups (reference kernel)", input: [1, 4, 2, 3, 5], outputs: 6, kernel: [1, 2, 2], groups: 2),
]

@Suite struct DeconvolutionKernelTests {
    @Test(arguments: deconvolutionCases) func matchesReference(_ testCase: DeconvolutionCase) throws {
        try PackedRun.expectMatchesReference(try testCase.graph())
    }
}
