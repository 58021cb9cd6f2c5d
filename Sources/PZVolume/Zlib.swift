import CZlib

/// zlib and gzip streams (Zarr's `zlib` and `gzip` compressors), through the
/// system zlib.
enum Zlib {
    /// Inflates a zlib or gzip stream that must hold exactly `expectedCount`
    /// bytes; `what` names the chunk in errors.
    static func inflate(_ compressed: [UInt8], expectedCount: Int, what: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedCount)
        var stream = z_stream()
        guard pz_inflate_init(&stream) == Z_OK else { throw VolumeError(what, "zlib cannot start inflating") }
        defer { inflateEnd(&stream) }
        let status = run(&stream, from: compressed, into: &output) { CZlib.inflate(&$0, Z_FINISH) }
        guard status == Z_STREAM_END else {
            let problem = status == Z_BUF_ERROR || (status == Z_OK && stream.avail_out == 0)
                ? "inflates to more than the \(expectedCount) bytes a chunk holds"
                : "is not a valid zlib/gzip stream (zlib status \(status))"
            throw VolumeError(what, problem)
        }
        guard Int(stream.total_out) == expectedCount else {
            throw VolumeError(what, "inflates to \(stream.total_out) bytes, a chunk holds \(expectedCount)")
        }
        return output
    }

    /// Deflates `bytes` as a zlib (or gzip) stream at `level` (1…9).
    static func deflate(_ bytes: [UInt8], level: Int32, gzip: Bool = false) -> [UInt8] {
        var stream = z_stream()
        precondition(pz_deflate_init(&stream, level, gzip ? 1 : 0) == Z_OK, "zlib cannot start deflating")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let status = run(&stream, from: bytes, into: &output) { CZlib.deflate(&$0, Z_FINISH) }
        precondition(status == Z_STREAM_END, "zlib deflate into its own bound failed")
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }

    /// Points `stream` at all of `input` and `output` and runs one `step` (one
    /// Z_FINISH call: every buffer is whole in memory).
    private static func run(_ stream: inout z_stream, from input: [UInt8], into output: inout [UInt8],
                            step: (inout z_stream) -> Int32) -> Int32 {
        var input = input
        return input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return step(&stream)
            }
        }
    }
}
