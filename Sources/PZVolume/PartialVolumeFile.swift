import Foundation
import PZGraph

/// A single-file output (`.npy`, `.nii`) under construction: `OUTPUT.partial`
/// holds `header` then the (C, D, H, W) array in C order (W fastest), made at
/// full size up front; each chunk's rows are written in place (pwrite, then
/// fsync) and only then recorded in `OUTPUT.partial.done`, one raster index a
/// line after the run's identity on the first. A run with the same identity and
/// the same header resumes from the record; anything else is another run's,
/// replaced only with `overwrite`. One process only.
final class PartialVolumeFile {
    /// The finished output's path.
    let path: String
    let partialPath: String
    let recordPath: String
    /// (C, D, H, W).
    let shape: [Int]
    let chunks: ChunkGrid
    let dataType: ArrayDataType
    /// Bytes before the array: the header's length.
    let dataOffset: Int
    private var done: Set<Int> = []
    private let identity: String
    private let header: [UInt8]
    /// Whether the output was finished by an earlier run of the same command
    /// (`FinishedOutputRecord`): nothing is left to write or move.
    private var wasFinished = false

    init(path: String, shape: [Int], chunkShape: [Int], dataType: ArrayDataType, header: [UInt8], identity: String,
         overwrite: Bool) throws {
        self.path = path
        self.shape = shape
        self.dataType = dataType
        chunks = try ChunkGrid(volumeShape: Array(shape.dropFirst()), chunkShape: chunkShape)
        partialPath = path + ".partial"
        recordPath = path + ".partial.done"
        dataOffset = header.count
        let total = header.count + shape.reduce(1, *) * dataType.size
        let manager = FileManager.default
        let identityLine = identity.replacingOccurrences(of: "\n", with: " ")
        self.identity = identityLine
        self.header = header
        if manager.fileExists(atPath: path) && !overwrite {
            guard let stored = FinishedOutputRecord.stored(for: path),
                  stored == FinishedOutputRecord(identity: identityLine, header: header, file: path) else {
                throw VolumeError(path, "exists and was not made by this model with these options on an input of this "
                                        + "shape (pass --overwrite to replace it)")
            }
            // Finished by an earlier run of this same command (killed, perhaps, before it could say so).
            wasFinished = true
            done = Set(0..<chunks.chunkCount)
            remove()
            return
        }
        unlink(FinishedOutputRecord.path(for: path))
        if manager.fileExists(atPath: partialPath), let record = try? String(contentsOfFile: recordPath, encoding: .utf8) {
            let lines = record.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.first.map(String.init) == identityLine, Self.starts(partialPath, with: header, length: total) {
                // Only whole lines count: a line cut short by a kill was not recorded.
                done = Set(lines.dropFirst().dropLast().compactMap { Int($0) }.filter { $0 >= 0 && $0 < chunks.chunkCount })
                return
            }
            guard overwrite else {
                throw VolumeError(path, "an unfinished output of another model, options or input is in \(partialPath) "
                                        + "(pass --overwrite to start again)")
            }
        }
        do {
            try? manager.removeItem(atPath: recordPath)
            try AtomicFile.write(to: partialPath) { temporary in
                guard manager.createFile(atPath: temporary, contents: Data(header)),
                      truncate(temporary, off_t(total)) == 0 else {
                    throw VolumeError(temporary, "cannot create (\(String(cString: strerror(errno))))")
                }
            }
            try AtomicFile.write(Array((identityLine + "\n").utf8), to: recordPath)
        } catch let error as VolumeError {
            throw error
        } catch {
            throw VolumeError(path, "cannot start the output (\(error))")
        }
    }

    /// Whether the file at `path` is `length` bytes long and begins with `header`.
    private static func starts(_ path: String, with header: [UInt8], length: Int) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end == UInt64(length) else { return false }
        try? handle.seek(toOffset: 0)
        return (try? handle.read(upToCount: header.count)).map { Array($0) == header } ?? false
    }

    func isDone(_ position: [Int]) -> Bool { done.contains(chunks.index(position)) }

    /// Whether every chunk is written and recorded, and the output not yet in
    /// place (`moveIntoPlace` or a compressed copy is still to come).
    var needsFinishing: Bool { done.count == chunks.chunkCount && !wasFinished }

    /// Writes the chunk at `position` (`values`: C-major float32 over its box)
    /// in place, flushes it, and records it.
    func write(_ position: [Int], values: [Float]) throws {
        let box = chunks.box(position)
        let (depth, height, width) = (shape[1], shape[2], shape[3])
        let descriptor = open(partialPath, O_WRONLY)
        guard descriptor >= 0 else { throw VolumeError(partialPath, "cannot open for writing") }
        defer { close(descriptor) }
        let rowBytes = box.size[2] * dataType.size
        for channel in 0..<shape[0] {
            for d in 0..<box.size[0] {
                for h in 0..<box.size[1] {
                    let source = ((channel * box.size[0] + d) * box.size[1] + h) * box.size[2]
                    let row = dataType.encode(Array(values[source..<(source + box.size[2])]))
                    let element = ((channel * depth + box.origin[0] + d) * height + box.origin[1] + h) * width + box.origin[2]
                    let offset = off_t(dataOffset + element * dataType.size)
                    let written = row.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, rowBytes, offset) }
                    guard written == rowBytes else {
                        throw VolumeError(partialPath, "cannot write (\(String(cString: strerror(errno))))")
                    }
                }
            }
        }
        guard fsync(descriptor) == 0 else { throw VolumeError(partialPath, "cannot flush") }
        try record(chunks.index(position))
    }

    /// Appends a finished chunk to the record, flushed.
    private func record(_ index: Int) throws {
        let descriptor = open(recordPath, O_WRONLY | O_APPEND)
        guard descriptor >= 0 else { throw VolumeError(recordPath, "cannot open for writing") }
        defer { close(descriptor) }
        let line = Array("\(index)\n".utf8)
        guard line.withUnsafeBytes({ Foundation.write(descriptor, $0.baseAddress, line.count) }) == line.count,
              fsync(descriptor) == 0 else {
            throw VolumeError(recordPath, "cannot record a finished chunk")
        }
        done.insert(index)
    }

    /// Records `file` (the partial file, or a compressed copy about to be
    /// renamed to the output's path) as the finished output of this run. Done
    /// before the rename: a kill between the two leaves a run that resumes.
    func recordFinished(_ file: String) throws {
        guard let record = FinishedOutputRecord(identity: identity, header: header, file: file) else {
            throw VolumeError(file, "cannot read the finished output's size and time")
        }
        try record.store(for: path)
    }

    /// Renames the finished partial file to the output's path (recorded first),
    /// then drops the record of chunks.
    func moveIntoPlace() throws {
        try recordFinished(partialPath)
        guard rename(partialPath, path) == 0 else { throw VolumeError(path, "cannot move the finished output into place") }
        unlink(recordPath)
    }

    /// Drops the partial file and its record once the output was made from it
    /// some other way (compressed).
    func remove() {
        unlink(partialPath)
        unlink(recordPath)
    }
}
