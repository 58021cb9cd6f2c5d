import PZGraph

/// Builds small IR graphs in code for tests: each call adds one node whose output
/// tensor is named after the node, and returns that name.
public struct GraphBuilder {
    public var nodes: [Node] = []
    public var outputs: [GraphOutput] = []
    public var random: SeededRandom
    public let name: String

    public init(name: String = "test", seed: UInt64 = 1) {
        self.name = name
        random = SeededRandom(seed: seed)
    }

    public var graph: Graph { Graph(name: name, nodes: nodes, outputs: outputs) }

    @discardableResult
    public mutating func add(_ name: String, _ op: Op, inputs: [String], weights: [WeightRole: Tensor] = [:]) -> String {
        nodes.append(Node(name: name, op: op, inputs: inputs, outputs: [name], weights: weights))
        return name
    }

    public mutating func input(_ name: String, shape: [Int], layout: DataLayout = .ncdhw) -> String {
        add(name, .input(InputParameters(shape: shape, sourceLayout: layout)), inputs: [])
    }

    public mutating func output(_ tensor: String, layout: DataLayout = .ncdhw) {
        outputs.append(GraphOutput(tensor: tensor, sourceLayout: layout))
    }

    /// A random tensor with values in `range`.
    public mutating func randomTensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(shape: shape, values: random.floats(shape.elementCount, in: range))
    }

    /// A convolution with random weights (and bias unless `bias` is false).
    public mutating func convolution(_ name: String, _ input: String, inputChannels: Int,
                                     _ parameters: ConvolutionParameters, bias: Bool = true,
                                     base: String? = nil) -> String {
        var weights: [WeightRole: Tensor] = [
            .weight: randomTensor([parameters.outputChannels, inputChannels / parameters.groups] + parameters.kernel),
        ]
        if bias { weights[.bias] = randomTensor([parameters.outputChannels], in: -0.5...0.5) }
        return add(name, .convolution(parameters), inputs: [input] + (base.map { [$0] } ?? []), weights: weights)
    }
}
