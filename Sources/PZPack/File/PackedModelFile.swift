import PZGraph

/// The `.pz` file: the packed, planned model the fast executor runs. Same
/// container as `.pzir` (see SectionedFile and docs/pz-format.md) with its own
/// magic; the JSON holds the optimized graph (weights pointing at packed blobs),
/// the execution plan, and the hash of the `.pzir` it was exported from.
public enum PackedModelFile {
    public static let magic: [UInt8] = [0x89, 0x50, 0x5A, 0x50, 0x4B, 0x0D, 0x0A, 0x1A]  // "\x89PZPK\r\n\x1a"
    public static let formatVersion: UInt32 = 2
}

/// The JSON document of a `.pz` file.
public struct PackedModelDocument: Codable, Sendable {
    public var format: String
    public var version: Int
    public var producer: String
    /// SHA-256 of the `.pzir` the model was exported from.
    public var sourceModelSHA256: String
    /// The optimized graph; its weight entries carry a `packing`.
    public var graph: GraphDocument
    public var plan: ExecutionPlan

    enum CodingKeys: String, CodingKey {
        case format, version, producer, sourceModelSHA256 = "source_model_sha256", graph, plan
    }

    public init(sourceModelSHA256: String, graph: GraphDocument, plan: ExecutionPlan) {
        format = "pz"
        version = Int(PackedModelFile.formatVersion)
        producer = PZConvVersion.producer
        self.sourceModelSHA256 = sourceModelSHA256
        self.graph = graph
        self.plan = plan
    }
}

/// A `.pz` file that cannot be loaded.
public typealias PackedModelError = FileError
