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
    public static let headerSize = 64
    public static let alignment = 64

    /// Serializes a graph (which must validate) into the file's bytes.
    public static func encode(_ graph: Graph) throws -> [UInt8] {
        try graph.validate()
        var data = ByteWriter()
        var nodeDocuments: [NodeDocument] = []
        for node in graph.nodes {
            var entries: [String: WeightEntry] = [:]
            for role in node.weights.keys.sorted() {
                let tensor = node.weights[role]!
                let offset = headerSize + data.count
                let start = data.count
                data.append(floats: tensor.values)
                let crc = data.bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                entries[role.rawValue] = WeightEntry(shape: tensor.shape, offset: offset,
                                                     bytes: tensor.elementCount * 4, crc32: crc)
                data.pad(toMultipleOf: alignment)
            }
            nodeDocuments.append(NodeDocument(name: node.name, op: node.op, inputs: node.inputs, outputs: node.outputs,
                                              weights: entries, sourceLayers: node.sourceLayers, fusions: node.fusions,
                                              inPlace: node.inPlace))
        }
        let document = GraphDocument(format: "pzir", version: Int(formatVersion), producer: PZConvVersion.producer,
                                     name: graph.name, source: graph.source,
                                     outputs: graph.outputs.map { OutputDocument(tensor: $0.tensor, layout: $0.sourceLayout) },
                                     nodes: nodeDocuments, verification: graph.verification)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = Array(try encoder.encode(document))

        var file = ByteWriter()
        file.append(magic)
        file.append(formatVersion)
        file.append(UInt32(headerSize))
        file.append(UInt64(headerSize))
        file.append(UInt64(data.count))
        file.append(UInt64(headerSize + data.count))
        file.append(UInt64(json.count))
        file.append(CRC32.checksum(json))
        file.append(UInt64(0))
        file.append(CRC32.checksum(file.bytes))
        file.append(data.bytes)
        file.append(json)
        return file.bytes
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
        let header = try Header(bytes, path: path)
        let reader = ByteReader(bytes)
        let json = Array(bytes[header.jsonOffset..<(header.jsonOffset + header.jsonLength)])
        guard CRC32.checksum(json) == header.jsonChecksum else {
            throw PZIRError(path, "the graph description is corrupted (JSON checksum mismatch)")
        }
        let document: GraphDocument
        do {
            document = try JSONDecoder().decode(GraphDocument.self, from: Data(json))
        } catch let error as DecodingError {
            throw PZIRError(path, "invalid graph description: \(error.oneLineDescription)")
        } catch {
            throw PZIRError(path, "invalid graph description: \(error)")
        }
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
                weights[role] = try readWeight(entry, reader: reader, header: header, path: path,
                                               what: "weight '\(roleName)' of node '\(nodeDocument.name)'")
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

    private static func readWeight(_ entry: WeightEntry, reader: ByteReader, header: Header, path: String,
                                   what: String) throws -> Tensor {
        guard entry.shape.allSatisfy({ $0 >= 0 }), let count = entry.shape.checkedElementCount,
              count <= Graph.maximumElementCount else {
            throw PZIRError(path, "\(what) has an invalid shape \(entry.shape)")
        }
        guard entry.bytes == count * 4 else {
            throw PZIRError(path, "\(what): \(entry.bytes) bytes do not match shape \(entry.shape.shapeDescription)")
        }
        guard entry.offset % alignment == 0, entry.offset >= header.dataOffset,
              entry.offset <= header.dataOffset + header.dataLength - entry.bytes else {
            throw PZIRError(path, "\(what) lies outside the data section (offset \(entry.offset), \(entry.bytes) bytes)")
        }
        let crc = reader.bytes.withUnsafeBytes {
            CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[entry.offset..<(entry.offset + entry.bytes)]))
        }
        guard crc == entry.crc32 else { throw PZIRError(path, "\(what) is corrupted (checksum mismatch)") }
        return Tensor(shape: entry.shape, values: reader.floats(at: entry.offset, count: count)!)
    }

    /// The fixed header, with every offset and size checked against the file size.
    private struct Header {
        var dataOffset: Int
        var dataLength: Int
        var jsonOffset: Int
        var jsonLength: Int
        var jsonChecksum: UInt32

        init(_ bytes: [UInt8], path: String) throws {
            guard bytes.count >= 8, Array(bytes[0..<8]) == PZIRFile.magic else {
                throw PZIRError(path, "not a .pzir file (bad magic bytes)")
            }
            guard bytes.count >= PZIRFile.headerSize else {
                throw PZIRError(path, "truncated: \(bytes.count) bytes, shorter than the \(PZIRFile.headerSize)-byte header")
            }
            let reader = ByteReader(bytes)
            guard reader.read(UInt32.self, at: 60)! == CRC32.checksum(bytes[0..<60]) else {
                throw PZIRError(path, "the header is corrupted (checksum mismatch)")
            }
            let version = reader.read(UInt32.self, at: 8)!
            guard version == PZIRFile.formatVersion else {
                throw PZIRError(path, "unsupported .pzir version \(version) (this pzconv reads version \(PZIRFile.formatVersion))")
            }
            func field(_ offset: Int) -> Int { Int(clamping: reader.read(UInt64.self, at: offset)!) }
            dataOffset = field(16)
            dataLength = field(24)
            jsonOffset = field(32)
            jsonLength = field(40)
            jsonChecksum = reader.read(UInt32.self, at: 48)!
            guard reader.read(UInt32.self, at: 12)! == UInt32(PZIRFile.headerSize), dataOffset == PZIRFile.headerSize,
                  dataLength % PZIRFile.alignment == 0, dataLength <= Int.max / 2, jsonLength <= Int.max / 4,
                  jsonOffset == dataOffset + dataLength else {
                throw PZIRError(path, "the header's section offsets are inconsistent")
            }
            let expectedSize = jsonOffset + jsonLength
            guard bytes.count >= expectedSize else {
                throw PZIRError(path, "truncated: the header describes \(expectedSize) bytes, the file has \(bytes.count)")
            }
            guard bytes.count == expectedSize else {
                throw PZIRError(path, "\(bytes.count - expectedSize) unexpected bytes after the end of the file's sections")
            }
        }
    }
}

/// A `.pzir` file that cannot be read; the message names the file.
public struct PZIRError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

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
