import Foundation
import PZGraph
import PZPatchIO

/// A `.npy` output (C, D, H, W), built in `OUTPUT.partial` with its chunks'
/// rows written in place and each finished chunk recorded, after its bytes are
/// flushed, in `OUTPUT.partial.done` (whose first line is the run's identity).
/// A rerun of the same run resumes from the record; the last chunk renames the
/// file into place. One process only (use a Zarr output for `--shard`).
public final class NPYVolumeWriter: VolumeWriter {
    public let path: String
    public let shape: [Int]
    public let chunks: ChunkGrid
    private let dataType: ArrayDataType
    private let partialPath: String
    private let recordPath: String
    private let dataOffset: Int
    private var done: Set<Int> = []

    public init(path: String, shape: [Int], chunkShape: [Int], dataType: ArrayDataType, identity: String,
                overwrite: Bool) throws {
        self.path = path
        self.shape = shape
        self.dataType = dataType
        chunks = try ChunkGrid(volumeShape: Array(shape.dropFirst()), chunkShape: chunkShape)
        partialPath = path + ".partial"
        recordPath = path + ".partial.done"
        let header = NPYFile.headerBytes(descr: dataType.description, shape: shape)
        dataOffset = header.count
        let manager = FileManager.default
        if manager.fileExists(atPath: path) && !overwrite {
            throw VolumeError(path, "exists (pass --overwrite to replace it)")
        }
        let identityLine = identity.replacingOccurrences(of: "\n", with: " ")
        if manager.fileExists(atPath: partialPath), let record = try? String(contentsOfFile: recordPath, encoding: .utf8) {
            let lines = record.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.first.map(String.init) == identityLine {
                // Only whole lines count: a line cut short by a kill was not recorded.
                done = Set(lines.dropFirst().dropLast().compactMap { Int($0) }.filter { $0 >= 0 && $0 < chunks.chunkCount })
                return
            }
            guard overwrite else {
                throw VolumeError(path, "an unfinished output of another model or options is in \(partialPath) "
                                        + "(pass --overwrite to start again)")
            }
        }
        do {
            try? manager.removeItem(atPath: recordPath)
            try AtomicFile.write(to: partialPath) { temporary in
                let total = header.count + shape.reduce(1, *) * dataType.size
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

    public func isDone(_ position: [Int]) throws -> Bool { done.contains(chunks.index(position)) }

    public func write(_ position: [Int], values: [Float]) throws {
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

    public func finish() throws {
        guard done.count == chunks.chunkCount else { return }
        guard rename(partialPath, path) == 0 else { throw VolumeError(path, "cannot move the finished output into place") }
        unlink(recordPath)
    }
}
