/// The canonical IR: a directed acyclic graph of typed nodes over named tensors.
///
/// Invariants (checked by `validate()`, which every reader and importer calls):
/// node names are unique; every tensor is produced by exactly one node; every
/// tensor a node reads is produced by a node earlier in `nodes` (so `nodes` is a
/// topological order and the graph is acyclic); graph outputs name produced tensors;
/// shapes infer without error (see `inferShapes()`).
public struct Graph: Equatable, Sendable {
    public var name: String
    /// Nodes in a topological order.
    public var nodes: [Node]
    /// The graph's results, with their layout in the source model.
    public var outputs: [GraphOutput]
    /// Where the graph came from (importer, source files and their hashes).
    public var source: SourceInfo?
    /// What the verified pass pipeline did, once `optimize` has run.
    public var verification: VerificationRecord?

    public init(name: String, nodes: [Node], outputs: [GraphOutput], source: SourceInfo? = nil,
                verification: VerificationRecord? = nil) {
        self.name = name
        self.nodes = nodes
        self.outputs = outputs
        self.source = source
        self.verification = verification
    }

    /// The Input nodes, in graph order.
    public var inputNodes: [Node] {
        nodes.filter { if case .input = $0.op { true } else { false } }
    }

    /// The order executors run the nodes in: every Input first (their values are
    /// all in place before the first step), then the others in graph order.
    public var executionOrder: [Node] {
        inputNodes + nodes.filter { if case .input = $0.op { false } else { true } }
    }

    /// The index of the node called `name`.
    public func nodeIndex(named name: String) -> Int? {
        nodes.firstIndex { $0.name == name }
    }

    /// For every tensor, the index of the node that produces it.
    public func producerIndex() -> [String: Int] {
        var producers: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.outputs { producers[output] = index }
        }
        return producers
    }

    /// For every tensor, the indices of the nodes that read it (a node reading a
    /// tensor twice appears once).
    public func consumerIndices() -> [String: [Int]] {
        var consumers: [String: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            for input in Set(node.inputs) { consumers[input, default: []].append(index) }
        }
        for key in consumers.keys { consumers[key]!.sort() }
        return consumers
    }

    /// Names of the graph output tensors.
    public var outputNames: [String] { outputs.map(\.tensor) }

    /// Total number of weight values.
    public var parameterCount: Int { nodes.reduce(0) { $0 + $1.parameterCount } }
}

/// A graph result and its layout in the source model (e.g. NDHWC for a
/// channels_last Keras model): `pzconv run` writes it in that layout.
public struct GraphOutput: Hashable, Sendable {
    public var tensor: String
    public var sourceLayout: DataLayout

    public init(tensor: String, sourceLayout: DataLayout) {
        self.tensor = tensor
        self.sourceLayout = sourceLayout
    }
}

/// Provenance of a whole graph.
public struct SourceInfo: Hashable, Sendable, Codable {
    /// "caffe" or "keras".
    public var framework: String
    /// Framework details worth keeping (e.g. "keras 3.6.0, backend tensorflow").
    public var detail: String?
    public var files: [SourceFile]

    public init(framework: String, detail: String? = nil, files: [SourceFile]) {
        self.framework = framework
        self.detail = detail
        self.files = files
    }
}

/// A source file and its SHA-256 (hex), so a `.pzir` or `.pz` can be traced to the
/// exact model it came from.
public struct SourceFile: Hashable, Sendable, Codable {
    public var name: String
    public var bytes: Int
    public var sha256: String

    public init(name: String, bytes: Int, sha256: String) {
        self.name = name
        self.bytes = bytes
        self.sha256 = sha256
    }
}

extension Graph {
    /// The graph with its one 3-D input's spatial size (D, H, W) set to `patch`;
    /// the shapes it implies are checked by `validate()`, not here.
    public func resizingInput(to patch: [Int]) throws -> Graph {
        var graph = self
        let inputs = nodes.indices.filter { if case .input = nodes[$0].op { true } else { false } }
        guard inputs.count == 1, case .input(var parameters) = nodes[inputs[0]].op, parameters.shape.count == 5,
              patch.count == 3, patch.allSatisfy({ $0 > 0 }) else {
            throw GraphError.invalidGraph("an input patch \(patch) needs a model with one 3-D input")
        }
        parameters.shape = Array(parameters.shape.prefix(2)) + patch
        graph.nodes[inputs[0]].op = .input(parameters)
        return graph
    }
}
