#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PZGraph

/// The bytes of a `.pz` model, read-only: a whole file mapped into memory, or a
/// 64-byte aligned copy of bytes given in memory. Weights are read in place
/// (offsets in pzconv files are 64-byte aligned; mappings are page-aligned).
final class ModelBytes: @unchecked Sendable {
    /// The file, or the name given to bytes in memory (for messages).
    let name: String
    let bytes: UnsafeRawBufferPointer
    private let release: () -> Void

    /// Maps the file at `path`.
    init(path: String) throws {
        name = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw FileError(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(path, "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            release = {}
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw FileError(path, "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        release = { munmap(address, size) }
    }

    /// Copies `contents` into aligned memory.
    init(copying contents: [UInt8], name: String) {
        self.name = name
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(contents.count, 1), alignment: 64)
        if !contents.isEmpty { contents.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: contents.count) } }
        bytes = UnsafeRawBufferPointer(start: memory, count: contents.count)
        release = { memory.deallocate() }
    }

    /// A float pointer at a (checked, 4-byte aligned) offset.
    func floats(at offset: Int) -> UnsafePointer<Float> {
        (bytes.baseAddress! + offset).assumingMemoryBound(to: Float.self)
    }

    deinit { release() }
}
