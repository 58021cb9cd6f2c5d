/// The JSON part of a `.pzir` file (see `PZIRFile` and docs/pzir-format.md).
/// Keys are snake_case. Weight values live in the binary data section; the
/// document records where.
public struct GraphDocument: Codable, Sendable {
    public var format: String
    public var version: Int
    public var producer: String
    public var name: String
    public var source: SourceInfo?
    public var outputs: [OutputDocument]
    public var nodes: [NodeDocument]
    public var verification: VerificationRecord?

    public init(format: String, version: Int, producer: String, name: String, source: SourceInfo?,
                outputs: [OutputDocument], nodes: [NodeDocument], verification: VerificationRecord?) {
        self.format = format
        self.version = version
        self.producer = producer
        self.name = name
        self.source = source
        self.outputs = outputs
        self.nodes = nodes
        self.verification = verification
    }
}

public struct OutputDocument: Codable, Sendable {
    public var tensor: String
    public var layout: DataLayout

    public init(tensor: String, layout: DataLayout) {
        self.tensor = tensor
        self.layout = layout
    }
}

/// Where one weight tensor's float32 little-endian values lie in the file.
public struct WeightEntry: Codable, Sendable {
    /// The weight's IR shape (for packed weights, before packing).
    public var shape: [Int]
    /// Absolute byte offset in the file, a multiple of 64.
    public var offset: Int
    /// Byte length.
    public var bytes: Int
    /// CRC-32 (zlib) of those bytes.
    public var crc32: UInt32
    /// `.pz` only: how the values are laid out (absent in `.pzir`: the IR shape, C order).
    public var packing: String?

    public init(shape: [Int], offset: Int, bytes: Int, crc32: UInt32, packing: String? = nil) {
        self.shape = shape
        self.offset = offset
        self.bytes = bytes
        self.crc32 = crc32
        self.packing = packing
    }
}

public struct NodeDocument: Codable, Sendable {
    public var name: String
    public var op: Op
    public var inputs: [String]
    public var outputs: [String]
    public var weights: [String: WeightEntry]
    public var sourceLayers: [String]
    public var fusions: [String]
    public var inPlace: Bool

    enum CodingKeys: String, CodingKey {
        case name, op, params, inputs, outputs, weights, sourceLayers = "source_layers", fusions, inPlace = "in_place"
    }

    public init(name: String, op: Op, inputs: [String], outputs: [String], weights: [String: WeightEntry],
                sourceLayers: [String], fusions: [String], inPlace: Bool) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.sourceLayers = sourceLayers
        self.fusions = fusions
        self.inPlace = inPlace
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        inputs = try container.decode([String].self, forKey: .inputs)
        outputs = try container.decode([String].self, forKey: .outputs)
        weights = try container.decodeIfPresent([String: WeightEntry].self, forKey: .weights) ?? [:]
        sourceLayers = try container.decodeIfPresent([String].self, forKey: .sourceLayers) ?? [name]
        fusions = try container.decodeIfPresent([String].self, forKey: .fusions) ?? []
        inPlace = try container.decodeIfPresent(Bool.self, forKey: .inPlace) ?? false
        let typeName = try container.decode(String.self, forKey: .op)
        op = try OpCoding.decode(typeName: typeName, from: container, paramsKey: .params, node: name)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(op.typeName, forKey: .op)
        try OpCoding.encodeParameters(of: op, into: &container, key: .params)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(outputs, forKey: .outputs)
        if !weights.isEmpty { try container.encode(weights, forKey: .weights) }
        try container.encode(sourceLayers, forKey: .sourceLayers)
        if !fusions.isEmpty { try container.encode(fusions, forKey: .fusions) }
        if inPlace { try container.encode(inPlace, forKey: .inPlace) }
    }
}

/// Maps each op to its `op` name and `params` object.
enum OpCoding {
    private struct NoParameters: Codable {}
    private struct ReLUParameters: Codable {
        var negativeSlope: Float
        enum CodingKeys: String, CodingKey { case negativeSlope = "negative_slope" }
    }
    private struct ELUParameters: Codable { var alpha: Float }

    static func encodeParameters<Key: CodingKey>(of op: Op, into container: inout KeyedEncodingContainer<Key>,
                                                 key: Key) throws {
        switch op {
        case .input(let parameters): try container.encode(parameters, forKey: key)
        case .convolution(let parameters), .deconvolution(let parameters): try container.encode(parameters, forKey: key)
        case .batchNorm(let parameters): try container.encode(parameters, forKey: key)
        case .groupNorm(let parameters): try container.encode(parameters, forKey: key)
        case .activation(.relu(let slope)): try container.encode(ReLUParameters(negativeSlope: slope), forKey: key)
        case .activation(.elu(let alpha)): try container.encode(ELUParameters(alpha: alpha), forKey: key)
        case .softmax(let parameters): try container.encode(parameters, forKey: key)
        case .eltwise(let parameters): try container.encode(parameters, forKey: key)
        case .concat(let parameters): try container.encode(parameters, forKey: key)
        case .crop(let parameters): try container.encode(parameters, forKey: key)
        case .mergeCrop(let parameters): try container.encode(parameters, forKey: key)
        case .pad(let parameters): try container.encode(parameters, forKey: key)
        case .pooling(let parameters): try container.encode(parameters, forKey: key)
        case .upsample(let parameters): try container.encode(parameters, forKey: key)
        case .scale(let parameters): if parameters.activation != nil { try container.encode(parameters, forKey: key) }
        case .activation(.sigmoid), .activation(.tanh), .activation(.prelu), .dropout, .split, .channelScale: break
        }
    }

    static func decode<Key: CodingKey>(typeName: String, from container: KeyedDecodingContainer<Key>,
                                       paramsKey key: Key, node: String) throws -> Op {
        func parameters<T: Decodable>(_ type: T.Type) throws -> T { try container.decode(type, forKey: key) }
        switch typeName {
        case "Input": return .input(try parameters(InputParameters.self))
        case "Convolution": return .convolution(try parameters(ConvolutionParameters.self))
        case "Deconvolution": return .deconvolution(try parameters(ConvolutionParameters.self))
        case "BatchNorm": return .batchNorm(try parameters(BatchNormParameters.self))
        case "GroupNorm", "InstanceNorm": return .groupNorm(try parameters(GroupNormParameters.self))
        case "Scale": return .scale(try container.decodeIfPresent(ScaleParameters.self, forKey: key) ?? ScaleParameters())
        case "ReLU": return .activation(.relu(negativeSlope: try parameters(ReLUParameters.self).negativeSlope))
        case "ELU": return .activation(.elu(alpha: try parameters(ELUParameters.self).alpha))
        case "Sigmoid": return .activation(.sigmoid)
        case "TanH": return .activation(.tanh)
        case "PReLU": return .activation(.prelu)
        case "Softmax": return .softmax(try parameters(SoftmaxParameters.self))
        case "Eltwise": return .eltwise(try parameters(EltwiseParameters.self))
        case "ChannelScale": return .channelScale
        case "Concat": return .concat(try parameters(ConcatParameters.self))
        case "Crop": return .crop(try parameters(CropParameters.self))
        case "MergeCrop": return .mergeCrop(try parameters(MergeCropParameters.self))
        case "Pad": return .pad(try parameters(PadParameters.self))
        case "Pooling": return .pooling(try parameters(PoolingParameters.self))
        case "Upsample": return .upsample(try parameters(UpsampleParameters.self))
        case "Dropout": return .dropout
        case "Split": return .split
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath,
                                                    debugDescription: "node '\(node)' has unknown op '\(typeName)'"))
        }
    }
}


extension DataLayout: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let layout = DataLayout(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a data layout")
        }
        self = layout
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(axes)
    }
}

/// An activation inside a convolution epilogue: `{"type": "ELU", "alpha": 1}`.
extension Activation: Codable {
    private enum CodingKeys: String, CodingKey { case type, negativeSlope = "negative_slope", alpha }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "ReLU": self = .relu(negativeSlope: try container.decodeIfPresent(Float.self, forKey: .negativeSlope) ?? 0)
        case "ELU": self = .elu(alpha: try container.decodeIfPresent(Float.self, forKey: .alpha) ?? 1)
        case "Sigmoid": self = .sigmoid
        case "TanH": self = .tanh
        case "PReLU": self = .prelu
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                                                   debugDescription: "unknown activation '\(type)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(opName, forKey: .type)
        switch self {
        case .relu(let slope): try container.encode(slope, forKey: .negativeSlope)
        case .elu(let alpha): try container.encode(alpha, forKey: .alpha)
        case .sigmoid, .tanh, .prelu: break
        }
    }
}
