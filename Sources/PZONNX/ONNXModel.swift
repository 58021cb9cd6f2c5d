import PZGraph

/// An ONNX model as plain Swift values: what the decoder makes of a `.onnx` file
/// and what the encoder writes. Only the parts of `onnx.proto` that describe a
/// single inference graph are kept; a file using anything else (training info,
/// functions, sparse initializers, subgraph attributes) is refused by the decoder
/// with a message naming the field, never silently dropped.
public struct ONNXModel: Equatable, Sendable {
    /// `ModelProto.ir_version`.
    public var irVersion: Int64
    /// Operator set version by domain ("" is the default ONNX domain, "ai.onnx" too).
    public var opsets: [String: Int64]
    public var producerName: String
    public var producerVersion: String
    public var docString: String
    public var metadata: [ONNXMetadataEntry]
    public var graph: ONNXGraph

    public init(irVersion: Int64, opsets: [String: Int64], producerName: String = "", producerVersion: String = "",
                docString: String = "", metadata: [ONNXMetadataEntry] = [], graph: ONNXGraph) {
        self.irVersion = irVersion
        self.opsets = opsets
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.docString = docString
        self.metadata = metadata
        self.graph = graph
    }

    /// The default-domain operator set the graph's nodes are written against.
    public var defaultOpset: Int64? { opsets[""] ?? opsets["ai.onnx"] }
}

/// One `StringStringEntryProto` of `metadata_props`.
public struct ONNXMetadataEntry: Equatable, Sendable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// `GraphProto`: nodes in the order the file lists them (ONNX requires a
/// topological order), constant initializers, and typed inputs and outputs.
public struct ONNXGraph: Equatable, Sendable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    /// Shapes of intermediate values (optional in ONNX; the exporter sets them all).
    public var valueInfo: [ONNXValueInfo]
    public var docString: String

    public init(name: String, nodes: [ONNXNode] = [], initializers: [ONNXTensor] = [], inputs: [ONNXValueInfo] = [],
                outputs: [ONNXValueInfo] = [], valueInfo: [ONNXValueInfo] = [], docString: String = "") {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.docString = docString
    }
}

/// `NodeProto`. An empty input name stands for an omitted optional input.
public struct ONNXNode: Equatable, Sendable {
    public var name: String
    public var opType: String
    /// "" for the default ONNX domain.
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]
    public var docString: String

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [ONNXAttribute] = [], docString: String = "") {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
    }

    /// The attribute called `name`, if the node has it.
    public func attribute(_ name: String) -> ONNXAttribute.Value? {
        attributes.first { $0.name == name }?.value
    }

    /// "'conv1' (Conv)", the way messages name a node (the first output stands in
    /// for a node without a name).
    public var label: String { "'\(name.isEmpty ? (outputs.first ?? "?") : name)' (\(opType))" }
}

/// `AttributeProto`, with the value in the field its `type` names.
public struct ONNXAttribute: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case float(Float)
        case int(Int64)
        case string(String)
        case tensor(ONNXTensor)
        case floats([Float])
        case ints([Int64])
        case strings([String])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// `ValueInfoProto` of a dense tensor: its element type and, when known, its
/// shape (each dimension a number or a symbolic name).
public struct ONNXValueInfo: Equatable, Sendable {
    public enum Dimension: Equatable, Sendable {
        case value(Int64)
        /// A named dynamic dimension (`dim_param`, e.g. "batch").
        case symbol(String)
        /// Neither value nor name.
        case unknown
    }

    public var name: String
    /// A `TensorProto.DataType` (1 = FLOAT).
    public var elementType: Int32
    /// nil when the file gives no shape at all.
    public var shape: [Dimension]?
    public var docString: String

    public init(name: String, elementType: Int32 = ONNXDataType.float, shape: [Dimension]?, docString: String = "") {
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.docString = docString
    }

    /// A float tensor of a fully known shape.
    public init(name: String, shape: [Int]) {
        self.init(name: name, shape: shape.map { .value(Int64($0)) })
    }
}

/// `TensorProto.DataType` numbers pzconv reads or writes.
public enum ONNXDataType {
    public static let float: Int32 = 1
    public static let uint8: Int32 = 2
    public static let int8: Int32 = 3
    public static let int32: Int32 = 6
    public static let int64: Int32 = 7
    public static let bool: Int32 = 9
    public static let float16: Int32 = 10
    public static let double: Int32 = 11

    /// The name `onnx.proto` gives a data type, for messages.
    public static func name(_ type: Int32) -> String {
        let names: [Int32: String] = [
            1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
            9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128",
            16: "BFLOAT16",
        ]
        return names[type] ?? "data type \(type)"
    }
}

/// `TensorProto`: a constant (initializer or Constant node value).
public struct ONNXTensor: Equatable, Sendable {
    /// Where the values are.
    public enum Storage: Equatable, Sendable {
        case floats([Float])
        case doubles([Double])
        /// `int32_data`: INT32, and the narrower integer, bool and float16 types.
        case int32s([Int32])
        case int64s([Int64])
        /// `raw_data`: little-endian, fixed width.
        case raw([UInt8])
        /// In another file (`data_location: EXTERNAL`): `location` relative to the
        /// model's directory, `offset` and `length` in bytes (length nil: to the end).
        case external(location: String, offset: Int, length: Int?)
    }

    public var name: String
    public var dataType: Int32
    public var dims: [Int64]
    public var storage: Storage

    public init(name: String, dataType: Int32, dims: [Int64], storage: Storage) {
        self.name = name
        self.dataType = dataType
        self.dims = dims
        self.storage = storage
    }

    /// A float32 tensor stored as raw little-endian bytes, the way the exporter
    /// writes every constant.
    public init(name: String, shape: [Int], floats: [Float]) {
        var writer = ByteWriter()
        writer.append(floats: floats)
        self.init(name: name, dataType: ONNXDataType.float, dims: shape.map(Int64.init), storage: .raw(writer.bytes))
    }

    /// An int64 tensor stored as raw little-endian bytes.
    public init(name: String, shape: [Int], int64s: [Int64]) {
        var writer = ByteWriter()
        for value in int64s { writer.append(value) }
        self.init(name: name, dataType: ONNXDataType.int64, dims: shape.map(Int64.init), storage: .raw(writer.bytes))
    }
}
