import Foundation
import PZGraph

/// A Zarr v2 array directory read by region (or the level-0 array of an
/// OME-Zarr multiscale group): only the chunks a region touches are read, a
/// missing chunk is its fill value. 3-D (D, H, W) or 4-D with `channelAxis`.
public final class ZarrVolumeReader: VolumeReader {
    public let path: String
    public let shape: [Int]
    let metadata: ZarrArrayMetadata
    let arrayDirectory: String
    /// The stored array as 4-D: [1] + shape for a 3-D one.
    private let stored: [Int]
    private let storedChunks: [Int]
    private let channelsLast: Bool
    /// Decoded chunks, most recent last, up to `cacheLimit` of them.
    private var cache: [[Int]: [Float]] = [:]
    private var cacheOrder: [[Int]] = []
    private let cacheLimit: Int

    public init(path: String, channelAxis: ChannelAxis? = nil) throws {
        self.path = path
        arrayDirectory = try Self.arrayDirectory(path)
        metadata = try ZarrArrayMetadata(directory: arrayDirectory)
        shape = try ChannelAxis.volumeShape(metadata.shape, channelAxis: channelAxis, path: path)
        stored = metadata.shape.count == 3 ? [1] + metadata.shape : metadata.shape
        storedChunks = metadata.chunks.count == 3 ? [1] + metadata.chunks : metadata.chunks
        channelsLast = metadata.shape.count == 4 && channelAxis == .last
        cacheLimit = max(8, (256 << 20) / max(1, metadata.chunkByteCount * 4 / metadata.dataType.size))
    }

    /// The array's directory: `path` itself, or an OME-Zarr group's first
    /// multiscale dataset (the full-resolution level).
    static func arrayDirectory(_ path: String) throws -> String {
        let manager = FileManager.default
        if manager.fileExists(atPath: path + "/.zarray") { return path }
        guard manager.fileExists(atPath: path + "/.zattrs"),
              let bytes = try? Data(contentsOf: URL(fileURLWithPath: path + "/.zattrs")), bytes.count <= 1 << 20,
              let attributes = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
              let multiscales = attributes["multiscales"] as? [[String: Any]],
              let datasets = multiscales.first?["datasets"] as? [[String: Any]],
              let level = datasets.first?["path"] as? String,
              !level.contains(".."), !level.hasPrefix("/") else {
            throw VolumeError(path, "not a Zarr v2 array (no .zarray) nor an OME-Zarr multiscale group")
        }
        return path + "/" + level
    }

    public func read(_ box: VolumeBox) throws -> [Float] {
        var result = [Float](repeating: 0, count: shape[0] * box.voxelCount)
        // The request in stored (4-D) coordinates.
        let spatialAxes = channelsLast ? [0, 1, 2] : [1, 2, 3]
        let channelAxis = channelsLast ? 3 : 0
        var lower = [0, 0, 0, 0]
        var upper = stored
        for (index, axis) in spatialAxes.enumerated() {
            lower[axis] = box.origin[index]
            upper[axis] = box.end[index]
        }
        let first = (0..<4).map { lower[$0] / storedChunks[$0] }
        let last = (0..<4).map { (upper[$0] - 1) / storedChunks[$0] }
        for a in first[0]...last[0] { for b in first[1]...last[1] { for c in first[2]...last[2] { for e in first[3]...last[3] {
            let position = [a, b, c, e]
            let chunk = try decodedChunk(position)
            let origin = (0..<4).map { position[$0] * storedChunks[$0] }
            let from = (0..<4).map { max(lower[$0], origin[$0]) }
            let to = (0..<4).map { min(upper[$0], origin[$0] + storedChunks[$0]) }
            var coordinate = [0, 0, 0, 0]
            for i0 in from[0]..<to[0] {
                coordinate[0] = i0
                for i1 in from[1]..<to[1] {
                    coordinate[1] = i1
                    for i2 in from[2]..<to[2] {
                        coordinate[2] = i2
                        for i3 in from[3]..<to[3] {
                            coordinate[3] = i3
                            let inChunk = (((i0 - origin[0]) * storedChunks[1] + (i1 - origin[1])) * storedChunks[2]
                                           + (i2 - origin[2])) * storedChunks[3] + (i3 - origin[3])
                            let channel = coordinate[channelAxis]
                            let d = coordinate[spatialAxes[0]] - box.origin[0]
                            let h = coordinate[spatialAxes[1]] - box.origin[1]
                            let w = coordinate[spatialAxes[2]] - box.origin[2]
                            result[((channel * box.size[0] + d) * box.size[1] + h) * box.size[2] + w] = chunk[inChunk]
                        }
                    }
                }
            }
        } } } }
        return result
    }

    /// The stored array's chunk shape as 4-D ([1] + chunks for a 3-D array).
    public var storedChunkShape: [Int] { storedChunks }

    /// The stored element type.
    public var storedDataType: ArrayDataType { metadata.dataType }

    /// The chunk at 4-D grid `position` as stored, decompressed: elements of
    /// `storedDataType` in C order over `storedChunkShape` (an edge chunk whole,
    /// padding included); nil when the chunk file is absent. For copying an
    /// array's values as they are, without converting them.
    public func storedChunk(_ position: [Int]) throws -> [UInt8]? {
        let key = metadata.shape.count == 3 ? Array(position.dropFirst()) : position
        let file = metadata.chunkPath(arrayDirectory, key)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let storedBytes: [UInt8]
        do { storedBytes = try readFileBytes(file) } catch { throw VolumeError(file, "cannot read the chunk") }
        return try metadata.decode(storedBytes, what: file)
    }

    /// The chunk at 4-D grid `position` as float32 (the fill value when absent).
    private func decodedChunk(_ position: [Int]) throws -> [Float] {
        if let chunk = cache[position] { return chunk }
        let count = metadata.chunkByteCount / metadata.dataType.size
        var values: [Float]
        if let raw = try storedChunk(position) {
            values = [Float](repeating: 0, count: count)
            raw.withUnsafeBytes { bytes in
                for index in 0..<count { values[index] = metadata.dataType.value(bytes, at: index) }
            }
        } else {
            values = [Float](repeating: metadata.fillValue, count: count)
        }
        cache[position] = values
        cacheOrder.append(position)
        if cacheOrder.count > cacheLimit { cache[cacheOrder.removeFirst()] = nil }
        return values
    }
}

/// A Zarr v2 array pzconv writes: (C, D, H, W), chunks of (C, chunk D, H, W)
/// compressed with Blosc (LZ4, byte shuffle: zarr-python's default),
/// each written once, atomically (a temporary file renamed into place); a chunk
/// file that exists is done. `.zattrs` records the run (model and options) that
/// makes it, so a rerun resumes only the same run; processes of one run
/// (shards) write disjoint chunks of the same array.
public final class ZarrVolumeWriter: VolumeWriter {
    public let path: String
    public let shape: [Int]
    public let chunks: ChunkGrid
    let metadata: ZarrArrayMetadata

    /// Opens or creates the array. `identity` describes the run (model digest
    /// and options); an existing array made by another run is an error unless
    /// `overwrite`, which removes it first.
    public init(path: String, shape: [Int], chunkShape: [Int], dataType: ArrayDataType, identity: String,
                overwrite: Bool) throws {
        self.path = path
        self.shape = shape
        chunks = try ChunkGrid(volumeShape: Array(shape.dropFirst()), chunkShape: chunkShape)
        metadata = ZarrArrayMetadata(shape: shape, chunks: [shape[0]] + chunkShape, dataType: dataType,
                                     compressor: .blosc)
        let manager = FileManager.default
        let attributes = Self.attributes(identity: identity)
        if manager.fileExists(atPath: path) {
            if try Self.resumes(path, metadata: metadata, attributes: attributes) { return }
            guard overwrite else {
                throw VolumeError(path, "exists and was not made by this model with these options "
                                        + "(pass --overwrite to replace it)")
            }
            do { try manager.removeItem(atPath: path) } catch { throw VolumeError(path, "cannot remove the old output") }
        }
        // Built aside and renamed into place, so shards starting together never see
        // a half-made array: the one whose rename loses resumes the winner's.
        let aside = AtomicFile.temporaryPath(for: path)
        do {
            try manager.createDirectory(atPath: aside, withIntermediateDirectories: true)
            try AtomicFile.write(Array(metadata.json.utf8), to: aside + "/.zarray")
            try AtomicFile.write(Array(attributes.utf8), to: aside + "/.zattrs")
        } catch {
            try? manager.removeItem(atPath: aside)
            throw VolumeError(path, "cannot create the output (\(error))")
        }
        guard rename(aside, path) == 0 else {
            let failure = errno
            try? manager.removeItem(atPath: aside)
            if (failure == EEXIST || failure == ENOTEMPTY), try Self.resumes(path, metadata: metadata, attributes: attributes) {
                return
            }
            throw VolumeError(path, "cannot create the output: \(String(cString: strerror(failure)))")
        }
    }

    /// Whether the existing `path` is this run's array (to resume); an error
    /// when it is not a Zarr array at all.
    private static func resumes(_ path: String, metadata: ZarrArrayMetadata, attributes: String) throws -> Bool {
        let recorded = try? String(contentsOfFile: path + "/.zattrs", encoding: .utf8)
        let existing = try? ZarrArrayMetadata(directory: path)
        if recorded == attributes && existing == metadata { return true }
        guard FileManager.default.fileExists(atPath: path + "/.zarray") else {
            throw VolumeError(path, "exists and is not a Zarr array; pzconv will not replace it")
        }
        return false
    }

    static func attributes(identity: String) -> String {
        let escaped = identity.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "{\n    \"pzconv\": {\"run\": \"\(escaped)\"}\n}\n"
    }

    private func chunkFile(_ position: [Int]) -> String { metadata.chunkPath(path, [0] + position) }

    public func isDone(_ position: [Int]) throws -> Bool {
        FileManager.default.fileExists(atPath: chunkFile(position))
    }

    public func write(_ position: [Int], values: [Float]) throws {
        let box = chunks.box(position)
        let channels = shape[0]
        let full = chunks.chunkShape
        // Zarr stores edge chunks whole: the part past the volume is zeros.
        var padded = [Float](repeating: 0, count: channels * full.reduce(1, *))
        for channel in 0..<channels {
            for d in 0..<box.size[0] {
                for h in 0..<box.size[1] {
                    let source = ((channel * box.size[0] + d) * box.size[1] + h) * box.size[2]
                    let target = ((channel * full[0] + d) * full[1] + h) * full[2]
                    padded[target..<(target + box.size[2])] = values[source..<(source + box.size[2])]
                }
            }
        }
        let bytes = metadata.encode(metadata.dataType.encode(padded))
        do {
            try AtomicFile.write(bytes, to: chunkFile(position))
        } catch {
            throw VolumeError(chunkFile(position), "cannot write the chunk (\(error)); nothing of it was kept")
        }
    }

    public func finish() throws {}
}
