/// One layer of a Caffe net after the upgrades Caffe applies when it loads a net
/// (V1 → current types, deprecated inputs → an Input layer) and after phase
/// filtering for TEST (deploy).
struct CaffeLayer {
    /// The layer's name; unnamed layers get `<Type><n>` (n counts the layers of
    /// that type in file order, from 1).
    var name: String
    var isUnnamed: Bool
    /// The current-format type string, e.g. "Convolution".
    var type: String
    var bottoms: [String]
    var tops: [String]
    /// The layer's fields: a LayerParameter, or a V1LayerParameter (whose
    /// `*_param` fields have the same names and types).
    var parameters: ProtoMessage
    var location: SourceLocation
    /// For the Input layer made from deprecated `input` fields: a shape per top
    /// (empty when the net gave none).
    var legacyInputShapes: [[Int]]? = nil

    /// "layer 'conv1' (Convolution)".
    var label: String { "layer '\(name)' (\(type))" }
}

/// A parsed deploy prototxt: its layers in order, ready for conversion.
struct CaffeNetDescription {
    var name: String
    var layers: [CaffeLayer]
    /// "current" (`layer`) or "V1" (`layers`).
    var format: String
    let path: String

    /// V1 enum → current type string (Caffe's UpgradeV1LayerType, formats.md §1.9).
    static let v1TypeNames: [String: String] = [
        "ABSVAL": "AbsVal", "ACCURACY": "Accuracy", "ARGMAX": "ArgMax", "BNLL": "BNLL", "CONCAT": "Concat",
        "CONTRASTIVE_LOSS": "ContrastiveLoss", "CONVOLUTION": "Convolution", "DATA": "Data",
        "DECONVOLUTION": "Deconvolution", "DROPOUT": "Dropout", "DUMMY_DATA": "DummyData",
        "EUCLIDEAN_LOSS": "EuclideanLoss", "ELTWISE": "Eltwise", "EXP": "Exp", "FLATTEN": "Flatten",
        "HDF5_DATA": "HDF5Data", "HDF5_OUTPUT": "HDF5Output", "HINGE_LOSS": "HingeLoss", "IM2COL": "Im2col",
        "IMAGE_DATA": "ImageData", "INFOGAIN_LOSS": "InfogainLoss", "INNER_PRODUCT": "InnerProduct", "LRN": "LRN",
        "MEMORY_DATA": "MemoryData", "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss", "MVN": "MVN",
        "POOLING": "Pooling", "POWER": "Power", "RELU": "ReLU", "SIGMOID": "Sigmoid",
        "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss", "SILENCE": "Silence", "SOFTMAX": "Softmax",
        "SOFTMAX_LOSS": "SoftmaxWithLoss", "SPLIT": "Split", "SLICE": "Slice", "TANH": "TanH",
        "WINDOW_DATA": "WindowData", "THRESHOLD": "Threshold",
    ]

    init(text: String, path: String) throws {
        self.path = path
        let net = try TextFormatParser.parse(text, as: .netParameter, path: path)
        name = net.string("name")
        let current = net.messages("layer")
        let legacy = net.messages("layers")
        guard current.isEmpty || legacy.isEmpty else {
            throw PrototxtError(path, net.location(of: "layers")!,
                                "the net mixes 'layer' and V1 'layers' entries; Caffe refuses such files")
        }
        format = legacy.isEmpty ? "current" : "V1"
        var counts: [String: Int] = [:]
        var all: [CaffeLayer] = []
        if let input = try CaffeNetDescription.legacyInputLayer(net, path: path) { all.append(input) }
        for message in current.isEmpty ? legacy : current {
            let type = try CaffeNetDescription.typeName(of: message, isV1: !legacy.isEmpty, path: path)
            counts[type, default: 0] += 1
            let given = message.string("name")
            all.append(CaffeLayer(name: given.isEmpty ? "\(type)\(counts[type]!)" : given, isUnnamed: given.isEmpty,
                                  type: type, bottoms: message.strings("bottom"), tops: message.strings("top"),
                                  parameters: message, location: message.location))
        }
        let state = net.message("state")
        let filter = PhaseFilter(level: state.integer("level"), stages: Set(state.strings("stage")))
        layers = try all.filter { try filter.includes($0, path: path) }
    }

    private static func typeName(of message: ProtoMessage, isV1: Bool, path: String) throws -> String {
        guard isV1 else {
            let type = message.string("type")
            guard !type.isEmpty else { throw PrototxtError(path, message.location, "a layer has no type") }
            return type
        }
        if message.has("layer") {
            throw PrototxtError(path, message.location, "V0 layer format ('layers { layer { … } }') is not supported; "
                                + "upgrade the net with Caffe's upgrade_net_proto_text")
        }
        let enumName = message.enumName("type")
        guard let type = v1TypeNames[enumName] else {
            throw PrototxtError(path, message.location, "V1 layer '\(message.string("name"))' has no usable type (\(enumName))")
        }
        return type
    }

    /// Caffe's UpgradeNetInput: `input` + `input_shape` / `input_dim` become an
    /// Input layer named "input" at the front.
    private static func legacyInputLayer(_ net: ProtoMessage, path: String) throws -> CaffeLayer? {
        let names = net.strings("input")
        guard !names.isEmpty else { return nil }
        let location = net.location(of: "input")!
        var shapes: [[Int]] = []
        let shapeMessages = net.messages("input_shape")
        let dims = net.integers("input_dim")
        if !shapeMessages.isEmpty {
            guard shapeMessages.count == names.count else {
                throw PrototxtError(path, location, "\(names.count) inputs but \(shapeMessages.count) input_shape entries")
            }
            shapes = shapeMessages.map { $0.integers("dim") }
        } else if !dims.isEmpty {
            guard dims.count == 4 * names.count else {
                throw PrototxtError(path, location, "\(names.count) inputs need \(4 * names.count) input_dim values, "
                                    + "found \(dims.count)")
            }
            shapes = (0..<names.count).map { Array(dims[(4 * $0)..<(4 * $0 + 4)]) }
        }
        var parameters = ProtoMessage(type: net.type.field(named: "layer")!.messageType!, location: location)
        parameters.append("name", .string("input"), at: location)
        return CaffeLayer(name: "input", isUnnamed: false, type: "Input", bottoms: [], tops: names, parameters: parameters,
                          location: location, legacyInputShapes: shapes.isEmpty ? Array(repeating: [], count: names.count) : shapes)
    }
}

/// Caffe's FilterNet for the TEST phase: a layer with include rules is kept if
/// any rule matches; with exclude rules it is dropped if any matches.
struct PhaseFilter {
    var level: Int
    var stages: Set<String>

    func includes(_ layer: CaffeLayer, path: String) throws -> Bool {
        let include = layer.parameters.messages("include")
        let exclude = layer.parameters.messages("exclude")
        guard include.isEmpty || exclude.isEmpty else {
            throw PrototxtError(path, layer.location, "\(layer.label) has both include and exclude rules")
        }
        if !include.isEmpty { return include.contains(where: matches) }
        return !exclude.contains(where: matches)
    }

    private func matches(_ rule: ProtoMessage) -> Bool {
        if rule.has("phase"), rule.enumName("phase") != "TEST" { return false }
        if rule.has("min_level"), level < rule.integer("min_level") { return false }
        if rule.has("max_level"), level > rule.integer("max_level") { return false }
        if !Set(rule.strings("stage")).isSubset(of: stages) { return false }
        if rule.strings("not_stage").contains(where: stages.contains) { return false }
        return true
    }
}
