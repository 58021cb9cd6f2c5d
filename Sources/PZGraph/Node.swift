/// One operation of the graph: reads named tensors, writes named tensors.
///
/// Tensor names are unique in a graph (each is produced by exactly one node), so an
/// in-place source layer (Caffe `top == bottom`) becomes a node with a new,
/// versioned output name.
public struct Node: Equatable, Sendable {
    /// Unique among the graph's nodes.
    public var name: String
    public var op: Op
    /// Names of the tensors read, in the op's argument order.
    public var inputs: [String]
    /// Names of the tensors written.
    public var outputs: [String]
    /// Constant tensors by role (see `Op` for each op's roles).
    public var weights: [WeightRole: Tensor]
    /// The source-model layers this node computes (several after a fusion), in
    /// source order. Lets any tensor of an optimized graph be traced back.
    public var sourceLayers: [String]
    /// Names of the fusions applied to this node (e.g. "activation"), in order.
    public var fusions: [String]
    /// Set by in-place resolution: the node may write its output over its first
    /// input's buffer (that input has no other reader and is not a graph input or
    /// output). Changes no value; the fast executor's memory plan uses it.
    public var inPlace: Bool

    public init(name: String, op: Op, inputs: [String], outputs: [String],
                weights: [WeightRole: Tensor] = [:], sourceLayers: [String]? = nil, fusions: [String] = [],
                inPlace: Bool = false) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.sourceLayers = sourceLayers ?? [name]
        self.fusions = fusions
        self.inPlace = inPlace
    }

    /// "'conv1' (Convolution)", the way messages name a node.
    public var label: String { "'\(name)' (\(op.typeName))" }

    /// The number of weight values the node holds.
    public var parameterCount: Int { weights.values.reduce(0) { $0 + $1.elementCount } }
}
