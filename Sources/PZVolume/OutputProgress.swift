import Foundation

/// How far a Zarr output of `predict` is, shard by shard: chunks done (the
/// chunk files present, as a resumed run counts them) out of each shard's
/// chunks under the fixed partition of `ChunkGrid.indices(shard:of:)`, and the
/// last record each shard's process left (`ShardRecord`).
public struct OutputProgress: Sendable {
    public struct ShardProgress: Sendable {
        public let shard: Shard
        public let chunks: Int
        public let done: Int
        /// The last record for this shard under this count; nil when no process recorded one.
        public let record: ShardRecord?

        public var isComplete: Bool { done == chunks }
    }

    public let path: String
    /// The output's chunks along (D, H, W).
    public let grid: ChunkGrid
    public let shards: [ShardProgress]
    /// Temporary chunk files left by killed writers (harmless; a finished chunk
    /// is never a temporary).
    public let strayTemporaries: Int

    public var chunks: Int { grid.chunkCount }
    public var done: Int { shards.reduce(0) { $0 + $1.done } }

    /// Reads the output at `path`. `shardCount` is the partition to report
    /// (nil: the one its records name; 1 when there are none).
    public init(path: String, shardCount: Int? = nil) throws {
        let metadata = try ZarrArrayMetadata(directory: path)
        guard metadata.shape.count == 4, metadata.chunks[0] == metadata.shape[0] else {
            throw VolumeError(path + "/.zarray", "is not a (C, D, H, W) array chunked whole in C, as predict writes")
        }
        let grid = try ChunkGrid(volumeShape: Array(metadata.shape.dropFirst()), chunkShape: Array(metadata.chunks.dropFirst()))
        self.grid = grid
        self.path = path
        let records = try ShardRecord.all(in: path)
        let count: Int
        if let shardCount {
            guard shardCount > 0 else { throw VolumeError("--shards must be at least 1, got \(shardCount)") }
            count = shardCount
        } else {
            let counts = Set(records.map(\.count))
            guard counts.count <= 1 else {
                throw VolumeError(path, "holds records of runs split \(counts.sorted().map(String.init).joined(separator: ", and ")) "
                                        + "ways: pass --shards N to choose the partition to show")
            }
            count = counts.first ?? 1
        }
        let present = Self.files(under: path)
        shards = (0..<count).map { index in
            let range = grid.indices(shard: index, of: count)
            let done = range.reduce(0) { total, raster in
                total + (present.contains(metadata.chunkKey([0] + grid.position(raster))) ? 1 : 0)
            }
            return ShardProgress(shard: Shard(index: index, count: count), chunks: range.count, done: done,
                                 record: records.first { $0.shard == index && $0.count == count })
        }
        strayTemporaries = present.filter { ($0.split(separator: "/").last ?? "").hasPrefix(".") && $0.contains(".tmp-") }.count
    }

    /// Every file name under the array (relative, `/`-joined for nested keys).
    private static func files(under path: String) -> Set<String> {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return [] }
        var names = Set<String>()
        while let name = enumerator.nextObject() as? String {
            if name.hasPrefix(ShardRecord.folder) { continue }
            names.insert(name)
        }
        return names
    }
}
