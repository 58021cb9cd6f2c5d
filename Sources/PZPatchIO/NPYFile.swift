import PZGraph

/// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) holding float arrays.
///
/// Reads little- or big-endian float32 and float64 in C order (float64 is rounded
/// to float32); writes little-endian float32 (`<f4`), version 1.0.
public enum NPYFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads an array; the error names the file and the problem.
    public static func read(_ path: String) throws -> (shape: [Int], values: [Float]) {
        try decode(try readFileBytes(path), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> (shape: [Int], values: [Float]) {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw PatchError(path, "not a .npy file (bad magic bytes)")
        }
        let major = bytes[6]
        let reader = ByteReader(bytes)
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(reader.read(UInt16.self, at: 8)!)
            headerStart = 10
        case 2, 3:
            guard let length = reader.read(UInt32.self, at: 8) else { throw PatchError(path, "truncated .npy header") }
            headerLength = Int(length)
            headerStart = 12
        default:
            throw PatchError(path, "unsupported .npy format version \(major).\(bytes[7])")
        }
        guard headerStart + headerLength <= bytes.count else { throw PatchError(path, "truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let fields = try HeaderFields(header, path: path)
        let dataStart = headerStart + headerLength
        guard let count = fields.shape.checkedElementCount, count <= Graph.maximumElementCount else {
            throw PatchError(path, "shape \(fields.shape) is too large")
        }
        let itemSize = fields.isDouble ? 8 : 4
        let expected = count * itemSize
        guard bytes.count - dataStart >= expected else {
            throw PatchError(path, "truncated: shape \(fields.shape.shapeDescription) needs \(expected) data bytes, "
                                   + "the file has \(bytes.count - dataStart)")
        }
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let offset = dataStart + index * itemSize
            if fields.isDouble {
                var bits = reader.read(UInt64.self, at: offset)!
                if fields.isBigEndian { bits = bits.byteSwapped }
                values[index] = Float(Double(bitPattern: bits))
            } else {
                var bits = reader.read(UInt32.self, at: offset)!
                if fields.isBigEndian { bits = bits.byteSwapped }
                values[index] = Float(bitPattern: bits)
            }
        }
        return (fields.shape, values)
    }

    /// The bytes of a version 1.0 `<f4` file.
    public static func encode(shape: [Int], values: [Float]) -> [UInt8] {
        precondition(shape.elementCount == values.count)
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var writer = ByteWriter()
        writer.append(magic)
        writer.append([1, 0])
        writer.append(UInt16(header.utf8.count))
        writer.append(Array(header.utf8))
        writer.append(floats: values)
        return writer.bytes
    }

    /// Writes a `<f4` file atomically.
    public static func write(shape: [Int], values: [Float], to path: String) throws {
        try AtomicFile.write(encode(shape: shape, values: values), to: path)
    }

    /// The three keys of the header dictionary pzconv needs.
    private struct HeaderFields {
        var shape: [Int] = []
        var isDouble = false
        var isBigEndian = false

        init(_ header: String, path: String) throws {
            guard let descr = HeaderFields.value(of: "descr", in: header),
                  let order = HeaderFields.value(of: "fortran_order", in: header),
                  let shapeText = HeaderFields.value(of: "shape", in: header) else {
                throw PatchError(path, "malformed .npy header")
            }
            let dtype = descr.trimmingCharacters(in: "'\" ")
            switch dtype {
            case "<f4", "|f4", "=f4": break
            case ">f4": isBigEndian = true
            case "<f8", "=f8": isDouble = true
            case ">f8": isDouble = true; isBigEndian = true
            default: throw PatchError(path, "dtype '\(dtype)' is not supported (float32 or float64 expected)")
            }
            guard order.trimmingCharacters(in: " ") == "False" else {
                throw PatchError(path, "Fortran-ordered arrays are not supported (save with C order)")
            }
            let inner = shapeText.trimmingCharacters(in: "() ")
            for part in inner.split(separator: ",") {
                let text = String(part).trimmingCharacters(in: " L")
                if text.isEmpty { continue }
                guard let dim = Int(text), dim >= 0 else { throw PatchError(path, "malformed shape \(shapeText) in .npy header") }
                shape.append(dim)
            }
        }

        /// The raw text of `key`'s value in a Python dict literal.
        private static func value(of key: String, in header: String) -> String? {
            guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
            var rest = header[keyRange.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop { $0 == " " }
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { return nil }
                return String(rest[...close])
            }
            let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
            return String(rest[..<end])
        }
    }
}
