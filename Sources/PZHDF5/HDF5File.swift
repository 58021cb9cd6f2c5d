import CHDF5
import PZGraph

/// An error from an HDF5 file, always naming the file and, where known, the object.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// HDF5 prints its error stack to stderr by default; pzconv reports its own one-line
/// errors instead. Debian's libhdf5 is built thread-safe, which makes that setting
/// per thread, so every entry point of this module calls this first (it only
/// stores two pointers).
@inline(__always)
func silenceHDF5Errors() {
    pz_h5_silence_errors()
}

/// libhdf5's global state: open objects, metadata caches, free lists.
public enum HDF5Library {
    /// Closes every object libhdf5 still holds and frees its global state; the
    /// next call starts the library afresh, as in a new process. The HDF5 fuzz
    /// targets call this after each input, so that every input meets the library
    /// as a `pzconv` process reading one file does, and a crash reproduces from
    /// its input alone. No `HDF5File` (or group, dataset) may be in use.
    public static func reset() {
        H5close()
    }
}

/// Owns one HDF5 identifier and closes it when the last reference goes away.
final class HDF5Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

/// An HDF5 file opened for reading, opened for updating, or created (truncated) for writing.
///
/// Not thread-safe: Debian's libhdf5 is the serial build.
public final class HDF5File {
    public let path: String
    let handle: HDF5Handle
    /// Access property lists that refuse to follow external links (links to
    /// objects in other files): for H5Lexists / H5Oopen, H5Gopen2 and H5Dopen2.
    let linkAccess: HDF5Handle, groupAccess: HDF5Handle, datasetAccess: HDF5Handle

    /// Whether `path` is an HDF5 file (checks the signature, as Caffe does with
    /// `H5Fis_hdf5`). False for missing or unreadable files.
    public static func isHDF5(path: String) -> Bool {
        silenceHDF5Errors()
        return H5Fis_hdf5(path) > 0
    }

    /// The most bytes of dataset values `HDF5Dataset.readFloats` reads from this
    /// file in all (a compressed dataset may declare far more than the file holds).
    public let memoryLimit: MemoryLimit
    /// Bytes of dataset values read so far.
    var bytesRead = 0

    /// Opens an existing file read-only; reads of dataset values stay within `memoryLimit`.
    public convenience init(readingFrom path: String, memoryLimit: MemoryLimit = .machine) throws {
        try self.init(path: path, writable: false, memoryLimit: memoryLimit)
    }

    /// Opens an existing file for reading and writing, with the same checks as
    /// `init(readingFrom:)`. (pzconv updates only its own copy of a user's file,
    /// in the HDF5 worker process, and renames it into place when done.)
    public convenience init(updating path: String, memoryLimit: MemoryLimit = .machine) throws {
        try self.init(path: path, writable: true, memoryLimit: memoryLimit)
    }

    private init(path: String, writable: Bool, memoryLimit: MemoryLimit) throws {
        silenceHDF5Errors()
        self.path = path
        self.memoryLimit = memoryLimit
        guard HDF5File.isHDF5(path: path) else {
            throw HDF5Error(file: path, "not an HDF5 file (or not readable)")
        }
        if let problem = HDF5File.globalHeapProblem(path: path) { throw HDF5Error(file: path, problem) }
        (linkAccess, groupAccess, datasetAccess) = try HDF5File.accessRefusingExternalLinks(path)
        let id = H5Fopen(path, writable ? pz_h5f_acc_rdwr() : pz_h5f_acc_rdonly(), pz_h5p_default())
        guard id >= 0 else {
            throw HDF5Error(file: path, writable
                ? "cannot open for writing (damaged or truncated file)" : "cannot open as HDF5 (damaged or truncated file)")
        }
        handle = HDF5Handle(id, close: H5Fclose)
    }

    /// Opens the bytes of an HDF5 file held in memory (a file image), read-only,
    /// with the same checks as `init(readingFrom:)`; `name` stands for the file in
    /// errors. HDF5 keeps its own copy of the bytes.
    public init(image: [UInt8], name: String, memoryLimit: MemoryLimit = .machine) throws {
        silenceHDF5Errors()
        path = name
        self.memoryLimit = memoryLimit
        guard HDF5File.isHDF5(bytes: image) else {
            throw HDF5Error(file: name, "not an HDF5 file (or not readable)")
        }
        if let problem = image.withUnsafeBytes(HDF5GlobalHeapCheck.problem) { throw HDF5Error(file: name, problem) }
        (linkAccess, groupAccess, datasetAccess) = try HDF5File.accessRefusingExternalLinks(name)
        let id = image.withUnsafeBytes { pz_h5f_open_image($0.baseAddress, $0.count, HDF5File.uniqueImageName()) }
        guard id >= 0 else { throw HDF5Error(file: name, "cannot open as HDF5 (damaged or truncated file)") }
        handle = HDF5Handle(id, close: H5Fclose)
    }

    private static func accessRefusingExternalLinks(_ path: String) throws -> (HDF5Handle, HDF5Handle, HDF5Handle) {
        let lists = try (0..<3).map { kind -> HDF5Handle in
            let id = pz_h5p_access_refusing_external_links(Int32(kind))
            guard id >= 0 else { throw HDF5Error(file: path, "cannot create an HDF5 access property list") }
            return HDF5Handle(id, close: H5Pclose)
        }
        return (lists[0], lists[1], lists[2])
    }

    /// Creates a new file, replacing any file at `path`.
    public init(creating path: String) throws {
        silenceHDF5Errors()
        self.path = path
        memoryLimit = .machine
        (linkAccess, groupAccess, datasetAccess) = try HDF5File.accessRefusingExternalLinks(path)
        let id = H5Fcreate(path, pz_h5f_acc_trunc(), pz_h5p_default(), pz_h5p_default())
        guard id >= 0 else { throw HDF5Error(file: path, "cannot create HDF5 file") }
        handle = HDF5Handle(id, close: H5Fclose)
    }

    /// The root group `/`.
    public var root: HDF5Group {
        get throws { try HDF5Group(file: self, openingPath: "/") }
    }

    /// Flushes buffered writes to disk.
    public func flush() throws {
        guard H5Fflush(handle.id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw HDF5Error(file: path, "cannot flush")
        }
    }
}
