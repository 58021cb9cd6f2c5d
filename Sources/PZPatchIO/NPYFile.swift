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

    /// The header of a `.npy` file: its dtype text (`<f4`, `|u1`, …), order,
    /// shape, and where the data starts. Checks the magic, version and lengths.
    public struct Header: Equatable, Sendable {
        public var descr: String
        public var fortranOrder: Bool
        public var shape: [Int]
        public var dataOffset: Int
    }

    /// Parses the header at the start of `bytes` (the whole file, or at least its
    /// header); `path` names the file in errors.
    public static func header<Bytes: RandomAccessCollection>(_ bytes: Bytes, path: String) throws -> Header
    where Bytes.Element == UInt8, Bytes.Index == Int {
        guard bytes.count >= 10, bytes.prefix(6).elementsEqual(magic) else {
            throw PatchError(path, "not a .npy file (bad magic bytes)")
        }
        let start = bytes.startIndex
        let major = bytes[start + 6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[start + 8]) | Int(bytes[start + 9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw PatchError(path, "truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[start + 8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw PatchError(path, "unsupported .npy format version \(major).\(bytes[start + 7])")
        }
        guard headerLength <= bytes.count - headerStart else { throw PatchError(path, "truncated .npy header") }
        let text = String(decoding: bytes[(start + headerStart)..<(start + headerStart + headerLength)], as: UTF8.self)
        let fields = try HeaderFields(text, path: path)
        return Header(descr: fields.descr, fortranOrder: fields.fortranOrder, shape: fields.shape,
                      dataOffset: headerStart + headerLength)
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> (shape: [Int], values: [Float]) {
        let header = try header(bytes, path: path)
        guard !header.fortranOrder else {
            throw PatchError(path, "Fortran-ordered arrays are not supported (save with C order)")
        }
        let fields: (isDouble: Bool, isBigEndian: Bool, shape: [Int])
        switch header.descr {
        case "<f4", "|f4", "=f4": fields = (false, false, header.shape)
        case ">f4": fields = (false, true, header.shape)
        case "<f8", "=f8": fields = (true, false, header.shape)
        case ">f8": fields = (true, true, header.shape)
        default: throw PatchError(path, "dtype '\(header.descr)' is not supported (float32 or float64 expected)")
        }
        let reader = ByteReader(bytes)
        let dataStart = header.dataOffset
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
        var writer = ByteWriter()
        writer.append(headerBytes(descr: "<f4", shape: shape))
        writer.append(floats: values)
        return writer.bytes
    }

    /// A version 1.0 header for a C-order array of `descr` (`<f4`, `|u1`, …) and
    /// `shape`, padded so that the data starts at a multiple of 64 bytes.
    public static func headerBytes(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var writer = ByteWriter()
        writer.append(magic)
        writer.append([1, 0])
        writer.append(UInt16(header.utf8.count))
        writer.append(Array(header.utf8))
        return writer.bytes
    }

    /// Writes a `<f4` file atomically.
    public static func write(shape: [Int], values: [Float], to path: String) throws {
        try AtomicFile.write(encode(shape: shape, values: values), to: path)
    }

    /// The three keys of the header dictionary.
    private struct HeaderFields {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int] = []

        init(_ header: String, path: String) throws {
            guard let descr = HeaderFields.value(of: "descr", in: header),
                  let order = HeaderFields.value(of: "fortran_order", in: header),
                  let shapeText = HeaderFields.value(of: "shape", in: header) else {
                throw PatchError(path, "malformed .npy header")
            }
            self.descr = descr.trimmingCharacters(in: "'\" ")
            switch order.trimmingCharacters(in: " ") {
            case "False": fortranOrder = false
            case "True": fortranOrder = true
            default: throw PatchError(path, "malformed fortran_order '\(order)' in .npy header")
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
