/// Appends little-endian values to a byte buffer (the byte order of every pzconv
/// file format).
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Appends float32 values in little-endian order.
    public mutating func append(floats: [Float]) {
        #if _endian(little)
        floats.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in floats { append(value.bitPattern) }
        #endif
    }

    /// Pads with zeros up to a multiple of `alignment`.
    public mutating func pad(toMultipleOf alignment: Int) {
        let remainder = bytes.count % alignment
        if remainder != 0 { bytes.append(contentsOf: [UInt8](repeating: 0, count: alignment - remainder)) }
    }

    public var count: Int { bytes.count }

    /// Overwrites bytes at `offset` with a little-endian value.
    public mutating func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
        }
    }
}

/// Bounds-checked little-endian reads from a byte buffer.
public struct ByteReader {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The value at `offset`, or nil when it would read past the end.
    public func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= bytes.count - size else { return nil }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<size { raw[index] = bytes[offset + index] }
        }
        return T(littleEndian: value)
    }

    /// `count` float32 values at `offset` of raw bytes the caller has bounds-checked.
    public static func floats(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count * 4)]))
        }
        #if _endian(big)
        for index in values.indices { values[index] = Float(bitPattern: values[index].bitPattern.byteSwapped) }
        #endif
        return values
    }

    /// `count` float32 values starting at `offset`, or nil when out of bounds.
    public func floats(at offset: Int, count: Int) -> [Float]? {
        guard offset >= 0, count >= 0, count <= (bytes.count - offset) / 4 else { return nil }
        var values = [Float](repeating: 0, count: count)
        #if _endian(little)
        values.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count * 4)]))
            }
        }
        #else
        for index in 0..<count { values[index] = Float(bitPattern: read(UInt32.self, at: offset + index * 4)!) }
        #endif
        return values
    }
}
