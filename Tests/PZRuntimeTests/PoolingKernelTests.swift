import PZGraph
import PZTestSupport
import Testing

struct PoolingCase: CustomTestStringConvertible, Sendable {
    var name: String
    var input: [Int]
    var parameters: PoolingParameters

    var testDescription: String { name }

    func graph() -> Graph {
        var builder = GraphBuilder(seed: 13)
        let x = builder.input("x", shape: input)
        builder.output(builder.add("pool", .pooling(parameters), inputs: [x]))
        return builder.graph
    }
}

private func pooling(_ name: String, _ method: PoolingParameters.Method, input: [Int], kernel: [Int], stride: [Int],
                     padBegin: [Int] = [0, 0, 0], padEnd: [Int] = [0, 0, 0], rounding: PoolingParameters.Rounding = .floor,
                     countsPadding: Bool = false) -> PoolingCase {
    PoolingCase(name: name, input: input,
                parameters: PoolingParameters(method: method, kernel: kernel, stride: stride, padBegin: padBegin, padEnd: padEnd,
                                              rounding: rounding, averageCountsPadding: countsPadding))
}

let poolingCases: [PoolingCase] = [
    pooling("max 1×2×2 (U-Net)", .max, input: [1, 28, 3, 8, 10], kernel: [1, 2, 2], stride: [1, 2, 2]),
    pooling("max 2×2×2 odd sizes, Caffe ceil", .max, input: [1, 5, 5, 7, 9], kernel: [2, 2, 2], stride: [2, 2, 2],
            rounding: .caffeCeil),
    pooling("max 3×3×3 stride 2 pad 1, Caffe ceil (clipped last window)", .max, input: [1, 20, 6, 7, 8], kernel: [3, 3, 3],
            stride: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [1, 1, 1], rounding: .caffeCeil),
    pooling("max TF 'same' (asymmetric padding)", .max, input: [1, 36, 3, 5, 7], kernel: [2, 3, 3], stride: [2, 2, 2],
            padBegin: [0, 0, 0], padEnd: [1, 1, 1]),
    pooling("max of negative values only", .max, input: [1, 3, 2, 4, 4], kernel: [1, 2, 2], stride: [1, 1, 1]),
    pooling("average, Caffe (padding counted)", .average, input: [1, 17, 4, 6, 9], kernel: [3, 3, 3], stride: [2, 2, 2],
            padBegin: [1, 1, 1], padEnd: [1, 1, 1], rounding: .caffeCeil, countsPadding: true),
    pooling("average, TF 'same' (padding not counted)", .average, input: [1, 9, 3, 5, 7], kernel: [2, 2, 2], stride: [2, 2, 2],
            padEnd: [1, 1, 1]),
    pooling("average 1×2×2", .average, input: [2, 16, 2, 6, 6], kernel: [1, 2, 2], stride: [1, 2, 2]),
]

@Suite struct PoolingKernelTests {
    @Test(arguments: poolingCases) func matchesReference(_ testCase: PoolingCase) throws {
        try PackedRun.expectMatchesReference(testCase.graph(), tolerance: 1e-6)
    }

    /// Max pooling returns one of its inputs exactly (no arithmetic), also for
    /// signed zeros and infinities.
    @Test func maxIsExact() throws {
        var builder = GraphBuilder()
        let x = builder.input("x", shape: [1, 1, 1, 1, 8])
        builder.output(builder.add("pool", .pooling(PoolingParameters(method: .max, kernel: [1, 1, 2], stride: [1, 1, 2],
                                                                      rounding: .floor, averageCountsPadding: false)),
                                   inputs: [x]))
        let subnormal = Float.leastNormalMagnitude / 4
        let input = Tensor(shape: [1, 1, 1, 1, 8], values: [-0.0, 0.0, -.infinity, -3, .infinity, 2, subnormal, -subnormal])
        for lanes in [8, 16] {
            let output = try PackedRun.outputs(builder.graph, inputs: ["x": input], lanes: lanes)["pool"]!
            #expect(output.values.map(\.bitPattern) == [Float(0.0), -3, .infinity, subnormal].map(\.bitPattern))
        }
    }
}
