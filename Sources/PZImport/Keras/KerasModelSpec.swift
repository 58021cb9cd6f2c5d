/// A reference to a tensor as a Keras config writes it: the producing layer, the
/// node index (which call of the layer) and the tensor index.
struct KerasTensorRef: Hashable, CustomStringConvertible {
    var layer: String
    var node: Int
    var tensor: Int

    var description: String { "[\(layer), \(node), \(tensor)]" }
}

/// How a reference counts the calls of a nested model. A nested model's node 0 is
/// its own input→output node, so Keras 2 references its first call as node 1
/// everywhere. Keras 3 drops that node before numbering the `inbound_nodes` of the
/// outer model (first call = node 0), but counts it in `input_layers` /
/// `output_layers` for Functional models (node 1), not for Sequential ones, which
/// in Keras 3 are not Functional subclasses.
enum KerasNodeNumbering {
    /// Keras 2 (list-form inbound nodes).
    case nestedModelsOffsetByOne
    /// Keras 3 (dictionary-form inbound nodes).
    case direct

    /// The position in `inbound_nodes` of the call that `node` names, for a
    /// reference to `layer` in a layer call (`inCall`) or in the model's input and
    /// output lists.
    func callIndex(node: Int, layer: KerasLayerSpec?, inCall: Bool) -> Int {
        guard let layer, layer.nested != nil else { return node }
        switch (self, inCall) {
        case (.nestedModelsOffsetByOne, _): return node - 1
        case (.direct, true): return node
        case (.direct, false): return layer.className == "Sequential" ? node : node - 1
        }
    }
}

/// One entry of a model's `layers`: its class, config and calls.
struct KerasLayerSpec {
    var className: String
    var name: String
    var config: JSONValue
    /// The inputs of each call, in argument order.
    var calls: [[KerasTensorRef]]
    /// The model inside, for a nested Functional or Sequential model.
    var nested: KerasModelSpec?

    var isInputLayer: Bool { className == "InputLayer" }
}

/// A model config in one normal form: Functional graphs as they are, Sequential
/// models as a chain of calls.
struct KerasModelSpec {
    var name: String
    var layers: [KerasLayerSpec]
    var inputs: [KerasTensorRef]
    var outputs: [KerasTensorRef]
    /// How references in `calls` count nested-model nodes.
    var callNumbering: KerasNodeNumbering

    static let modelClasses: Set<String> = ["Functional", "Model", "Sequential"]

    /// Parses `{"class_name": …, "config": …}` (a `model_config`, `model.to_json()`,
    /// or a nested model's layer entry). `path` names the file in errors.
    init(_ document: JSONValue, path: String) throws {
        guard let className = document["class_name"]?.string else {
            throw ImportError("\(path): the model configuration has no class_name")
        }
        let config = document["config"] ?? .null
        switch className {
        case "Functional", "Model":
            try self.init(functional: config, path: path)
        case "Sequential":
            try self.init(sequential: config, path: path)
        default:
            throw ImportError("\(path): model class '\(className)' is not supported (pzconv rebuilds Functional and "
                              + "Sequential models; a subclassed model has no graph in its config)")
        }
    }

    private init(functional config: JSONValue, path: String) throws {
        name = config["name"]?.string ?? "model"
        guard let entries = config["layers"]?.array else {
            throw ImportError("\(path): model '\(name)' has no layers list")
        }
        var usesDictionaryNodes = false
        layers = try entries.map { entry in
            let (layer, dictionaryNodes) = try KerasModelSpec.layer(entry, path: path)
            usesDictionaryNodes = usesDictionaryNodes || dictionaryNodes
            return layer
        }
        callNumbering = usesDictionaryNodes ? .direct : .nestedModelsOffsetByOne
        inputs = try KerasModelSpec.references(config["input_layers"], path: path, what: "input_layers of '\(name)'")
        outputs = try KerasModelSpec.references(config["output_layers"], path: path, what: "output_layers of '\(name)'")
    }

    /// A Sequential model (`{name, layers}`, or the bare list of Keras ≤ 2.1) as a
    /// chain: each layer calls the previous one. Without an InputLayer, the first
    /// layer's `batch_input_shape` / `batch_shape` (or the model's
    /// `build_input_shape`) makes one.
    private init(sequential config: JSONValue, path: String) throws {
        let entries: [JSONValue]
        if let list = config.array {
            entries = list
            name = "sequential"
        } else {
            entries = config["layers"]?.array ?? []
            name = config["name"]?.string ?? "sequential"
        }
        guard !entries.isEmpty else { throw ImportError("\(path): Sequential model '\(name)' has no layers") }
        var chain: [KerasLayerSpec] = []
        for entry in entries {
            var (layer, _) = try KerasModelSpec.layer(entry, path: path)
            layer.calls = []
            chain.append(layer)
        }
        if !chain[0].isInputLayer {
            let first = chain[0].config
            let shape = first["batch_input_shape"] ?? first["batch_shape"] ?? config["build_input_shape"] ?? .null
            chain.insert(KerasLayerSpec(className: "InputLayer", name: "\(name)_input",
                                        config: .object(["batch_shape": shape]), calls: []), at: 0)
        }
        for index in 1..<chain.count {
            chain[index].calls = [[KerasTensorRef(layer: chain[index - 1].name, node: 0, tensor: 0)]]
        }
        layers = chain
        inputs = [KerasTensorRef(layer: chain[0].name, node: 0, tensor: 0)]
        outputs = [KerasTensorRef(layer: chain[chain.count - 1].name, node: 0, tensor: 0)]
        callNumbering = .direct
    }

    /// One layer entry; also says whether its nodes use Keras 3's dictionary form.
    private static func layer(_ entry: JSONValue, path: String) throws -> (KerasLayerSpec, Bool) {
        guard let className = entry["class_name"]?.string else {
            throw ImportError("\(path): a layer entry has no class_name")
        }
        let config = entry["config"] ?? .object([:])
        guard let name = entry["name"]?.string ?? config["name"]?.string else {
            throw ImportError("\(path): a \(className) layer has no name")
        }
        var calls: [[KerasTensorRef]] = []
        var dictionaryNodes = false
        for node in entry["inbound_nodes"]?.array ?? [] {
            if node.object != nil {
                dictionaryNodes = true
                var found: [KerasTensorRef] = []
                try collectKerasTensors(node["args"] ?? .null, into: &found, path: path, layer: name)
                calls.append(found)
            } else if let references = node.array {
                calls.append(try references.map { try legacyReference($0, path: path, layer: name) })
            } else {
                throw ImportError("\(path): layer '\(name)' has an inbound node of unknown form")
            }
        }
        let nested = modelClasses.contains(className) ? try KerasModelSpec(entry, path: path) : nil
        return (KerasLayerSpec(className: className, name: name, config: config, calls: calls, nested: nested),
                dictionaryNodes)
    }

    /// Keras 2: `[layer, node_index, tensor_index, kwargs]`.
    private static func legacyReference(_ value: JSONValue, path: String, layer: String) throws -> KerasTensorRef {
        guard let items = value.array, items.count >= 3, let source = items[0].string else {
            throw ImportError("\(path): layer '\(layer)' has a malformed inbound reference")
        }
        guard source != "_CONSTANT_VALUE" else {
            throw ImportError("\(path): layer '\(layer)' is called with a constant value, which pzconv does not support")
        }
        guard let node = items[1].int, let tensor = items[2].int else {
            throw ImportError("\(path): layer '\(layer)' has a malformed inbound reference to '\(source)'")
        }
        return KerasTensorRef(layer: source, node: node, tensor: tensor)
    }

    /// Keras 3: tensors are `{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, tensor]}}`
    /// anywhere inside the call's arguments (merge layers take a list).
    private static func collectKerasTensors(_ value: JSONValue, into found: inout [KerasTensorRef], path: String,
                                            layer: String) throws {
        switch value {
        case .array(let items):
            for item in items { try collectKerasTensors(item, into: &found, path: path, layer: layer) }
        case .object(let object):
            if object["class_name"]?.string == "__keras_tensor__" {
                guard let history = object["config"]?["keras_history"]?.array, history.count == 3,
                      let source = history[0].string, let node = history[1].int, let tensor = history[2].int else {
                    throw ImportError("\(path): layer '\(layer)' has a malformed keras_history")
                }
                found.append(KerasTensorRef(layer: source, node: node, tensor: tensor))
            } else {
                for (_, item) in object.sorted(by: { $0.key < $1.key }) {
                    try collectKerasTensors(item, into: &found, path: path, layer: layer)
                }
            }
        default:
            break
        }
    }

    /// `input_layers` / `output_layers`: a single `[name, node, tensor]` leaf, a
    /// list of leaves, or (Keras 3) a dictionary of them.
    private static func references(_ value: JSONValue?, path: String, what: String) throws -> [KerasTensorRef] {
        guard let value else { throw ImportError("\(path): the model configuration has no \(what)") }
        if let items = value.array, items.count == 3, let name = items[0].string, let node = items[1].int,
           let tensor = items[2].int {
            return [KerasTensorRef(layer: name, node: node, tensor: tensor)]
        }
        if let items = value.array {
            return try items.flatMap { try references($0, path: path, what: what) }
        }
        if let object = value.object {
            return try object.keys.sorted().flatMap { try references(object[$0], path: path, what: what) }
        }
        throw ImportError("\(path): \(what) is malformed")
    }
}
