import PZGraph

/// The specification of every op: plain scalar Swift, no SIMD (output channels
/// of a convolution on several threads, with bit-identical sums: `OutputChannels`),
/// accumulating in Double and storing float32 tensors between nodes (as the
/// source frameworks do). Importers, passes and the fast executor are all tested
/// against it.
public struct ReferenceExecutor {
    public let graph: Graph
    /// Inferred shape of every tensor.
    public let shapes: [String: [Int]]
    /// The most memory a run may take (see `peakBytes`); checked before it starts.
    public var memoryLimit: MemoryLimit

    /// Validates the graph; throws its `GraphError` when it is not a valid IR graph.
    public init(graph: Graph, memoryLimit: MemoryLimit = .machine) throws {
        self.graph = graph
        self.memoryLimit = memoryLimit
        shapes = try graph.validate()
    }

    /// An upper bound of the bytes a run holds at once: the float32 tensors alive
    /// together (all of them when `keepingAllTensors`), plus the Double sums of
    /// the largest output being computed. Saturates at `Int.max`.
    public func peakBytes(keepingAllTensors: Bool) -> Int {
        var remainingReads = graph.consumerIndices().mapValues(\.count)
        let outputNames = Set(graph.outputNames)
        var live = 0, peak = 0, largestOutput = 0
        for node in graph.nodes {
            for output in node.outputs {
                let count = shapes[output]?.saturatingElementCount ?? 0
                largestOutput = max(largestOutput, count)
                live = [live, [count, 4].saturatingElementCount].saturatingSum
            }
            peak = max(peak, live)
            guard !keepingAllTensors else { continue }
            for input in Set(node.inputs) {
                remainingReads[input, default: 0] -= 1
                if remainingReads[input] == 0, !outputNames.contains(input) {
                    live -= [shapes[input]?.saturatingElementCount ?? 0, 4].saturatingElementCount
                }
            }
        }
        return [peak, [largestOutput, 8].saturatingElementCount].saturatingSum
    }

    /// Runs the graph on NCDHW `inputs` keyed by input tensor name. Returns the
    /// graph outputs, or every tensor when `keepingAllTensors` (used to find the
    /// first tensor where two graphs diverge). Throws a `MemoryLimitError` first
    /// when the run would need more than `memoryLimit`.
    public func run(inputs: [String: Tensor], keepingAllTensors: Bool = false) throws -> [String: Tensor] {
        try memoryLimit.check(peakBytes(keepingAllTensors: keepingAllTensors),
                              for: "the reference executor's tensors" + (keepingAllTensors ? " (all kept, for verification)" : ""))
        var values: [String: Tensor] = [:]
        var remainingReads = graph.consumerIndices().mapValues(\.count)
        let outputNames = Set(graph.outputNames)
        for node in graph.nodes {
            let arguments = node.inputs.map { values[$0]! }
            let results = try evaluate(node, arguments, inputs: inputs)
            for (name, tensor) in zip(node.outputs, results) { values[name] = tensor }
            guard !keepingAllTensors else { continue }
            for input in Set(node.inputs) {
                remainingReads[input, default: 0] -= 1
                if remainingReads[input] == 0, !outputNames.contains(input) { values[input] = nil }
            }
        }
        return keepingAllTensors ? values : values.filter { outputNames.contains($0.key) }
    }

    private func evaluate(_ node: Node, _ arguments: [Tensor], inputs: [String: Tensor]) throws -> [Tensor] {
        if case .input(let parameters) = node.op {
            let name = node.outputs[0]
            guard let tensor = inputs[name] else { throw ReferenceError("no value given for input '\(name)'") }
            guard tensor.shape == parameters.shape else {
                throw ReferenceError("input '\(name)' has shape \(tensor.shape.shapeDescription), "
                                     + "the model expects \(parameters.shape.shapeDescription)")
            }
            return [tensor]
        }
        return ReferenceExecutor.evaluate(node, arguments, outputShapes: node.outputs.map { shapes[$0]! })
    }

    /// Evaluates one (non-Input) node on its input tensors; `outputShapes` are its
    /// outputs' inferred shapes. The fast executor uses this for ops it has no
    /// kernel for, and tests use it as every kernel's scalar twin.
    public static func evaluate(_ node: Node, _ arguments: [Tensor], outputShapes: [[Int]]) -> [Tensor] {
        switch node.op {
        case .input:
            return [arguments[0]]
        case .convolution(let parameters):
            return [ReferenceOps.convolution(arguments[0], weights: node.weights, parameters: parameters,
                                             base: arguments.count > 1 ? arguments[1] : nil)]
        case .deconvolution(let parameters):
            return [ReferenceOps.deconvolution(arguments[0], weights: node.weights, parameters: parameters,
                                               base: arguments.count > 1 ? arguments[1] : nil,
                                               outputShape: outputShapes[0])]
        case .batchNorm(let parameters):
            return [ReferenceOps.batchNorm(arguments[0], weights: node.weights, epsilon: parameters.epsilon)]
        case .groupNorm(let parameters):
            return [ReferenceOps.groupNorm(arguments[0], parameters, weights: node.weights)]
        case .scale(let parameters):
            return [ReferenceOps.scale(arguments[0], scale: node.weights[.scale], bias: node.weights[.bias],
                                       activation: parameters.activation, slopes: node.weights[.slope])]
        case .activation(let activation):
            return [ReferenceOps.scale(arguments[0], scale: nil, bias: nil, activation: activation, slopes: node.weights[.slope])]
        case .softmax(let parameters):
            return [ReferenceOps.softmax(arguments[0], axis: parameters.axis)]
        case .channelScale:
            let x = Shape5(arguments[0].shape)
            var values = arguments[0].values
            for index in values.indices { values[index] = Float(Double(values[index]) * Double(arguments[1].values[index / x.planeSize])) }
            return [Tensor(shape: arguments[0].shape, values: values)]
        case .eltwise(let parameters):
            return [ReferenceOps.eltwise(arguments, parameters)]
        case .concat(let parameters):
            return [ReferenceOps.concat(arguments, axis: parameters.axis)]
        case .crop(let parameters):
            return [ReferenceOps.crop(arguments[0], offsets: parameters.offsets, outputShape: outputShapes[0])]
        case .mergeCrop(let parameters):
            return [ReferenceOps.mergeCrop(arguments[0], arguments[1], operation: parameters.operation)]
        case .pad(let parameters):
            return [ReferenceOps.pad(arguments[0], parameters)]
        case .pooling(let parameters):
            return [ReferenceOps.pooling(arguments[0], parameters, outputShape: outputShapes[0])]
        case .upsample(let parameters):
            return [parameters.linear == nil ? ReferenceOps.upsample(arguments[0], factors: parameters.factors)
                    : ReferenceOps.linearUpsample(arguments[0], parameters)]
        case .dropout:
            return [arguments[0]]
        case .split:
            return Array(repeating: arguments[0], count: node.outputs.count)
        }
    }
}
