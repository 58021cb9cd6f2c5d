import Foundation
import PZGraph

/// Puts a dataset into a user's HDF5 file without touching its other objects,
/// atomically: the file is copied beside itself (`.NAME.pzconv-update`, locked
/// so that two pzconv processes never update one file at once), the dataset is
/// created or replaced in the copy by pzconv's HDF5 worker process (libhdf5 on
/// a user's file runs there, see `HDF5Isolation`), and the copy, flushed, is
/// renamed over the file. A kill or a failure at any moment leaves the file as
/// it was; the price is free disk space for one copy of the file while it runs.
/// The other datasets keep their bytes; the file is a new inode (hard links to
/// the old one keep the old content), with the old one's permission bits.
enum HDF5Output {
    /// What a file holds at a dataset path.
    enum Existing: Equatable {
        /// There is no file.
        case noFile
        /// The file has nothing at the path.
        case absent
        /// A dataset, with the run identity pzconv recorded on it (its `pzconv` attribute), if any.
        case dataset(identity: String?)
        /// A group, not a dataset.
        case notADataset
    }

    /// What `file` holds at `dataset` (read in the worker).
    static func probe(file: String, dataset: String, memoryLimit: MemoryLimit) throws -> Existing {
        guard FileManager.default.fileExists(atPath: file) else { return .noFile }
        let answer = try HDF5Isolation.run(["probe", file, dataset] + MemoryOptions.arguments(memoryLimit),
                                           resultName: "probe.txt", hdf5File: file) {
            String(decoding: try readFileBytes($0), as: UTF8.self)
        }
        let lines = answer.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        switch lines.first {
        case "absent": return .absent
        case "group": return .notADataset
        case "dataset": return .dataset(identity: nil)
        case "dataset pzconv": return .dataset(identity: lines.count > 1 ? lines[1] : "")
        default: throw CommandError("\(file): pzconv's HDF5 worker gave an answer it does not know (\(lines.first ?? ""))")
        }
    }

    /// Stores `source` (a `.npy`, or a Zarr array pzconv wrote: its chunks are
    /// copied as they are) as `dataset` of `file`, replacing a dataset there,
    /// recording `identity` in its `pzconv` attribute. Creates `file` if absent.
    static func store(_ source: String, as dataset: String, in file: String, identity: String,
                      memoryLimit: MemoryLimit) throws {
        let manager = FileManager.default
        let exists = manager.fileExists(atPath: file)
        let slash = file.lastIndex(of: "/")
        let directory = slash.map { String(file[...$0]) } ?? ""
        let name = slash.map { String(file[file.index(after: $0)...]) } ?? file
        let update = "\(directory).\(name).pzconv-update"
        let descriptor = try lockedUpdateFile(update, file: file)
        defer { close(descriptor) }
        do {
            if exists { try copyContents(of: file, into: descriptor, named: update) }
            try HDF5Isolation.run(["store", update, dataset, "--from", source, "--identity", identity]
                                  + (exists ? [] : ["--create"]) + MemoryOptions.arguments(memoryLimit),
                                  resultName: "stored", hdf5File: exists ? file : update) { _ in }
            guard fsync(descriptor) == 0 else { throw CommandError("\(update): cannot flush (\(errorText()))") }
            guard rename(update, file) == 0 else { throw CommandError("\(file): cannot replace (\(errorText()))") }
        } catch {
            unlink(update)
            throw error
        }
    }

    /// Opens (creating) `path`, takes its exclusive lock and empties it; an
    /// update file another process holds is an error.
    private static func lockedUpdateFile(_ path: String, file: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw CommandError("\(path): cannot create (\(errorText()))") }
        var ours = stat()
        var named = stat()
        // A POSIX record lock (libhdf5 takes flock locks of its own, which would
        // refuse the worker's open). The lock must be on the file still at `path`:
        // another process may have renamed its finished update away between our
        // open and our lock.
        guard lockf(descriptor, F_TLOCK, 0) == 0, fstat(descriptor, &ours) == 0, stat(path, &named) == 0,
              ours.st_ino == named.st_ino, ours.st_dev == named.st_dev else {
            close(descriptor)
            throw CommandError("\(file): another pzconv process is updating this file (\(path)); try again when it is done")
        }
        guard ftruncate(descriptor, 0) == 0 else {
            close(descriptor)
            throw CommandError("\(path): cannot empty (\(errorText()))")
        }
        return descriptor
    }

    /// Copies `file`'s bytes and permission bits into the open `descriptor`.
    private static func copyContents(of file: String, into descriptor: Int32, named path: String) throws {
        let source = open(file, O_RDONLY)
        guard source >= 0 else { throw CommandError("\(file): cannot open (\(errorText()))") }
        defer { close(source) }
        var status = stat()
        guard fstat(source, &status) == 0 else { throw CommandError("\(file): cannot stat (\(errorText()))") }
        _ = fchmod(descriptor, status.st_mode & 0o7777)
        let bufferSize = 8 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let count = read(source, buffer, bufferSize)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw CommandError("\(file): cannot read (\(errorText()))") }
            if count == 0 { return }
            var written = 0
            while written < count {
                let result = write(descriptor, buffer + written, count - written)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw CommandError("\(path): cannot write (\(errorText()))") }
                written += result
            }
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
