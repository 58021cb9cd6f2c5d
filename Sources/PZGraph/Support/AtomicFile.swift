#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileError {
    static func system(_ path: String, _ action: String) -> FileError {
        FileError(path, "\(action): \(String(cString: strerror(errno)))")
    }
}

/// Writes outputs atomically: the content goes to a temporary file beside the
/// destination, is flushed to disk, then renamed over it. A failure at any step
/// removes the temporary file and leaves any existing destination untouched, so
/// no reader ever sees a half-written file.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { temporaryPath in
            let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0 else { throw FileError.system(path, "cannot write") }
            defer { close(descriptor) }
            var written = 0
            try bytes.withUnsafeBytes { buffer in
                while written < buffer.count {
                    let result = posixWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                    guard result > 0 else {
                        if result < 0 && errno == EINTR { continue }
                        throw FileError.system(path, "cannot write")
                    }
                    written += result
                }
            }
            guard fsync(descriptor) == 0 else { throw FileError.system(path, "cannot flush") }
        }
    }

    /// Lets `produce` write a temporary file by path (for libraries that open files
    /// themselves, such as libhdf5), then renames it to `path`.
    public static func write(to path: String, using produce: (_ temporaryPath: String) throws -> Void) throws {
        let temporaryPath = temporaryPath(for: path)
        do {
            try produce(temporaryPath)
            guard rename(temporaryPath, path) == 0 else { throw FileError.system(path, "cannot replace") }
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// `dir/.name.tmp-<pid>-<random>`: in the destination's directory, so the final
    /// rename never crosses file systems.
    public static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(directory).\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
}

private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #else
    Darwin.write(descriptor, buffer, count)
    #endif
}

/// Reads a whole file into memory.
public func readFileBytes(_ path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw FileError.system(path, "cannot open") }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw FileError.system(path, "cannot stat") }
    guard (status.st_mode & S_IFMT) == S_IFREG else { throw FileError(path, "not a regular file") }
    var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
    var filled = 0
    try bytes.withUnsafeMutableBytes { buffer in
        while filled < buffer.count {
            let result = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if result < 0 && errno == EINTR { continue }
            guard result >= 0 else { throw FileError.system(path, "cannot read") }
            if result == 0 { break }
            filled += result
        }
    }
    return filled == bytes.count ? bytes : Array(bytes.prefix(filled))
}
