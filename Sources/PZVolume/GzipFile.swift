import CZlib
import Foundation

/// gzip files (`.nii.gz`) through zlib's streaming gz* interface: a stretch of
/// a file's decompressed bytes, and a whole file compressed into another. A
/// file that is not gzip reads as it is (zlib's transparent mode); a stream of
/// several gzip members reads as their concatenation.
enum GzipFile {
    /// Bytes read per zlib call (gzread takes an unsigned 32-bit length).
    private static let piece = 1 << 24

    /// Up to `count` decompressed bytes of `path` from decompressed byte
    /// `offset`: fewer when the stream ends first (the caller decides whether
    /// that is a truncation). Memory grows with what is read, not with `count`.
    static func read(_ path: String, from offset: Int, count: Int) throws -> Data {
        guard let file = gzopen(path, "rb") else {
            throw VolumeError(path, "cannot read (\(String(cString: strerror(errno))))")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 17)
        if offset > 0 && gzseek(file, offset, SEEK_SET) < 0 { throw failure(file, path) }
        var bytes = Data()
        while bytes.count < count {
            let wanted = min(piece, count - bytes.count)
            let start = bytes.count
            bytes.count += wanted
            let got = bytes.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + start, UInt32(wanted)) }
            guard got >= 0 else { throw failure(file, path) }
            bytes.count -= wanted - Int(got)
            if Int(got) < wanted { break }
        }
        return bytes
    }

    /// Compresses all of `source` into a new gzip file `target` at `level`
    /// (1, fastest, is nibabel's default for .nii.gz), flushed to disk. The
    /// stream carries no file name or time, so equal inputs give equal bytes.
    static func compress(_ source: String, into target: String, level: Int = 1) throws {
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw VolumeError(source, "cannot read") }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard output >= 0 else { throw VolumeError(target, "cannot create (\(String(cString: strerror(errno))))") }
        defer { close(output) }
        // zlib closes its own descriptor; `output` stays open for the fsync.
        guard let file = gzdopen(dup(output), "wb\(level)") else { throw VolumeError(target, "zlib cannot start a gzip stream") }
        var buffer = [UInt8](repeating: 0, count: piece)
        var failed = false
        while !failed {
            let got = buffer.withUnsafeMutableBytes { Foundation.read(input, $0.baseAddress, piece) }
            if got == 0 { break }
            failed = got < 0 || buffer.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32(got)) } != Int32(got)
        }
        guard gzclose(file) == Z_OK, !failed, fsync(output) == 0 else {
            throw VolumeError(target, "cannot write the gzip stream (\(String(cString: strerror(errno))))")
        }
    }

    /// zlib's own message for a failed read.
    private static func failure(_ file: gzFile, _ path: String) -> VolumeError {
        var status: Int32 = 0
        let message = gzerror(file, &status).map { String(cString: $0) } ?? "unknown error"
        return VolumeError(path, "is not a readable gzip stream (zlib: \(message))")
    }
}
