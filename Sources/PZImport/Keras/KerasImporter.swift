import PZGraph
import PZHDF5

/// Imports Keras models saved by Keras 2 (standalone or tf.keras / tf-keras) and
/// Keras 3 into a validated IR graph: a full-model `.h5` (`model_config` plus
/// `/model_weights`), or an architecture given as JSON (`model.to_json()`) with
/// weights in a separate `.h5`.
public enum KerasImporter {
    /// A full model saved with `model.save("model.h5")`; `memoryLimit` bounds the
    /// weights read.
    public static func importModel(h5 path: String, inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine) throws -> Graph {
        try importModel(HDF5File(readingFrom: path, memoryLimit: memoryLimit), bytes: { try readFileBytes(path) },
                        inputShape: inputShape)
    }

    /// A full model file held in memory (the bytes of a `model.h5`); `name` stands
    /// for the file in errors and in the graph's provenance.
    public static func importModel(h5Bytes bytes: [UInt8], name: String, inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine) throws -> Graph {
        try importModel(HDF5File(image: bytes, name: name, memoryLimit: memoryLimit), bytes: { bytes }, inputShape: inputShape)
    }

    private static func importModel(_ file: HDF5File, bytes: () throws -> [UInt8],
                                    inputShape: InputShapeOverride) throws -> Graph {
        let path = file.path
        let root = try file.root
        guard root.hasAttribute("model_config") else {
            throw ImportError("\(path): no model_config attribute, so this is not a full Keras model file; if it holds "
                              + "only weights, give the architecture as JSON: pzconv import model.json --weights \(path)")
        }
        let version = root.hasAttribute("keras_version") ? try root.stringAttribute("keras_version") : nil
        let backend = root.hasAttribute("backend") ? try root.stringAttribute("backend") : nil
        try checkOrigin(version: version, backend: backend, path: path)
        let document = try JSONValue.parse(try root.stringAttribute("model_config"), path: path)
        guard root.hasGroup("model_weights") else {
            throw ImportError("\(path): the file has a model_config but no /model_weights group")
        }
        let weights = KerasWeights(group: try root.group("model_weights"), path: path)
        return try build(document, weights: weights, inputShape: inputShape, path: path,
                         source: SourceInfo(framework: "keras", detail: detail(version: version, backend: backend),
                                            files: [describeSourceFile(path, bytes: try bytes())]))
    }

    /// An architecture as JSON (`model.to_json()`, or a `model_config`) and its
    /// weights (`save_weights("w.h5")` in Keras 2, or a full-model `.h5`).
    public static func importModel(json path: String, weights weightsPath: String,
                                   inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine) throws -> Graph {
        let (text, bytes) = try readTextFile(path)
        let document = try JSONValue.parse(text, path: path)
        let weights = try KerasWeights.open(weightsPath, memoryLimit: memoryLimit)
        return try build(document, jsonBytes: bytes, path: path, weights: weights,
                         weightsBytes: { try readFileBytes(weightsPath) }, inputShape: inputShape)
    }

    /// An architecture as JSON text and its weights file held in memory (the bytes
    /// of a weights `.h5`); `path` and `weightsPath` name them in errors and in the
    /// graph's provenance.
    public static func importModel(jsonText text: String, path: String, weightsBytes: [UInt8], weightsPath: String,
                                   inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine) throws -> Graph {
        let document = try JSONValue.parse(text, path: path)
        let weights = try KerasWeights.open(HDF5File(image: weightsBytes, name: weightsPath, memoryLimit: memoryLimit))
        return try build(document, jsonBytes: Array(text.utf8), path: path, weights: weights,
                         weightsBytes: { weightsBytes }, inputShape: inputShape)
    }

    private static func build(_ document: JSONValue, jsonBytes: [UInt8], path: String, weights: KerasWeights,
                              weightsBytes: () throws -> [UInt8], inputShape: InputShapeOverride) throws -> Graph {
        let source = SourceInfo(framework: "keras", detail: detail(version: document["keras_version"]?.string,
                                                                   backend: document["backend"]?.string),
                                files: [describeSourceFile(path, bytes: jsonBytes),
                                        describeSourceFile(weights.path, bytes: try weightsBytes())])
        return try build(document, weights: weights, inputShape: inputShape, path: path, source: source)
    }

    private static func build(_ document: JSONValue, weights: KerasWeights, inputShape: InputShapeOverride, path: String,
                              source: SourceInfo) throws -> Graph {
        let model = try KerasModelSpec(document, path: path)
        let layout = try modelLayout(model, path: path, inputShape: inputShape)
        let inputNames = model.inputs.map(\.layer)
        var builder = KerasGraphBuilder(path: path, weights: weights, layout: layout,
                                        inputShapes: try inputShape.resolved(for: inputNames))
        let outputs = try builder.add(model)
        var nodes = builder.nodes
        var seen = Set<String>()
        var graphOutputs: [GraphOutput] = []
        for (reference, tensor) in zip(model.outputs, outputs) where seen.insert(tensor).inserted {
            // Outputs carry the Keras output layer's name, even when a nested model makes them.
            let producedNames = Set(nodes.flatMap(\.outputs))
            var name = tensor
            if tensor != reference.layer, !producedNames.contains(reference.layer), !seen.contains(reference.layer) {
                name = reference.layer
                for index in nodes.indices {
                    nodes[index].inputs = nodes[index].inputs.map { $0 == tensor ? name : $0 }
                    nodes[index].outputs = nodes[index].outputs.map { $0 == tensor ? name : $0 }
                }
            }
            let form = builder.forms[tensor] ?? .full
            guard !form.isFlattened else {
                throw ImportError("\(path): output '\(reference.layer)' is a Flatten of a spatial tensor, which pzconv computes only as a Dense layer's input")
            }
            graphOutputs.append(GraphOutput(tensor: name, sourceLayout: form == .flat ? DataLayout("NC")! : layout))
        }
        let graph = Graph(name: model.name, nodes: nodes, outputs: graphOutputs, source: source)
        do {
            try graph.validate()
        } catch let error as GraphError {
            throw ImportError("\(path): the imported graph is invalid: \(error)")
        }
        return graph
    }

    /// The layout of the model's activations: channels first or last, from the
    /// layers' `data_format` (all must agree; Keras' default is channels_last), and
    /// 2-D or 3-D from the input rank.
    static func modelLayout(_ model: KerasModelSpec, path: String, inputShape: InputShapeOverride) throws -> DataLayout {
        var formats: [String: String] = [:]
        func collect(_ model: KerasModelSpec) {
            for layer in model.layers {
                if let nested = layer.nested { collect(nested) }
                // A Flatten's data_format only orders what it flattens (see KerasTensorForm.flattened).
                if layer.className != "Flatten", let format = layer.config["data_format"]?.string, formats[format] == nil {
                    formats[format] = layer.name
                }
            }
        }
        collect(model)
        let known = ["channels_first", "channels_last"]
        if let (format, layer) = formats.first(where: { !known.contains($0.key) }) {
            throw ImportError("\(path): layer '\(layer)': data_format '\(format)' is neither channels_first nor channels_last")
        }
        guard formats.count <= 1 else {
            throw ImportError("\(path): the model mixes channels_first ('\(formats["channels_first"] ?? "")') and channels_last "
                              + "('\(formats["channels_last"] ?? "")') layers; pzconv needs one data format")
        }
        let channelsFirst = formats.keys.first == "channels_first"
        guard let first = model.inputs.first, let input = model.layers.first(where: { $0.name == first.layer }) else {
            throw ImportError("\(path): the model has no inputs")
        }
        let rank = try inputShape.resolved(for: model.inputs.map(\.layer))[input.name]?.count
            ?? KerasLayerConversion.batchShape(of: input, path: path).count
        switch (rank, channelsFirst) {
        case (5, false): return .ndhwc
        case (5, true): return .ncdhw
        case (4, false): return .nhwc
        case (4, true): return .nchw
        default:
            throw ImportError("\(path): input '\(input.name)' has rank \(rank); pzconv imports 2-D (rank 4) and 3-D "
                              + "(rank 5) convolutional models")
        }
    }

    /// Refuses files whose kernels Keras itself would have to convert.
    private static func checkOrigin(version: String?, backend: String?, path: String) throws {
        guard let version, !version.isEmpty else {
            throw ImportError("\(path): no keras_version attribute: a Keras 1 file, whose kernel layouts differ; re-save it "
                              + "with Keras 2 or 3")
        }
        if backend == "theano" {
            throw ImportError("\(path): saved with the Theano backend, whose convolution kernels are flipped; re-save it "
                              + "with the TensorFlow backend")
        }
    }

    private static func detail(version: String?, backend: String?) -> String {
        ["keras \(version ?? "unknown")", backend.map { "backend \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }
}
