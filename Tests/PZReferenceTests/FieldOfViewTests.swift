import PZGraph
import PZReference
import PZTestSupport
import Testing

/// `FieldOfView` (PZGraph) against the field each net really has on the
/// reference executor: one input voxel at a time is pushed far from its value,
/// and the output slabs that change say which inputs each output depends on.
@Suite struct FieldOfViewTests {
    /// One net of the table: its layers after a 2-channel input of 16³, and the
    /// field of view worked out by hand.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let expected: [Int]
        let layers: @Sendable (inout GraphBuilder, String) -> String
        var testDescription: String { name }
    }

    static let size = 16
    static let channels = 2

    static func conv(_ b: inout GraphBuilder, _ x: String, _ name: String, kernel: [Int], stride: [Int] = [1, 1, 1],
                     dilation: [Int] = [1, 1, 1], same: Bool = true) -> String {
        let pad = same ? (0..<3).map { dilation[$0] * (kernel[$0] - 1) / 2 } : [0, 0, 0]
        return b.convolution(name, x, inputChannels: channels,
                             ConvolutionParameters(outputChannels: channels, kernel: kernel, stride: stride,
                                                   dilation: dilation, padBegin: pad, padEnd: pad))
    }

    static func pool(_ b: inout GraphBuilder, _ x: String, _ name: String, _ method: PoolingParameters.Method = .max) -> String {
        b.add(name, .pooling(PoolingParameters(method: method, kernel: [2, 2, 2], stride: [2, 2, 2],
                                               rounding: .floor, averageCountsPadding: false)), inputs: [x])
    }

    static func deconv(_ b: inout GraphBuilder, _ x: String, _ name: String, kernel: Int, stride: Int) -> String {
        let parameters = ConvolutionParameters(outputChannels: channels, kernel: [kernel, kernel, kernel],
                                               stride: [stride, stride, stride])
        let weight = b.randomTensor([channels, channels, kernel, kernel, kernel])
        return b.add(name, .deconvolution(parameters), inputs: [x], weights: [.weight: weight])
    }

    static let cases: [Case] = [
        Case(name: "two 3³ convolutions", expected: [5, 5, 5]) { b, x in
            conv(&b, conv(&b, x, "c1", kernel: [3, 3, 3]), "c2", kernel: [3, 3, 3])
        },
        Case(name: "three valid 3³ convolutions", expected: [7, 7, 7]) { b, x in
            var y = x
            for index in 1...3 { y = conv(&b, y, "c\(index)", kernel: [3, 3, 3], same: false) }
            return y
        },
        Case(name: "anisotropic 1×3×5", expected: [1, 3, 5]) { b, x in
            conv(&b, x, "c1", kernel: [1, 3, 5])
        },
        Case(name: "dilation 2 then 3³", expected: [7, 7, 7]) { b, x in
            conv(&b, conv(&b, x, "c1", kernel: [3, 3, 3], dilation: [2, 2, 2]), "c2", kernel: [3, 3, 3])
        },
        Case(name: "max pool between convolutions", expected: [8, 8, 8]) { b, x in
            conv(&b, pool(&b, conv(&b, x, "c1", kernel: [3, 3, 3]), "p1"), "c2", kernel: [3, 3, 3])
        },
        Case(name: "stride-2 convolution", expected: [7, 7, 7]) { b, x in
            conv(&b, conv(&b, x, "c1", kernel: [3, 3, 3], stride: [2, 2, 2]), "c2", kernel: [3, 3, 3])
        },
        Case(name: "deconvolution kernel 3 stride 2", expected: [7, 7, 7]) { b, x in
            let down = conv(&b, x, "c1", kernel: [3, 3, 3], stride: [2, 2, 2])
            return conv(&b, deconv(&b, down, "d1", kernel: 3, stride: 2), "c2", kernel: [3, 3, 3])
        },
        Case(name: "average pool, upsample, 3³", expected: [4, 4, 4]) { b, x in
            let up = b.add("u1", .upsample(UpsampleParameters(factors: [2, 2, 2])), inputs: [pool(&b, x, "p1", .average)])
            return conv(&b, up, "c1", kernel: [3, 3, 3])
        },
        Case(name: "U-Net level: pool, deconvolution 2/2, concat skip", expected: [10, 10, 10]) { b, x in
            let skip = conv(&b, x, "c1", kernel: [3, 3, 3])
            let down = conv(&b, pool(&b, skip, "p1"), "c2", kernel: [3, 3, 3])
            let up = deconv(&b, down, "d1", kernel: 2, stride: 2)
            let joined = b.add("cat", .concat(ConcatParameters()), inputs: [skip, up])
            return b.convolution("c3", joined, inputChannels: 2 * channels,
                                 ConvolutionParameters(outputChannels: channels, kernel: [3, 3, 3],
                                                       padBegin: [1, 1, 1], padEnd: [1, 1, 1]))
        },
        Case(name: "residual sum", expected: [5, 5, 5]) { b, x in
            let first = conv(&b, x, "c1", kernel: [3, 3, 3])
            let second = conv(&b, first, "c2", kernel: [3, 3, 3])
            return b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: [first, second])
        },
    ]

    @Test(arguments: cases) func computedIsMeasured(_ example: Case) throws {
        var b = GraphBuilder(name: example.name, seed: 5)
        let x = b.input("data", shape: [1, Self.channels, Self.size, Self.size, Self.size])
        b.output(example.layers(&b, x))
        let graph = b.graph
        #expect(FieldOfView(graph).size == example.expected)
        #expect(try measured(graph) == example.expected)
    }

    /// Per axis, the widest span of input positions (on the centre line of the
    /// other axes) whose change reaches one output slab across that axis.
    private func measured(_ graph: Graph) throws -> [Int] {
        let executor = try ReferenceExecutor(graph: graph)
        let output = graph.outputs[0].tensor
        var random = SeededRandom(seed: 8)
        let shape = [1, Self.channels, Self.size, Self.size, Self.size]
        let input = Tensor(shape: shape, values: random.floats(shape.elementCount))
        let base = try executor.run(inputs: ["data": input])[output]!
        let spatial = Array(base.shape[2...])
        return try (0..<3).map { axis in
            var reaching = [[Int]](repeating: [], count: spatial[axis])
            for position in 0..<Self.size {
                var pushed = input
                var index = [Self.size / 2, Self.size / 2, Self.size / 2]
                index[axis] = position
                for channel in 0..<Self.channels {
                    pushed.values[((channel * Self.size + index[0]) * Self.size + index[1]) * Self.size + index[2]] += 1000
                }
                let changed = try executor.run(inputs: ["data": pushed])[output]!
                for flat in base.values.indices where base.values[flat] != changed.values[flat] {
                    var rest = flat % spatial.reduce(1, *)
                    var coordinates = [0, 0, 0]
                    for a in (0..<3).reversed() {
                        coordinates[a] = rest % spatial[a]
                        rest /= spatial[a]
                    }
                    if reaching[coordinates[axis]].last != position { reaching[coordinates[axis]].append(position) }
                }
            }
            return reaching.map { ($0.max() ?? 0) - ($0.min() ?? 0) + ($0.isEmpty ? 0 : 1) }.max() ?? 0
        }
    }
}
