import PZGraph

/// Builds IR nodes from a Keras model spec, resolving each layer call once all of
/// its inputs exist (the order Keras' own loader uses: config order, deferring
/// calls whose inputs are not ready). Nested models are inlined: their nodes are
/// named `outer/inner`, and their weights come from the top-level group of the
/// nested model. A shared layer's second call is named `layer#2`.
struct KerasGraphBuilder {
    let path: String
    let weights: KerasWeights?
    /// The layout of every activation in the source model (NDHWC, NCDHW, NHWC, NCHW).
    let layout: DataLayout
    /// Input shapes from --input-shape, in the source layout.
    let inputShapes: [String: [Int]]

    private(set) var nodes: [Node] = []
    private(set) var shapes: [String: [Int]] = [:]
    /// The Keras form of every tensor that is not full-rank.
    private(set) var forms: [String: KerasTensorForm] = [:]
    private var nodeNames = UniqueNames(separator: "~")
    private var weightCache: [String: [KerasWeight]] = [:]

    init(path: String, weights: KerasWeights?, layout: DataLayout, inputShapes: [String: [Int]]) {
        self.path = path
        self.weights = weights
        self.layout = layout
        self.inputShapes = inputShapes
    }

    /// Adds the nodes of `model` and returns the IR tensors of its outputs.
    /// `boundInputs` are the tensors a nested model is called on (nil at the top
    /// level, where its InputLayers become Input nodes); `scope` prefixes names;
    /// `weightGroup` is the top-level layer whose weight group holds a nested model's weights.
    mutating func add(_ model: KerasModelSpec, scope: String = "", boundInputs: [String]? = nil,
                      weightGroup: String? = nil) throws -> [String] {
        var produced: [KerasTensorRef: String] = [:]
        let layersByName = Dictionary(model.layers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, reference) in model.inputs.enumerated() {
            guard let layer = layersByName[reference.layer], layer.isInputLayer else {
                throw ImportError("\(path): input \(reference) of model '\(model.name)' is not an InputLayer")
            }
            if let boundInputs {
                guard index < boundInputs.count else {
                    throw ImportError("\(path): nested model '\(model.name)' is called with \(boundInputs.count) inputs, "
                                      + "it has \(model.inputs.count)")
                }
                produced[KerasTensorRef(layer: layer.name, node: 0, tensor: 0)] = boundInputs[index]
            } else {
                produced[KerasTensorRef(layer: layer.name, node: 0, tensor: 0)] = try addInput(layer, scope: scope)
            }
        }
        var pending: [(layer: KerasLayerSpec, call: Int)] = model.layers.filter { !$0.isInputLayer }
            .flatMap { layer in layer.calls.indices.map { (layer, $0) } }
        while !pending.isEmpty {
            var waiting: [(layer: KerasLayerSpec, call: Int)] = []
            for (layer, call) in pending {
                let resolved = layer.calls[call].map {
                    resolve($0, in: layersByName, produced: produced, numbering: model.callNumbering, inCall: true)
                }
                guard resolved.allSatisfy({ $0 != nil }) else {
                    waiting.append((layer, call))
                    continue
                }
                let outputs = try addCall(layer, call: call, inputs: resolved.map { $0! }, scope: scope,
                                          weightGroup: weightGroup)
                for (tensorIndex, tensor) in outputs.enumerated() {
                    produced[KerasTensorRef(layer: layer.name, node: call, tensor: tensorIndex)] = tensor
                }
            }
            guard waiting.count < pending.count else {
                let (layer, call) = waiting[0]
                let missing = layer.calls[call].first {
                    resolve($0, in: layersByName, produced: produced, numbering: model.callNumbering, inCall: true) == nil
                }!
                throw ImportError("\(path): layer '\(scope)\(layer.name)' reads \(missing), which no layer of model "
                                  + "'\(model.name)' produces")
            }
            pending = waiting
        }
        return try model.outputs.map { reference in
            guard let tensor = resolve(reference, in: layersByName, produced: produced, numbering: model.callNumbering,
                                       inCall: false)
            else { throw ImportError("\(path): output \(reference) of model '\(model.name)' is not produced by any layer") }
            return tensor
        }
    }

    /// The IR tensor a reference names, once produced (see `KerasNodeNumbering`).
    private func resolve(_ reference: KerasTensorRef, in layers: [String: KerasLayerSpec],
                         produced: [KerasTensorRef: String], numbering: KerasNodeNumbering, inCall: Bool) -> String? {
        let call = numbering.callIndex(node: reference.node, layer: layers[reference.layer], inCall: inCall)
        return produced[KerasTensorRef(layer: reference.layer, node: call, tensor: reference.tensor)]
    }

    private mutating func addInput(_ layer: KerasLayerSpec, scope: String) throws -> String {
        let name = scope + layer.name
        var shape = try KerasLayerConversion.batchShape(of: layer, path: path)
        if let override = inputShapes[layer.name] { shape = override.map { $0 } }
        guard shape.count == layout.axes.count else {
            throw ImportError("\(path): input '\(layer.name)' has rank \(shape.count); the model's layers use "
                              + "\(layout) (\(layout.axes.count)-D inputs)")
        }
        let described = shape.map { $0.map(String.init) ?? "None" }.joined(separator: ", ")
        if shape[0] == nil { shape[0] = 1 }
        let dims = shape.compactMap { $0 }
        guard dims.count == shape.count, dims.allSatisfy({ $0 >= 1 }) else {
            throw ImportError("\(path): input '\(layer.name)' has unknown dimensions (\(described)); give the patch "
                              + "shape with --input-shape (in \(layout) order, batch first)")
        }
        let parameters = InputParameters(shape: layout.canonicalShape(fromSource: dims)!, sourceLayout: layout)
        try append(Node(name: name, op: .input(parameters), inputs: [], outputs: [name],
                        sourceLayers: [name]))
        return name
    }

    private mutating func addCall(_ layer: KerasLayerSpec, call: Int, inputs: [String], scope: String,
                                  weightGroup: String?) throws -> [String] {
        let base = scope + layer.name + (call > 0 ? "#\(call + 1)" : "")
        if let nested = layer.nested {
            return try add(nested, scope: base + "/", boundInputs: inputs, weightGroup: weightGroup ?? layer.name)
        }
        let layerWeights = try weightsOf(layer, weightGroup: weightGroup)
        let inputForms = inputs.map { forms[$0] ?? .full }
        let conversion = KerasLayerConversion(path: path, layer: layer, nodeName: base, inputs: inputs,
                                              inputShapes: inputs.map { shapes[$0]! }, layout: layout,
                                              weights: layerWeights, sourceLayer: scope + layer.name, inputForms: inputForms)
        let converted = try conversion.nodes()
        for node in converted { try append(node) }
        let output = converted.last?.outputs[0] ?? inputs[0]
        if !converted.isEmpty { forms[output] = try conversion.outputForm(outputShape: shapes[output]!) }
        return [output]
    }

    /// A layer's saved weights: its own group at the top level, or the entries of
    /// the nested model's group that are scoped by the layer's name.
    private mutating func weightsOf(_ layer: KerasLayerSpec, weightGroup: String?) throws -> [KerasWeight] {
        guard let weights else { return [] }
        let group = weightGroup ?? layer.name
        if weightCache[group] == nil { weightCache[group] = try weights.weights(ofTopLevelLayer: group) }
        let all = weightCache[group]!
        return weightGroup == nil ? all : all.filter { $0.scopes.contains(layer.name) }
    }

    private mutating func append(_ node: Node) throws {
        var node = node
        node.name = uniqueNodeName(node.name)
        do {
            let outputShapes = try node.inferOutputShapes(inputShapes: node.inputs.map { shapes[$0]! })
            for (name, shape) in zip(node.outputs, outputShapes) { shapes[name] = shape }
        } catch let error as GraphError {
            let detail: String
            switch error {
            case .invalidNode(_, _, let text): detail = text
            case .invalidGraph(let text): detail = text
            }
            throw ImportError("\(path): layer '\(node.sourceLayers.first ?? node.name)': \(detail)")
        }
        nodes.append(node)
    }

    private mutating func uniqueNodeName(_ base: String) -> String { nodeNames.claim(base) }
}
