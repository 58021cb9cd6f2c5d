import PZGraph
import PZTestSupport
import Testing

@Suite struct ShapeInferenceTests {
    private func single(_ op: Op, inputShapes: [[Int]], weights: [WeightRole: Tensor] = [:]) -> Graph {
        var b = GraphBuilder()
        let inputs = inputShapes.enumerated().map { b.input("x\($0.offset)", shape: $0.element) }
        b.nodes.append(Node(name: "n", op: op, inputs: inputs, outputs: ["n"], weights: weights))
        b.output("n")
        return b.graph
    }

    private func shape(_ op: Op, _ inputShapes: [[Int]], weights: [WeightRole: Tensor] = [:]) throws -> [Int] {
        try single(op, inputShapes: inputShapes, weights: weights).inferShapes()["n"]!
    }

    @Test func convolutionChannelMismatchNamesTheNode() {
        let op = Op.convolution(ConvolutionParameters(outputChannels: 8, kernel: [3, 3, 3]))
        let g = single(op, inputShapes: [[1, 6, 8, 8, 8]], weights: [.weight: Tensor(zeros: [8, 4, 3, 3, 3])])
        #expect(throws: GraphError.invalidNode(name: "n", op: "Convolution",
                                               detail: "weight has shape 8×4×3×3×3, expected 8×6×3×3×3")) {
            try g.validate()
        }
    }

    @Test func convolutionKernelLargerThanInput() {
        let op = Op.convolution(ConvolutionParameters(outputChannels: 1, kernel: [3, 3, 3]))
        let g = single(op, inputShapes: [[1, 1, 2, 8, 8]], weights: [.weight: Tensor(zeros: [1, 1, 3, 3, 3])])
        #expect(throws: GraphError.invalidNode(name: "n", op: "Convolution",
                                               detail: "kernel extent 3 is larger than the padded input (2 + padding) along D")) {
            try g.validate()
        }
    }

    @Test func convolutionAndDeconvolutionSizes() throws {
        let conv = Op.convolution(ConvolutionParameters(outputChannels: 2, kernel: [1, 3, 3], stride: [1, 2, 2],
                                                        padBegin: [0, 1, 1], padEnd: [0, 1, 1]))
        #expect(try shape(conv, [[1, 3, 5, 9, 10]], weights: [.weight: Tensor(zeros: [2, 3, 1, 3, 3])]) == [1, 2, 5, 5, 5])
        // Caffe: s(in − 1) + k − 2p = 2·(4 − 1) + 3 − 2 = 7.
        let deconv = Op.deconvolution(ConvolutionParameters(outputChannels: 5, kernel: [3, 3, 3], stride: [2, 2, 2],
                                                            padBegin: [1, 1, 1], padEnd: [1, 1, 1]))
        #expect(try shape(deconv, [[1, 3, 4, 4, 4]], weights: [.weight: Tensor(zeros: [3, 5, 3, 3, 3])]) == [1, 5, 7, 7, 7])
    }

    @Test func poolingSizes() throws {
        let caffe = Op.pooling(PoolingParameters(method: .max, kernel: [1, 2, 2], stride: [1, 2, 2], padBegin: [0, 1, 1],
                                                 padEnd: [0, 1, 1], rounding: .caffeCeil, averageCountsPadding: true))
        #expect(try shape(caffe, [[1, 1, 3, 5, 6]]) == [1, 1, 3, 3, 4])
        let tooMuchPadding = Op.pooling(PoolingParameters(method: .max, kernel: [1, 2, 2], stride: [1, 2, 2],
                                                          padBegin: [0, 2, 0], padEnd: [0, 2, 0], rounding: .floor,
                                                          averageCountsPadding: false))
        #expect(throws: GraphError.invalidNode(name: "n", op: "Pooling",
                                               detail: "padding must be smaller than the kernel along H")) {
            try shape(tooMuchPadding, [[1, 1, 3, 5, 6]])
        }
    }

    @Test func eltwiseShapeMismatch() {
        let op = Op.eltwise(EltwiseParameters(operation: .sum))
        #expect(throws: GraphError.invalidNode(name: "n", op: "Eltwise",
                                               detail: "input 1 'x1' has shape 1×2×3×4×4, input 0 'x0' 1×2×3×4×5")) {
            try shape(op, [[1, 2, 3, 4, 5], [1, 2, 3, 4, 4]])
        }
        let coefficients = Op.eltwise(EltwiseParameters(operation: .sum, coefficients: [1]))
        #expect(throws: GraphError.invalidNode(name: "n", op: "Eltwise", detail: "has 1 coefficients for 2 inputs")) {
            try shape(coefficients, [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]])
        }
    }

    @Test func concatAndCrop() throws {
        #expect(try shape(.concat(ConcatParameters(axis: 1)), [[1, 2, 3, 4, 5], [1, 3, 3, 4, 5]]) == [1, 5, 3, 4, 5])
        #expect(throws: GraphError.invalidNode(name: "n", op: "Concat",
                                               detail: "input 1 'x1' has shape 1×3×3×4×6, input 0 1×2×3×4×5: they differ along W")) {
            try shape(.concat(ConcatParameters(axis: 1)), [[1, 2, 3, 4, 5], [1, 3, 3, 4, 6]])
        }
        let crop = Op.crop(CropParameters(offsets: [0, 0, 1, 1, 1], referenceAxis: 2))
        #expect(try shape(crop, [[1, 4, 6, 10, 10], [1, 6, 4, 8, 8]]) == [1, 4, 4, 8, 8])
        #expect(throws: GraphError.invalidNode(name: "n", op: "Crop",
                                               detail: "cannot crop 8 positions at offset 3 from 10 along H")) {
            try shape(.crop(CropParameters(offsets: [0, 0, 0, 3, 0], referenceAxis: 2)), [[1, 4, 6, 10, 10], [1, 6, 4, 8, 8]])
        }
    }

    @Test func mergeCropAndBatchNorm() throws {
        #expect(try shape(.mergeCrop(MergeCropParameters(operation: .stack)), [[1, 2, 4, 4, 4], [1, 3, 6, 8, 8]])
                == [1, 5, 4, 4, 4])
        let bn = Op.batchNorm(BatchNormParameters(epsilon: 1e-5))
        #expect(throws: GraphError.invalidNode(name: "n", op: "BatchNorm", detail: "weight 'mean' has shape 3, expected 2")) {
            try shape(bn, [[1, 2, 1, 1, 1]], weights: [.mean: Tensor(zeros: [3]), .variance: Tensor(zeros: [2])])
        }
    }

    @Test func rejectsAbsurdSizes() {
        let op = Op.upsample(UpsampleParameters(factors: [1 << 20, 1 << 20, 1 << 20]))
        #expect(throws: GraphError.self) { try shape(op, [[1, 1, 8, 8, 8]]) }
    }

    /// File-supplied values at the ends of Int's range are rejected by name, never
    /// overflow (a `.pzir` may carry any integer).
    @Test func extremeParametersAreErrorsNotOverflows() {
        let deconvolution = Op.deconvolution(ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 1],
                                                                   padBegin: [Int.min, 0, 0], padEnd: [0, 0, 0]))
        #expect(throws: GraphError.invalidNode(name: "n", op: "Deconvolution",
                                               detail: "pad_begin [\(Int.min), 0, 0] is out of range")) {
            try shape(deconvolution, [[1, 1, 4, 4, 4]], weights: [.weight: Tensor(zeros: [1, 1, 1, 1, 1])])
        }
        let crop = Op.crop(CropParameters(offsets: [0, 0, Int.max, 0, 0], referenceAxis: 2))
        #expect(throws: GraphError.invalidNode(name: "n", op: "Crop", detail: "offsets [0, 0, \(Int.max), 0, 0] must be 5 "
                                               + "non-negative values (NCDHW) inside the input 1×1×8×8×8")) {
            try shape(crop, [[1, 1, 8, 8, 8], [1, 1, 4, 4, 4]])
        }
        let trimmed = Op.crop(CropParameters(offsets: [0, 0, 1, 0, 0], trimEnd: [0, 0, Int.max, 0, 0]))
        #expect(throws: GraphError.self) { try shape(trimmed, [[1, 1, 8, 8, 8]]) }
    }

    /// FLOP counts saturate instead of trapping: a pooling window of 2^60 positions
    /// over a large output is a hostile file's number, not a crash.
    @Test func statisticsSaturate() throws {
        let pooling = Op.pooling(PoolingParameters(method: .max, kernel: [1 << 20, 1 << 20, 1 << 20], stride: [1, 1, 1],
                                                   padBegin: [0, 0, 0], padEnd: [0, 0, 0], rounding: .floor,
                                                   averageCountsPadding: false))
        let graph = single(pooling, inputShapes: [[1, 1, 1, 1, 1]])
        let shapes = ["x0": [1, 1, 1, 1, 1], "n": [1, 1 << 20, 1 << 10, 1 << 10, 1 << 10]]
        #expect(graph.statistics(shapes: shapes).map(\.flops) == [0, Int.max])
        #expect([Int.max, 1].saturatingSum == Int.max)
        #expect([Int.max, 2].saturatingElementCount == Int.max)
    }
}
