#if canImport(Glibc)
import Glibc
#endif
import PZGraph

/// A file mapped read-only and private, for reading a volume by region. After a
/// region is read its pages can be handed back (`release`): the data stays in
/// the file (and the kernel's page cache), a later read faults them back in, and
/// the process's resident memory holds only what it is reading now, not every
/// page of the volume it has touched so far.
final class MappedFile: @unchecked Sendable {
    let path: String
    /// The whole file; empty for an empty file.
    let bytes: UnsafeRawBufferPointer
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw VolumeError(path, "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw VolumeError(path, "cannot stat (\(String(cString: strerror(errno))))") }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw VolumeError(path, "is not a regular file") }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw VolumeError(path, "cannot map (\(String(cString: strerror(errno))))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let start = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: start), bytes.count) }
    }

    /// Drops this process's copy of the pages holding `range` (byte offsets in
    /// the file, clamped to it): they are the file's own, unmodified, so nothing
    /// is lost.
    func release(_ range: Range<Int>) {
        guard let start = bytes.baseAddress, !range.isEmpty else { return }
        let lower = max(0, range.lowerBound) / pageSize * pageSize
        let upper = min(bytes.count, range.upperBound)
        guard lower < upper else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: start + lower), upper - lower, MADV_DONTNEED)
    }
}
