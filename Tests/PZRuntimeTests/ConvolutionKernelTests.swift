import PZGraph
import PZTestSupport
import Testing

/// One convolution of the edge-case matrix: a graph input → convolution (with its
/// epilogue) → output, checked against the reference executor at S = 8 and 16.
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    var name: String
    var input: [Int]
    var parameters: ConvolutionParameters
    var bias = true
    /// An additive base (a second graph input of the result's shape), with
    /// per-channel base scales when `baseScale` is set.
    var base = false
    var baseScale = false

    var testDescription: String { name }

    func graph() throws -> Graph {
        var builder = GraphBuilder(seed: 3)
        let x = builder.input("x", shape: input)
        var baseName: String?
        if base {
            var probe = GraphBuilder()
            var unfused = parameters
            unfused.epilogue = ConvolutionEpilogue()
            let shape = try probe.shapeOfConvolution(input: input, unfused)
            baseName = builder.input("base", shape: shape)
        }
        let output = builder.convolution("conv", x, inputChannels: input[1], parameters, bias: bias, base: baseName)
        if baseScale {
            builder.nodes[builder.nodes.count - 1].weights[.baseScale] = builder.randomTensor([parameters.outputChannels], in: 0.5...1.5)
        }
        if parameters.epilogue.activation == .prelu {
            builder.nodes[builder.nodes.count - 1].weights[.slope] = builder.randomTensor([parameters.outputChannels], in: -0.5...0.5)
        }
        builder.output(output)
        return builder.graph
    }
}

extension GraphBuilder {
    /// The output shape of an unfused convolution of `input` (no weights needed).
    mutating func shapeOfConvolution(input: [Int], _ parameters: ConvolutionParameters) throws -> [Int] {
        let x = self.input("probe", shape: input)
        let y = convolution("probe_conv", x, inputChannels: input[1], parameters, bias: false)
        output(y)
        return try graph.inferShapes()[y]!
    }
}

private func convolution(_ name: String, input: [Int], outputs: Int, kernel: [Int], stride: [Int] = [1, 1, 1],
                         dilation: [Int] = [1, 1, 1], padBegin: [Int] = [0, 0, 0], padEnd: [Int] = [0, 0, 0],
                         groups: Int = 1, bias: Bool = true, base: Bool = false, baseScale: Bool = false,
                         activation: Activation? = nil, outputPad: ([Int], [Int]) = ([0, 0, 0], [0, 0, 0])) -> ConvolutionCase {
    ConvolutionCase(name: name, input: input,
                    parameters: ConvolutionParameters(outputChannels: outputs, kernel: kernel, stride: stride, dilation: dilation,
                                                      padBegin: padBegin, padEnd: padEnd, groups: groups,
                                                      epilogue: ConvolutionEpilogue(activation: activation, outputPadBegin: outputPad.0,
                                                                                    outputPadEnd: outputPad.1)),
                    bias: bias, base: base, baseScale: baseScale)
}

/// Channel counts below, equal to, above and not a multiple of S (8 and 16);
/// odd spatial sizes; W long enough for several register tiles and a remainder.
let channelCases: [ConvolutionCase] = [
    (1, 3), (3, 8), (8, 8), (16, 16), (5, 20), (17, 9), (36, 36), (28, 36), (33, 48),
].map { inputs, outputs in
    convolution("3×3×3 \(inputs)→\(outputs), pad 1", input: [1, inputs, 3, 5, 37], outputs: outputs, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1])
}

let geometryCases: [ConvolutionCase] = [
    convolution("1×3×3 valid", input: [1, 6, 3, 7, 23], outputs: 10, kernel: [1, 3, 3]),
    convolution("1×5×5 pad 2", input: [1, 4, 2, 9, 19], outputs: 12, kernel: [1, 5, 5], padBegin: [0, 2, 2], padEnd: [0, 2, 2]),
    convolution("1×1×1", input: [1, 20, 3, 4, 33], outputs: 3, kernel: [1, 1, 1]),
    convolution("stride 1×2×2", input: [1, 7, 3, 9, 21], outputs: 9, kernel: [3, 3, 3], stride: [1, 2, 2],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    convolution("stride 2×2×2 asymmetric 'same'", input: [1, 5, 6, 8, 18], outputs: 11, kernel: [3, 3, 3], stride: [2, 2, 2],
                padBegin: [0, 0, 0], padEnd: [1, 1, 1]),
    convolution("stride 3 along W", input: [1, 4, 2, 4, 31], outputs: 6, kernel: [1, 2, 4], stride: [1, 1, 3]),
    convolution("dilation 2", input: [1, 3, 5, 9, 17], outputs: 5, kernel: [3, 3, 3], dilation: [2, 2, 2],
                padBegin: [2, 2, 2], padEnd: [2, 2, 2]),
    convolution("padding larger than the kernel reach", input: [1, 2, 2, 3, 4], outputs: 4, kernel: [3, 3, 3],
                padBegin: [2, 3, 1], padEnd: [3, 1, 4]),
    convolution("W narrower than any tile", input: [1, 9, 2, 3, 2], outputs: 17, kernel: [1, 3, 3], padBegin: [0, 1, 1],
                padEnd: [0, 1, 1]),
    convolution("batch of 2", input: [2, 6, 2, 5, 13], outputs: 7, kernel: [3, 3, 3], padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    convolution("groups of whole 16-lane blocks", input: [1, 32, 2, 4, 15], outputs: 32, kernel: [1, 3, 3], padBegin: [0, 1, 1],
                padEnd: [0, 1, 1], groups: 2),
    convolution("groups not whole blocks (block-diagonal)", input: [1, 6, 2, 4, 9], outputs: 9, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1], groups: 3),
    convolution("groups of 12 channels (block-diagonal across blocks)", input: [1, 24, 2, 3, 7], outputs: 36, kernel: [1, 3, 3],
                padBegin: [0, 1, 1], padEnd: [0, 1, 1], groups: 2),
    convolution("depthwise 3×3×3, 20 channels", input: [1, 20, 3, 5, 9], outputs: 20, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1], groups: 20),
    convolution("depthwise strided, dilated, asymmetric padding", input: [1, 9, 4, 7, 11], outputs: 9, kernel: [1, 3, 5],
                stride: [1, 2, 2], dilation: [1, 2, 1], padBegin: [0, 2, 1], padEnd: [0, 1, 3], groups: 9),
    convolution("depthwise with base, PReLU-free ELU, padded output", input: [1, 16, 2, 4, 6], outputs: 16, kernel: [1, 3, 3],
                padBegin: [0, 1, 1], padEnd: [0, 1, 1], groups: 16, base: true, activation: .elu(alpha: 1),
                outputPad: ([0, 1, 1], [1, 0, 1])),
    convolution("no bias", input: [1, 5, 2, 4, 11], outputs: 6, kernel: [3, 3, 3], padBegin: [1, 1, 1], padEnd: [1, 1, 1],
                bias: false),
]

/// Kd×3×3 convolutions that the Winograd kernel takes (at least 8 input
/// channels): odd and tiny output extents (partial tiles), padding wider than
/// the kernel reach, D strides and dilations, batches, fused epilogues.
let winogradCases: [ConvolutionCase] = [
    convolution("Winograd 1×3×3 valid, odd H and W", input: [1, 8, 2, 9, 13], outputs: 10, kernel: [1, 3, 3]),
    convolution("Winograd 3×3×3 'same', even sizes", input: [1, 12, 3, 8, 16], outputs: 12, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    convolution("Winograd result 1×1 per plane", input: [1, 9, 2, 3, 3], outputs: 4, kernel: [1, 3, 3]),
    convolution("Winograd result one column wide", input: [1, 16, 2, 6, 3], outputs: 20, kernel: [1, 3, 3]),
    convolution("Winograd wide asymmetric padding", input: [1, 10, 2, 4, 5], outputs: 7, kernel: [1, 3, 3],
                padBegin: [0, 2, 0], padEnd: [0, 0, 3]),
    convolution("Winograd D stride 2, D dilation 2", input: [1, 8, 7, 5, 7], outputs: 8, kernel: [3, 3, 3], stride: [2, 1, 1],
                dilation: [2, 1, 1], padBegin: [2, 1, 1], padEnd: [2, 1, 1]),
    convolution("Winograd batch of 2, 80 channels", input: [2, 80, 2, 4, 6], outputs: 80, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    convolution("Winograd base × scale, ELU, padded output", input: [1, 28, 3, 5, 11], outputs: 28, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1], base: true, baseScale: true, activation: .elu(alpha: 1),
                outputPad: ([1, 1, 1], [1, 1, 1])),
    convolution("Winograd F(3×3, 2×2): 2×2×2 'valid', odd sizes", input: [1, 16, 3, 7, 11], outputs: 20, kernel: [2, 2, 2]),
    convolution("Winograd F(3×3, 2×2): 1×2×2 padded, extent not a multiple of 3", input: [1, 9, 2, 5, 8], outputs: 12,
                kernel: [1, 2, 2], padBegin: [0, 1, 0], padEnd: [0, 0, 1], base: true, activation: .prelu),
    convolution("Winograd F(2×2, 5×5): 5×5×5 pad 2 (V-Net), odd sizes", input: [1, 16, 5, 7, 9], outputs: 18, kernel: [5, 5, 5],
                padBegin: [2, 2, 2], padEnd: [2, 2, 2], activation: .prelu),
    convolution("Winograd F(2×2, 5×5): 1×5×5 valid, base", input: [1, 12, 2, 9, 13], outputs: 8, kernel: [1, 5, 5], base: true),
    convolution("Winograd F(3×3, 4×4): 1×4×4 asymmetric padding", input: [1, 8, 2, 8, 10], outputs: 16, kernel: [1, 4, 4],
                padBegin: [0, 1, 2], padEnd: [0, 2, 1]),
    convolution("Winograd large values (transform rounding)", input: [1, 48, 2, 6, 10], outputs: 36, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
]

/// The fused epilogues: additive base (with and without base scales), each
/// activation, and the padded output of the padding transformation.
let epilogueCases: [ConvolutionCase] = [
    convolution("base", input: [1, 12, 3, 5, 21], outputs: 12, kernel: [3, 3, 3], padBegin: [1, 1, 1], padEnd: [1, 1, 1],
                base: true),
    convolution("base × scale, ELU", input: [1, 12, 3, 5, 21], outputs: 36, kernel: [3, 3, 3], padBegin: [1, 1, 1],
                padEnd: [1, 1, 1], base: true, baseScale: true, activation: .elu(alpha: 0.7)),
    convolution("ReLU", input: [1, 4, 2, 4, 19], outputs: 8, kernel: [1, 3, 3], activation: .relu(negativeSlope: 0)),
    convolution("leaky ReLU", input: [1, 4, 2, 4, 19], outputs: 8, kernel: [1, 3, 3], activation: .relu(negativeSlope: 0.1)),
    convolution("sigmoid", input: [1, 4, 2, 4, 19], outputs: 20, kernel: [1, 3, 3], activation: .sigmoid),
    convolution("tanh", input: [1, 4, 2, 4, 19], outputs: 3, kernel: [1, 3, 3], activation: .tanh),
    convolution("PReLU, 20 channels", input: [1, 4, 2, 4, 19], outputs: 20, kernel: [1, 3, 3], activation: .prelu),
    convolution("Winograd with base and PReLU", input: [1, 12, 3, 5, 11], outputs: 12, kernel: [3, 3, 3], padBegin: [1, 1, 1],
                padEnd: [1, 1, 1], base: true, activation: .prelu),
    convolution("padded output", input: [1, 6, 3, 5, 17], outputs: 10, kernel: [3, 3, 3], padBegin: [1, 1, 1],
                padEnd: [1, 1, 1], outputPad: ([1, 1, 1], [1, 1, 1])),
    convolution("asymmetric padded output, base, ELU", input: [1, 6, 3, 5, 17], outputs: 10, kernel: [3, 3, 3],
                padBegin: [1, 1, 1], padEnd: [1, 1, 1], base: true, activation: .elu(alpha: 1),
                outputPad: ([0, 2, 1], [1, 0, 3])),
]

@Suite struct ConvolutionKernelTests {
    @Test(arguments: channelCases) func channelCounts(_ testCase: ConvolutionCase) throws {
        try PackedRun.expectMatchesReference(try testCase.graph())
    }

    @Test(arguments: geometryCases) func geometry(_ testCase: ConvolutionCase) throws {
        try PackedRun.expectMatchesReference(try testCase.graph())
    }

    @Test(arguments: winogradCases) func winogradGeometry(_ testCase: ConvolutionCase) throws {
        try PackedRun.expectMatchesReference(try testCase.graph())
    }

    @Test(arguments: epilogueCases) func fusedEpilogues(_ testCase: ConvolutionCase) throws {
        try PackedRun.expectMatchesReference(try testCase.graph())
    }

    /// Large activations through the epilogue's exp: ELU and sigmoid saturate
    /// without overflow or NaN.
    @Test func activationsSaturate() throws {
        var builder = GraphBuilder(seed: 5)
        let x = builder.input("x", shape: [1, 2, 1, 2, 9])
        var weights = builder.randomTensor([4, 2, 1, 1, 1], in: 40...60)
        weights.values[0] = -50
        for (name, activation) in [("elu", Activation.elu(alpha: 1)), ("sigmoid", .sigmoid), ("tanh", .tanh)] {
            let y = builder.add(name, .convolution(ConvolutionParameters(
                outputChannels: 4, kernel: [1, 1, 1], epilogue: ConvolutionEpilogue(activation: activation))),
                inputs: [x], weights: [.weight: weights])
            builder.output(y)
        }
        try PackedRun.expectMatchesReference(builder.graph)
    }
}
