import PZGraph
import PZPack
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
                           dilation: [Int] = [1, 1, 1], padBegin: [Int] = [0, 0, 0], padEnd: [Int] = [0, 0, 0],
                           groups: Int = 1, base: Bool = false, activation: Activation? = nil,
                           outputPad: ([Int], [Int]) = ([0, 0, 0], [0, 0, 0])) -> DeconvolutionCase {
    DeconvolutionCase(name: name, input: input,
                      parameters: ConvolutionParameters(outputChannels: outputs, kernel: kernel, stride: stride ?? kernel,
                                                        dilation: dilation, padBegin: padBegin, padEnd: padEnd, groups: groups,
                                                        epilogue: ConvolutionEpilogue(activation: activation,
                                                                                      outputPadBegin: outputPad.0,
                                                                                      outputPadEnd: outputPad.1)),
                      base: base)
}

/// Kernel = stride (the sub-pixel up-sampling), with its epilogues.
let subPixelCases: [DeconvolutionCase] = [
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
]

/// Kernels larger than, smaller than, or not a multiple of the stride, per
/// axis (anisotropic): the (kernel, stride, pad, output padding, dilation)
/// table of the nets users bring — DSN/DenseVoxNet's kernel 4 stride 2 pad 1,
/// a stride-1 score layer 1×5×5 pad 0,2,2, Keras "same" and output_padding,
/// Caffe's kernel 3 stride 2 pad 1 — and the odd ones.
let phaseCases: [DeconvolutionCase] = [
    deconvolution("kernel 4 stride 2 pad 1 (DSN, DenseVoxNet)", input: [1, 20, 3, 4, 5], outputs: 18, kernel: [4, 4, 4],
                  stride: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    deconvolution("1×5×5 stride 1 pad 0,2,2 (score layer)", input: [1, 12, 2, 5, 11], outputs: 3, kernel: [1, 5, 5],
                  stride: [1, 1, 1], padBegin: [0, 2, 2], padEnd: [0, 2, 2]),
    deconvolution("3×3×3 stride 1 pad 1, 16→16 (Winograd)", input: [1, 16, 3, 5, 9], outputs: 16, kernel: [3, 3, 3],
                  stride: [1, 1, 1], padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    deconvolution("1×3×3 stride 1 pad 0, grows the output", input: [1, 9, 2, 3, 4], outputs: 10, kernel: [1, 3, 3],
                  stride: [1, 1, 1]),
    deconvolution("kernel 3 stride 2 pad 1 (Caffe)", input: [1, 7, 3, 4, 6], outputs: 9, kernel: [3, 3, 3], stride: [2, 2, 2],
                  padBegin: [1, 1, 1], padEnd: [1, 1, 1]),
    deconvolution("kernel 3 stride 2 'same' + output_padding 1 (Keras)", input: [1, 8, 2, 3, 4], outputs: 8,
                  kernel: [3, 3, 3], stride: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [0, 0, 0]),
    deconvolution("anisotropic kernel 1×4×3, stride 1×2×3", input: [1, 5, 2, 4, 5], outputs: 6, kernel: [1, 4, 3],
                  stride: [1, 2, 3], padBegin: [0, 1, 0], padEnd: [0, 1, 1]),
    deconvolution("kernel 2 stride 3 (gaps get the bias)", input: [1, 4, 2, 3, 4], outputs: 5, kernel: [2, 2, 2],
                  stride: [3, 3, 3]),
    deconvolution("kernel 5 stride 2 pad 2, one input position", input: [1, 6, 1, 1, 1], outputs: 4, kernel: [5, 5, 5],
                  stride: [2, 2, 2], padBegin: [2, 2, 2], padEnd: [2, 2, 2]),
    deconvolution("dilation 2 stride 2 (phases without taps)", input: [1, 5, 2, 3, 4], outputs: 7, kernel: [3, 3, 3],
                  stride: [2, 2, 2], dilation: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [0, 0, 0]),
    deconvolution("dilation 2 stride 1", input: [1, 6, 2, 4, 5], outputs: 6, kernel: [1, 3, 3], stride: [1, 1, 1],
                  dilation: [1, 2, 2], padBegin: [0, 2, 2], padEnd: [0, 2, 2]),
    deconvolution("dilation 3 stride 2 (odd spacing)", input: [1, 4, 1, 3, 5], outputs: 5, kernel: [1, 3, 3],
                  stride: [1, 2, 2], dilation: [1, 3, 3]),
    deconvolution("pad larger than the kernel reach", input: [1, 5, 2, 6, 7], outputs: 4, kernel: [1, 3, 3], stride: [1, 2, 2],
                  padBegin: [0, 3, 4], padEnd: [0, 2, 3]),
    deconvolution("negative pad: extends both ends", input: [1, 5, 2, 3, 3], outputs: 4, kernel: [2, 4, 4], stride: [1, 2, 2],
                  padBegin: [0, -1, -2], padEnd: [-1, -2, 0]),
    deconvolution("kernel 4 stride 2, base, PReLU-free leaky ReLU, padded output", input: [1, 16, 2, 3, 4], outputs: 16,
                  kernel: [4, 4, 4], stride: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [1, 1, 1], base: true,
                  activation: .relu(negativeSlope: 0.1), outputPad: ([1, 1, 1], [1, 0, 2])),
    deconvolution("groups of whole blocks, kernel 4 stride 2", input: [1, 32, 2, 2, 3], outputs: 32, kernel: [2, 4, 4],
                  stride: [1, 2, 2], padBegin: [0, 1, 1], padEnd: [0, 1, 1], groups: 2),
    deconvolution("groups (block-diagonal), kernel 3 stride 2", input: [1, 6, 2, 3, 4], outputs: 9, kernel: [3, 3, 3],
                  stride: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [1, 1, 1], groups: 3),
    deconvolution("depthwise-shaped groups, kernel = stride", input: [1, 4, 2, 3, 5], outputs: 4, kernel: [1, 2, 2], groups: 4),
    deconvolution("2-D (D = 1) kernel 4 stride 2", input: [1, 9, 1, 6, 7], outputs: 11, kernel: [1, 4, 4], stride: [1, 2, 2],
                  padBegin: [0, 1, 1], padEnd: [0, 1, 1]),
]

@Suite struct DeconvolutionKernelTests {
    @Test(arguments: subPixelCases) func subPixel(_ testCase: DeconvolutionCase) throws {
        try PackedRun.expectMatchesReference(try testCase.graph())
    }

    @Test(arguments: phaseCases) func phases(_ testCase: DeconvolutionCase) throws {
        try PackedRun.expectMatchesReference(try testCase.graph())
    }

    /// Every case runs on a blocked kernel: output phases, on Winograd where a
    /// phase's sub-kernel is 2×2 or 3×3 in H×W (kernel 4 stride 2, stride 1 with 3×3…).
    @Test func noCaseFallsBack() throws {
        for testCase in subPixelCases + phaseCases {
            let plan = try Exporter.plan(try testCase.graph(), isa: .detected, lanes: 16)
            let kernel = plan.steps.first { $0.node == "deconv" }!.kernel
            let winograd = testCase.parameters.deconvolutionFitsWinograd && testCase.input[1] >= 8 && testCase.parameters.groups == 1
            #expect(kernel == (winograd ? .winograd : .deconvolution), "\(testCase.name): \(kernel)")
        }
    }

    /// The phases partition the output: every position of the result belongs to
    /// exactly one phase, and every kernel tap to exactly one phase.
    @Test(arguments: subPixelCases + phaseCases) func phasesPartitionOutputAndTaps(_ testCase: DeconvolutionCase) throws {
        let graph = try testCase.graph()
        let shape = try graph.inferShapes()["deconv"]!
        let p = testCase.parameters
        let result = (0..<3).map { shape[2 + $0] - p.epilogue.outputPadBegin[$0] - p.epilogue.outputPadEnd[$0] }
        var covered = [Int](repeating: 0, count: result.reduce(1, *))
        var taps = [Int](repeating: 0, count: p.kernel.reduce(1, *))
        for phase in DeconvolutionPhase.phases(of: p, result: result) {
            for d in 0..<phase.count[0] {
                for h in 0..<phase.count[1] {
                    for w in 0..<phase.count[2] {
                        let (od, oh, ow) = (phase.first[0] + d * p.stride[0], phase.first[1] + h * p.stride[1],
                                            phase.first[2] + w * p.stride[2])
                        covered[(od * result[1] + oh) * result[2] + ow] += 1
                    }
                }
            }
            for kd in phase.taps[0] {
                for kh in phase.taps[1] {
                    for kw in phase.taps[2] { taps[(kd * p.kernel[1] + kh) * p.kernel[2] + kw] += 1 }
                }
            }
        }
        #expect(covered.allSatisfy { $0 == 1 })
        #expect(taps.allSatisfy { $0 <= 1 })
    }
}
