/// A stored element type in NumPy's notation (`<f4`, `|u1`, `>i2`): the
/// type of `.npy` and Zarr v2 arrays. Every integer and float type NumPy writes
/// with 1 to 8 bytes is read (converted to float32); outputs are written as
/// float32, float16 or uint8.
public struct ArrayDataType: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case float, signed, unsigned }

    public let kind: Kind
    /// Bytes per element.
    public let size: Int
    public let bigEndian: Bool

    public init(kind: Kind, size: Int, bigEndian: Bool = false) {
        self.kind = kind
        self.size = size
        self.bigEndian = bigEndian
    }

    public static let float32 = ArrayDataType(kind: .float, size: 4)
    public static let float16 = ArrayDataType(kind: .float, size: 2)
    public static let uint8 = ArrayDataType(kind: .unsigned, size: 1)

    /// Parses NumPy's type string; `path` names the file in errors.
    public init(numpy text: String, path: String) throws {
        var characters = Array(text)
        var bigEndian = false
        if let first = characters.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            characters.removeFirst()
        }
        guard characters.count >= 2, let size = Int(String(characters.dropFirst())) else {
            throw VolumeError(path, "unsupported dtype '\(text)'")
        }
        let kind: Kind
        switch (characters[0], size) {
        case ("f", 2), ("f", 4), ("f", 8): kind = .float
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8), ("b", 1): kind = .unsigned
        default:
            throw VolumeError(path, "unsupported dtype '\(text)' (integers and floats of 1 to 8 bytes are read)")
        }
        self.init(kind: kind, size: size, bigEndian: bigEndian && size > 1)
    }

    /// NumPy's string for this type.
    public var description: String {
        let letter = kind == .float ? "f" : kind == .signed ? "i" : "u"
        return (size == 1 ? "|" : bigEndian ? ">" : "<") + letter + String(size)
    }

    /// Element `index` of `bytes` (which start at element 0) as float32.
    @inline(__always)
    public func value(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Float {
        let offset = index * size
        var bits: UInt64 = 0
        for byte in 0..<size {
            let value = UInt64(bytes[offset + (bigEndian ? size - 1 - byte : byte)])
            bits |= value << (8 * UInt64(byte))
        }
        switch (kind, size) {
        case (.float, 2): return Float(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case (.float, 4): return Float(bitPattern: UInt32(truncatingIfNeeded: bits))
        case (.float, 8): return Float(Double(bitPattern: bits))
        case (.signed, _):
            let shift = UInt64(64 - 8 * size)
            return Float(Int64(bitPattern: bits << shift) >> Int64(shift))
        default: return Float(bits)
        }
    }

    /// `values` stored as this type, little-endian (float16 rounds to nearest;
    /// uint8 stores round(255·v) clamped to 0…255, for probabilities).
    public func encode(_ values: [Float]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * size)
        switch (kind, size) {
        case (.float, 4):
            // x86-64 and arm64 are little-endian: the bytes as they are.
            bytes.withUnsafeMutableBytes { target in values.withUnsafeBytes { target.copyMemory(from: $0) } }
        case (.float, 2):
            let halves = values.map { Float16($0).bitPattern.littleEndian }
            bytes.withUnsafeMutableBytes { target in halves.withUnsafeBytes { target.copyMemory(from: $0) } }
        case (.unsigned, 1):
            for (index, value) in values.enumerated() {
                bytes[index] = UInt8((value * 255).rounded().clamped(0, 255))
            }
        default:
            preconditionFailure("outputs are float32, float16 or uint8")
        }
        return bytes
    }

    /// `--dtype`: float32, float16 or uint8.
    public init(outputName name: String) throws {
        switch name {
        case "float32": self = .float32
        case "float16": self = .float16
        case "uint8": self = .uint8
        default: throw VolumeError("--dtype takes float32, float16 or uint8, got '\(name)'")
        }
    }
}

extension Float {
    fileprivate func clamped(_ lower: Float, _ upper: Float) -> Float {
        isNaN ? lower : Swift.min(Swift.max(self, lower), upper)
    }
}
