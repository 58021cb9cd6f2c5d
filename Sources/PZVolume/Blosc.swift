import CBlosc

/// Blosc-compressed chunks (zarr-python's default compressor), through the
/// system libblosc (1.x). A chunk's header is validated before it is
/// decompressed, and decompression never writes past the chunk.
enum Blosc {
    /// Decompresses `compressed`, which must hold exactly `expectedCount` bytes;
    /// `what` names the chunk in errors.
    static func decompress(_ compressed: [UInt8], expectedCount: Int, what: String) throws -> [UInt8] {
        var declared = 0
        guard blosc_cbuffer_validate(compressed, compressed.count, &declared) == 0 else {
            throw VolumeError(what, "is not a valid Blosc buffer")
        }
        guard declared == expectedCount else {
            throw VolumeError(what, "Blosc says it holds \(declared) bytes, a chunk holds \(expectedCount)")
        }
        var output = [UInt8](repeating: 0, count: expectedCount)
        let written = output.withUnsafeMutableBytes {
            blosc_decompress_ctx(compressed, $0.baseAddress, expectedCount, 1)
        }
        guard written == expectedCount else {
            throw VolumeError(what, "Blosc cannot decompress it (status \(written))")
        }
        return output
    }
}
