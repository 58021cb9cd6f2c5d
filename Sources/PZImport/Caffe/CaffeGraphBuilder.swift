import PZGraph

/// Turns Caffe layers into IR nodes, one layer at a time, keeping Caffe's blob
/// bookkeeping: a blob name is rebound by every layer that writes it (in-place
/// layers), a bottom must already exist, a top may only rewrite a blob in place,
/// and the net's outputs are the blobs no layer consumes (sorted by name, as
/// Caffe orders them).
struct CaffeGraphBuilder {
    let net: CaffeNetDescription
    let weights: CaffeWeights
    /// Shapes that replace Input shapes, by input blob name (in Caffe's layout).
    let inputShapes: [String: [Int]]

    private(set) var nodes: [Node] = []
    /// IR shape of every tensor so far.
    private(set) var shapes: [String: [Int]] = [:]
    /// Caffe blob rank (4: N,C,H,W or 5: N,C,D,H,W) of every tensor.
    private(set) var ranks: [String: Int] = [:]
    /// Caffe blob name → the IR tensor holding its current value.
    private var current: [String: String] = [:]
    /// Blob names produced and not yet consumed, in production order.
    private var available: [String] = []
    private var unnamedOrdinals: [String: Int] = [:]
    private var nodeNames = UniqueNames(separator: "#")

    init(net: CaffeNetDescription, weights: CaffeWeights, inputShapes: [String: [Int]]) {
        self.net = net
        self.weights = weights
        self.inputShapes = inputShapes
    }

    /// "deploy.prototxt:12: layer 'conv1' (Convolution): " — the prefix of a layer's errors.
    func context(_ layer: CaffeLayer) -> String { "\(net.path):\(layer.location.line): \(layer.label)" }

    func fail(_ layer: CaffeLayer, _ message: String) -> ImportError {
        ImportError("\(context(layer)): \(message)")
    }

    mutating func add(_ layer: CaffeLayer) throws {
        var inputs: [String] = []
        for bottom in layer.bottoms {
            guard let tensor = current[bottom] else { throw fail(layer, "unknown bottom blob '\(bottom)'") }
            inputs.append(tensor)
            available.removeAll { $0 == bottom }
        }
        var outputs: [String] = []
        for (index, top) in layer.tops.enumerated() {
            if current[top] == nil {
                outputs.append(uniqueTensorName(top))
            } else if index < layer.bottoms.count, layer.bottoms[index] == top {
                outputs.append(uniqueTensorName("\(top)@\(layer.name)"))
            } else {
                throw fail(layer, "top blob '\(top)' is produced by more than one layer (only in-place rewrites are allowed)")
            }
        }
        let ordinal = unnamedOrdinals[layer.type, default: 0]
        if layer.isUnnamed { unnamedOrdinals[layer.type] = ordinal + 1 }
        let converted = try CaffeLayerConversion(builder: self, layer: layer, inputs: inputs, outputs: outputs,
                                                 unnamedOrdinal: ordinal).nodes()
        for var node in converted {
            node.name = uniqueNodeName(node.name)
            let inputShapes = node.inputs.map { shapes[$0]! }
            let outputShapes: [[Int]]
            do {
                outputShapes = try node.inferOutputShapes(inputShapes: inputShapes)
            } catch let error as GraphError {
                throw fail(layer, detail(of: error))
            }
            for (name, shape) in zip(node.outputs, outputShapes) {
                shapes[name] = shape
                if case .input(let parameters) = node.op {
                    ranks[name] = parameters.sourceLayout.axes.count
                } else {
                    ranks[name] = ranks[node.inputs[0]]
                }
            }
            nodes.append(node)
        }
        for (top, tensor) in zip(layer.tops, outputs) {
            current[top] = tensor
            available.removeAll { $0 == top }
            available.append(top)
        }
    }

    /// The finished graph: outputs are the unconsumed blobs, each renamed so that
    /// its final IR tensor carries the Caffe blob name.
    func graph(name: String, source: SourceInfo) throws -> Graph {
        var nodes = self.nodes
        var outputs: [GraphOutput] = []
        for blob in available.sorted() {
            var tensor = current[blob]!
            let firstProducer = nodes.first { $0.outputs.contains(blob) }
            // Inputs keep their names (patches and golden files refer to them).
            if tensor != blob, let firstProducer, !isInput(firstProducer) {
                rename(blob, to: "\(blob)@\(firstProducer.name)", in: &nodes)
                rename(tensor, to: blob, in: &nodes)
                tensor = blob
            }
            outputs.append(GraphOutput(tensor: tensor, sourceLayout: ranks[current[blob]!] == 4 ? .nchw : .ncdhw))
        }
        guard !outputs.isEmpty else { throw ImportError("\(net.path): the net has no output blobs") }
        return Graph(name: name, nodes: nodes, outputs: outputs, source: source)
    }

    private func isInput(_ node: Node) -> Bool {
        if case .input = node.op { return true }
        return false
    }

    private func rename(_ old: String, to new: String, in nodes: inout [Node]) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
            nodes[index].outputs = nodes[index].outputs.map { $0 == old ? new : $0 }
        }
    }

    private func uniqueTensorName(_ base: String) -> String {
        var name = base
        var suffix = 2
        while shapes[name] != nil || current.values.contains(name) {
            name = "\(base)#\(suffix)"
            suffix += 1
        }
        return name
    }

    private mutating func uniqueNodeName(_ base: String) -> String { nodeNames.claim(base) }

    private func detail(of error: GraphError) -> String {
        switch error {
        case .invalidNode(_, _, let detail): detail
        case .invalidGraph(let message): message
        }
    }

    /// The blobs of a layer that needs weights; an error when the file has none.
    func blobs(for layer: CaffeLayer, ordinal: Int) throws -> [CaffeBlob] {
        guard let blobs = try weights.blobs(for: layer, unnamedOrdinal: ordinal), !blobs.isEmpty else {
            throw ImportError("\(weights.path): no weights for \(layer.label) (the layer is missing from the weights file)")
        }
        return blobs
    }
}
