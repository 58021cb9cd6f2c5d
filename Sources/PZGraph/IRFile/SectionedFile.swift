/// The container both pzconv model formats use (`.pzir` and `.pz`): a 64-byte
/// header, a data section of 64-byte-aligned float32 blobs, then a JSON document
/// that says where each blob is (offset, byte length, CRC-32). Specified in
/// docs/pzir-format.md; the formats differ only in their magic and JSON.
///
/// Header (little-endian): magic (8), format version (4), header size 64 (4),
/// data offset 64 (8), data length (8), JSON offset (8), JSON length (8),
/// JSON CRC-32 (4), reserved (8), header CRC-32 of bytes 0..<60 (4).
public struct SectionedFile {
    public static let headerSize = 64
    public static let alignment = 64

    /// Where a blob was placed: absolute offset, byte length, CRC-32.
    public struct BlobLocation: Equatable, Sendable {
        public var offset: Int
        public var bytes: Int
        public var crc32: UInt32

        public init(offset: Int, bytes: Int, crc32: UInt32) {
            self.offset = offset
            self.bytes = bytes
            self.crc32 = crc32
        }
    }

    /// Builds a file: `blobs` go to the data section in order, then `json(locations)`.
    public static func encode(magic: [UInt8], version: UInt32, blobs: [[Float]],
                              json: ([BlobLocation]) throws -> [UInt8]) rethrows -> [UInt8] {
        var data = ByteWriter()
        var locations: [BlobLocation] = []
        for blob in blobs {
            let start = data.count
            data.append(floats: blob)
            let crc = data.bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            locations.append(BlobLocation(offset: headerSize + start, bytes: blob.count * 4, crc32: crc))
            data.pad(toMultipleOf: alignment)
        }
        let document = try json(locations)
        var file = ByteWriter()
        file.append(magic)
        file.append(version)
        file.append(UInt32(headerSize))
        file.append(UInt64(headerSize))
        file.append(UInt64(data.count))
        file.append(UInt64(headerSize + data.count))
        file.append(UInt64(document.count))
        file.append(CRC32.checksum(document))
        file.append(UInt64(0))
        file.append(CRC32.checksum(file.bytes))
        file.append(data.bytes)
        file.append(document)
        return file.bytes
    }

    /// The checked header of a file's bytes.
    public let dataOffset: Int
    public let dataLength: Int
    public let jsonRange: Range<Int>

    /// Checks magic, header checksum, version, every section bound and the JSON
    /// checksum. `describe` names the format in errors (".pzir"); `error` builds the
    /// format's error type from a message.
    public init(_ bytes: UnsafeRawBufferPointer, magic: [UInt8], version: UInt32, describe: String,
                error: (String) -> any Error) throws {
        guard bytes.count >= 8, Array(bytes[0..<8]) == magic else { throw error("not a \(describe) file (bad magic bytes)") }
        guard bytes.count >= SectionedFile.headerSize else {
            throw error("truncated: \(bytes.count) bytes, shorter than the \(SectionedFile.headerSize)-byte header")
        }
        func read<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T {
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + MemoryLayout<T>.size)])) }
            return T(littleEndian: value)
        }
        guard read(UInt32.self, 60) == CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<60])) else {
            throw error("the header is corrupted (checksum mismatch)")
        }
        let fileVersion = read(UInt32.self, 8)
        guard fileVersion == version else {
            throw error("unsupported \(describe) version \(fileVersion) (this pzconv reads version \(version))")
        }
        func field(_ offset: Int) -> Int { Int(clamping: read(UInt64.self, offset)) }
        dataOffset = field(16)
        dataLength = field(24)
        let jsonOffset = field(32)
        let jsonLength = field(40)
        guard read(UInt32.self, 12) == UInt32(SectionedFile.headerSize), dataOffset == SectionedFile.headerSize,
              dataLength % SectionedFile.alignment == 0, dataLength <= Int.max / 2, jsonLength <= Int.max / 4,
              jsonOffset == dataOffset + dataLength else {
            throw error("the header's section offsets are inconsistent")
        }
        let expected = jsonOffset + jsonLength
        guard bytes.count >= expected else {
            throw error("truncated: the header describes \(expected) bytes, the file has \(bytes.count)")
        }
        guard bytes.count == expected else {
            throw error("\(bytes.count - expected) unexpected bytes after the end of the file's sections")
        }
        jsonRange = jsonOffset..<expected
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[jsonRange])) == read(UInt32.self, 48) else {
            throw error("the graph description is corrupted (JSON checksum mismatch)")
        }
    }

    /// Checks that a blob lies in the data section, 64-aligned, holds `bytes`
    /// bytes, and has the recorded CRC-32; returns nil when it does, else the problem.
    public func problem(with location: BlobLocation, expectedBytes: Int, in bytes: UnsafeRawBufferPointer) -> String? {
        guard location.bytes == expectedBytes else {
            return "holds \(location.bytes) bytes, expected \(expectedBytes)"
        }
        guard location.offset % SectionedFile.alignment == 0, location.offset >= dataOffset,
              location.offset <= dataOffset + dataLength - location.bytes else {
            return "lies outside the data section (offset \(location.offset), \(location.bytes) bytes)"
        }
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[location.offset..<(location.offset + location.bytes)]))
        return crc == location.crc32 ? nil : "is corrupted (checksum mismatch)"
    }
}
