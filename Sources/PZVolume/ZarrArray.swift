import Foundation
import PZGraph

/// The metadata of a Zarr v2 array (its `.zarray`), checked: C order, no
/// filters, compressor none, `zlib`, `gzip` or `blosc`, chunk keys with `.` or `/`.
package struct ZarrArrayMetadata: Equatable {
    package enum Compressor: Equatable {
        case none
        case zlib(level: Int)
        case gzip(level: Int)
        /// LZ4 with byte shuffle when pzconv writes (zarr-python's default); any
        /// Blosc settings when it reads (they live in each chunk's header).
        case blosc
    }

    var shape: [Int]
    var chunks: [Int]
    var dataType: ArrayDataType
    var compressor: Compressor
    var fillValue: Float
    var separator: String

    /// Reads `directory/.zarray`; errors name the array and the field.
    init(directory: String) throws {
        let path = directory + "/.zarray"
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw VolumeError(path, "cannot be read as JSON")
        }
        try self.init(json: bytes, path: path)
    }

    /// Parses the bytes of a `.zarray` file; `path` names it in errors.
    package init(json bytes: Data, path: String) throws {
        guard bytes.count <= 1 << 20 else { throw VolumeError(path, "is larger than 1 MiB") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: bytes)
        } catch {
            throw VolumeError(path, "cannot be read as JSON")
        }
        guard let fields = object as? [String: Any] else { throw VolumeError(path, "is not a JSON object") }
        guard fields["zarr_format"] as? Int == 2 else { throw VolumeError(path, "zarr_format must be 2") }
        func dimensions(_ key: String) throws -> [Int] {
            guard let values = fields[key] as? [Int], !values.isEmpty, values.count <= 8,
                  values.allSatisfy({ $0 >= 0 && $0 <= Graph.maximumElementCount }) else {
                throw VolumeError(path, "\(key) must be a list of 1 to 8 sizes up to 2^33")
            }
            return values
        }
        shape = try dimensions("shape")
        chunks = try dimensions("chunks")
        guard chunks.count == shape.count, chunks.allSatisfy({ $0 > 0 }), chunks.checkedElementCount.map({ $0 <= 1 << 30 }) == true else {
            throw VolumeError(path, "chunks \(chunks) must be positive, one per axis of shape \(shape), at most 2^30 elements")
        }
        guard let dtype = fields["dtype"] as? String else { throw VolumeError(path, "dtype must be a string (structured dtypes are not read)") }
        dataType = try ArrayDataType(numpy: dtype, path: path)
        guard (fields["order"] as? String ?? "C") == "C" else { throw VolumeError(path, "order 'F' is not read (write the array in C order)") }
        if let filters = fields["filters"], !(filters is NSNull) {
            guard (filters as? [Any])?.isEmpty == true else { throw VolumeError(path, "filters are not supported") }
        }
        switch fields["compressor"] {
        case nil, is NSNull: compressor = .none
        case let settings as [String: Any]:
            let level = settings["level"] as? Int ?? 1
            switch settings["id"] as? String {
            case "zlib": compressor = .zlib(level: level)
            case "gzip": compressor = .gzip(level: level)
            case "blosc": compressor = .blosc
            case let id?: throw VolumeError(path, "compressor '\(id)' is not supported (none, zlib, gzip or blosc)")
            case nil: throw VolumeError(path, "compressor has no id")
            }
        default: throw VolumeError(path, "compressor must be null or an object")
        }
        switch fields["fill_value"] {
        case let number as NSNumber: fillValue = number.floatValue
        case let text as String where text == "NaN": fillValue = .nan
        default: fillValue = 0
        }
        separator = fields["dimension_separator"] as? String ?? "."
        guard separator == "." || separator == "/" else { throw VolumeError(path, "dimension_separator must be '.' or '/'") }
    }

    package init(shape: [Int], chunks: [Int], dataType: ArrayDataType, compressor: Compressor) {
        self.shape = shape
        self.chunks = chunks
        self.dataType = dataType
        self.compressor = compressor
        fillValue = 0
        separator = "."
    }

    /// The `.zarray` text for an array pzconv writes.
    var json: String {
        let compressorText: String
        switch compressor {
        case .none: compressorText = "null"
        case .zlib(let level): compressorText = "{\"id\": \"zlib\", \"level\": \(level)}"
        case .gzip(let level): compressorText = "{\"id\": \"gzip\", \"level\": \(level)}"
        case .blosc: compressorText = "{\"id\": \"blosc\", \"cname\": \"lz4\", \"clevel\": 5, \"shuffle\": 1, \"blocksize\": 0}"
        }
        return """
            {
                "zarr_format": 2,
                "shape": \(shape),
                "chunks": \(chunks),
                "dtype": "\(dataType)",
                "compressor": \(compressorText),
                "fill_value": 0,
                "order": "C",
                "filters": null,
                "dimension_separator": "\(separator)"
            }

            """
    }

    /// The file of the chunk at grid `position` (one index per axis).
    func chunkPath(_ directory: String, _ position: [Int]) -> String {
        directory + "/" + chunkKey(position)
    }

    /// The chunk's key: its file's path inside the array's directory.
    func chunkKey(_ position: [Int]) -> String {
        position.map(String.init).joined(separator: separator)
    }

    /// The stored bytes of one chunk: every chunk, edge ones too, holds a whole chunk.
    package var chunkByteCount: Int { chunks.reduce(1, *) * dataType.size }

    /// Decodes a chunk file's bytes to the uncompressed chunk bytes.
    package func decode(_ stored: [UInt8], what: String) throws -> [UInt8] {
        switch compressor {
        case .none:
            guard stored.count == chunkByteCount else {
                throw VolumeError(what, "holds \(stored.count) bytes, an uncompressed chunk \(chunkByteCount)")
            }
            return stored
        case .zlib, .gzip:
            return try Zlib.inflate(stored, expectedCount: chunkByteCount, what: what)
        case .blosc:
            return try Blosc.decompress(stored, expectedCount: chunkByteCount, what: what)
        }
    }

    func encode(_ raw: [UInt8]) -> [UInt8] {
        switch compressor {
        case .none: return raw
        case .zlib(let level): return Zlib.deflate(raw, level: Int32(level))
        case .gzip(let level): return Zlib.deflate(raw, level: Int32(level), gzip: true)
        case .blosc: return Blosc.compress(raw, typeSize: dataType.size)
        }
    }
}
