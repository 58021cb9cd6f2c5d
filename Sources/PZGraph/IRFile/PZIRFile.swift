import Foundation

/// The `.pzir` file: the canonical IR on disk. Specified in docs/pzir-format.md.
///
/// Layout (all integers little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0  | 8 | magic `89 50 5A 49 52 0D 0A 1A` ("\x89PZIR\r\n\x1a") |
/// | 8  | 4 | format version (1) |
/// | 12 | 4 | header size (64) |
/// | 16 | 8 | data section offset (64) |
/// | 24 | 8 | data section length (a multiple of 64) |
/// | 32 | 8 | JSON offset (= data offset + data length) |
/// | 40 | 8 | JSON length |
/// | 48 | 4 | CRC-32 of the JSON |
/// | 52 | 8 | reserved, zero |
/// | 60 | 4 | CRC-32 of header bytes 0..<60 |
///
/// The data section holds every weight tensor as float32 little-endian values,
/// each starting at a file offset that is a multiple of 64 (so a memory-mapped
/// file can be used in place). The JSON (UTF-8) describes the graph and, for each
/// weight, its shape, offset, byte length and CRC-32. The file ends with the JSON.
public enum PZIRFile {
    public static let magic: [UInt8] = [0x89, 0x50, 0x5A, 0x49, 0x52, 0x0D, 0x0A, 0x1A]
    public static let formatVersion: UInt32 = 1

    /// Serializes a graph (which must validate) into the file's bytes.
    public static func encode(_ graph: Graph) throws -> [UInt8] {
        try graph.validate()
        var blobs: [[Float]] = []
        for node in graph.nodes {
            for role in node.weights.keys.sorted() { blobs.append(node.weights[role]!.values) }
        }
        return try SectionedFile.encode(magic: magic, version: formatVersion, blobs: blobs) { locations in
            var next = 0
            let nodeDocuments = graph.nodes.map { node in
                var entries: [String: WeightEntry] = [:]
                for role in node.weights.keys.sorted() {
                    let location = locations[next]
                    next += 1
                    entries[role.rawValue] = WeightEntry(shape: node.weights[role]!.shape, offset: location.offset,
                                                         bytes: location.bytes, crc32: location.crc32)
                }
                return NodeDocument(name: node.name, op: node.op, inputs: node.inputs, outputs: node.outputs,
                                    weights: entries, sourceLayers: node.sourceLayers, fusions: node.fusions,
                                    inPlace: node.inPlace)
            }
            let document = GraphDocument(format: "pzir", version: Int(formatVersion), producer: PZConvVersion.producer,
                                         name: graph.name, source: graph.source,
                                         outputs: graph.outputs.map { OutputDocument(tensor: $0.tensor, layout: $0.sourceLayout) },
                                         nodes: nodeDocuments, verification: graph.verification)
            return try encodeJSON(document)
        }
    }

    /// Sorted, indented JSON, the same for the same document.
    public static func encodeJSON<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Writes a graph to `path` atomically (temporary file, then rename).
    public static func write(_ graph: Graph, to path: String) throws {
        try AtomicFile.write(try encode(graph), to: path)
    }

    /// Reads and fully checks a `.pzir` file: magic, version, every offset and size,
    /// every checksum, then the graph's own invariants.
    public static func read(from path: String) throws -> Graph {
        try decode(try readFileBytes(path), path: path)
    }

    /// Decodes the bytes of a `.pzir` file; `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Graph {
        try bytes.withUnsafeBytes { raw in
            let file = try SectionedFile(raw, magic: magic, version: formatVersion, describe: ".pzir") { PZIRError(path, $0) }
            let document: GraphDocument = try decodeJSON(Array(raw[file.jsonRange]), path: path) { PZIRError(path, $0) }
            guard document.format == "pzir", document.version == Int(formatVersion) else {
                throw PZIRError(path, "graph description says format '\(document.format)' version \(document.version)")
            }
            var nodes: [Node] = []
            for nodeDocument in document.nodes {
                var weights: [WeightRole: Tensor] = [:]
                for (roleName, entry) in nodeDocument.weights {
                    guard let role = WeightRole(rawValue: roleName) else {
                        throw PZIRError(path, "node '\(nodeDocument.name)' has an unknown weight role '\(roleName)'")
                    }
                    let what = "weight '\(roleName)' of node '\(nodeDocument.name)'"
                    guard entry.shape.allSatisfy({ $0 >= 0 }), let count = entry.shape.checkedElementCount,
                          count <= Graph.maximumElementCount else {
                        throw PZIRError(path, "\(what) has an invalid shape \(entry.shape)")
                    }
                    let location = SectionedFile.BlobLocation(offset: entry.offset, bytes: entry.bytes, crc32: entry.crc32)
                    if let problem = file.problem(with: location, expectedBytes: count * 4, in: raw) {
                        throw PZIRError(path, "\(what) \(problem)")
                    }
                    weights[role] = Tensor(shape: entry.shape, values: ByteReader.floats(raw, at: entry.offset, count: count))
                }
                nodes.append(Node(name: nodeDocument.name, op: nodeDocument.op, inputs: nodeDocument.inputs,
                                  outputs: nodeDocument.outputs, weights: weights, sourceLayers: nodeDocument.sourceLayers,
                                  fusions: nodeDocument.fusions, inPlace: nodeDocument.inPlace))
            }
            let graph = Graph(name: document.name, nodes: nodes,
                              outputs: document.outputs.map { GraphOutput(tensor: $0.tensor, sourceLayout: $0.layout) },
                              source: document.source, verification: document.verification)
            do {
                try graph.validate()
            } catch let error as GraphError {
                throw PZIRError(path, "invalid graph: \(error)")
            }
            return graph
        }
    }

    /// Decodes a JSON document, turning decoding errors into one line.
    public static func decodeJSON<T: Decodable>(_ json: [UInt8], path: String, error: (String) -> any Error) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(json))
        } catch let decoding as DecodingError {
            throw error("invalid graph description: \(decoding.oneLineDescription)")
        } catch let other {
            throw error("invalid graph description: \(other)")
        }
    }
}

/// A `.pzir` file that cannot be read.
public typealias PZIRError = FileError

/// pzconv's version, recorded in the files it writes.
public enum PZConvVersion {
    public static let version = "0.1.0"
    public static var producer: String { "pzconv \(version)" }
}

extension DecodingError {
    /// "at nodes[3].params.kernel: expected an array" — one line, with the path.
    public var oneLineDescription: String {
        func path(_ codingPath: [CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "top level" : text
        }
        switch self {
        case .typeMismatch(let type, let context):
            return "at \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "at \(path(context.codingPath)): missing \(type) value"
        case .keyNotFound(let key, let context):
            return "at \(path(context.codingPath)): missing key '\(key.stringValue)'"
        case .dataCorrupted(let context):
            let detail = context.debugDescription.split(separator: "\n").first.map(String.init) ?? "corrupted data"
            return "at \(path(context.codingPath)): \(detail)"
        @unknown default:
            return "\(self)"
        }
    }
}
