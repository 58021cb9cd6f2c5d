import PZGraph

/// The container of `.pzir` and `.pz` files checksums its header and its JSON, so
/// nearly every mutation of a seed fails there and the fuzzer never reaches the
/// graph description and plan behind them. The pzir and pz bodies therefore run
/// each input twice: as it is (the checks themselves), and with its header made
/// consistent again: the JSON taken to run from the end of the data section to
/// the end of the input, its offset, length and CRC-32 and the header's CRC-32
/// rewritten. Blob checksums, which the JSON holds, are left as they are.
enum ChecksumRepair {
    /// The inputs a container body consumes: `bytes`, then the repaired bytes
    /// when they differ.
    static func inputs(_ bytes: [UInt8]) -> [[UInt8]] {
        guard let repaired = repaired(bytes), repaired != bytes else { return [bytes] }
        return [bytes, repaired]
    }

    /// `bytes` with a consistent header; nil when they are too short to have one
    /// or their data section runs past their end.
    static func repaired(_ bytes: [UInt8]) -> [UInt8]? {
        let header = SectionedFile.headerSize
        guard bytes.count >= header else { return nil }
        var repaired = bytes
        func read(_ offset: Int) -> UInt64 {
            (0..<8).reduce(0) { value, index in value | UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        }
        func write<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { repaired.replaceSubrange(offset..<(offset + $0.count), with: $0) }
        }
        let dataLength = read(24)
        guard dataLength <= UInt64(bytes.count - header) else { return nil }
        let jsonOffset = header + Int(dataLength)
        write(UInt64(jsonOffset), at: 32)
        write(UInt64(bytes.count - jsonOffset), at: 40)
        write(CRC32.checksum(repaired[jsonOffset...]), at: 48)
        write(CRC32.checksum(repaired[0..<60]), at: 60)
        return repaired
    }
}
