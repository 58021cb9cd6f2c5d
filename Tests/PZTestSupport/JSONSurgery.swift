import PZGraph

/// Edits the JSON document of a `.pzir` or `.pz` file's bytes and makes its
/// length and checksums anew: a file that says what the writers never would,
/// but that passes the container checks, for tests of what the readers do next.
public enum JSONSurgery {
    /// The bytes with their JSON (the last section) replaced by `edit(json)`.
    /// Layout: `SectionedFile` (JSON length at byte 40, JSON CRC at 48, header CRC
    /// of bytes 0..<60 at 60).
    public static func rewrite(_ bytes: [UInt8], _ edit: (String) -> String) -> [UInt8] {
        func read64(_ offset: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) } }
        let jsonOffset = read64(32)
        let json = Array(edit(String(decoding: bytes[jsonOffset...], as: UTF8.self)).utf8)
        var result = Array(bytes[..<jsonOffset]) + json
        func write(_ value: Int, at offset: Int, count: Int) {
            for index in 0..<count { result[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        write(json.count, at: 40, count: 8)
        write(Int(CRC32.checksum(json)), at: 48, count: 4)
        write(Int(CRC32.checksum(Array(result[0..<60]))), at: 60, count: 4)
        return result
    }
}
