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

    /// Compresses `bytes` of `typeSize`-byte elements as zarr-python's default
    /// does: LZ4, level 5, byte shuffle (fast, and it suits float predictions,
    /// which zlib barely shrinks), one thread.
    static func compress(_ bytes: [UInt8], typeSize: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: bytes.count + Int(BLOSC_MAX_OVERHEAD))
        let written = output.withUnsafeMutableBytes {
            blosc_compress_ctx(5, Int32(BLOSC_SHUFFLE), typeSize, bytes.count, bytes, $0.baseAddress, $0.count,
                               "lz4", 0, 1)
        }
        precondition(written > 0, "Blosc cannot compress into its own bound")
        output.removeLast(output.count - Int(written))
        return output
    }
}
