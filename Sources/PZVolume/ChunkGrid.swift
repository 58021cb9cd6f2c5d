/// The output volume's chunks: boxes of `chunkShape` voxels from the origin
/// (the last along an axis ends at the volume's end), numbered in raster order
/// (D slowest). A chunk is the unit that is written, recorded as done, skipped
/// on resume, and given to a shard.
public struct ChunkGrid: Equatable, Sendable {
    /// The output's spatial shape (D, H, W).
    public let volumeShape: [Int]
    /// A chunk's spatial shape (D, H, W).
    public let chunkShape: [Int]

    public init(volumeShape: [Int], chunkShape: [Int]) throws {
        guard volumeShape.count == 3, chunkShape.count == 3, chunkShape.allSatisfy({ $0 > 0 }) else {
            throw VolumeError("chunks need a positive 3-D shape, got \(chunkShape)")
        }
        self.volumeShape = volumeShape
        self.chunkShape = chunkShape
    }

    /// Chunks along each axis.
    public var counts: [Int] { (0..<3).map { (volumeShape[$0] + chunkShape[$0] - 1) / chunkShape[$0] } }
    public var chunkCount: Int { counts.reduce(1, *) }

    /// The grid position of raster index `index`.
    public func position(_ index: Int) -> [Int] {
        let counts = self.counts
        return [index / (counts[1] * counts[2]), index / counts[2] % counts[1], index % counts[2]]
    }

    public func index(_ position: [Int]) -> Int {
        let counts = self.counts
        return (position[0] * counts[1] + position[1]) * counts[2] + position[2]
    }

    /// The voxels of the chunk at `position`, inside the volume.
    public func box(_ position: [Int]) -> VolumeBox {
        VolumeBox(origin: (0..<3).map { position[$0] * chunkShape[$0] }, size: chunkShape).clamped(to: volumeShape)
    }

    /// The positions of the chunks `box` touches (an empty list for an empty box).
    public func positions(touching box: VolumeBox) -> [[Int]] {
        let inside = box.clamped(to: volumeShape)
        guard !inside.isEmpty else { return [] }
        let lower = (0..<3).map { inside.origin[$0] / chunkShape[$0] }
        let upper = (0..<3).map { (inside.end[$0] - 1) / chunkShape[$0] }
        var result: [[Int]] = []
        for d in lower[0]...upper[0] { for h in lower[1]...upper[1] { for w in lower[2]...upper[2] { result.append([d, h, w]) } } }
        return result
    }

    /// The raster indices of shard `shard` of `count`: the contiguous run
    /// ⌊shard·M/count⌋ ..< ⌊(shard + 1)·M/count⌋ of the M chunks, so shards are
    /// disjoint, cover the grid, and each reads one slab-like stretch of input.
    public func indices(shard: Int, of count: Int) -> Range<Int> {
        let total = chunkCount
        return (shard * total / count)..<((shard + 1) * total / count)
    }
}

/// `--shard I/N`: this process computes shard I (0-based) of N.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses "I/N" with 0 ≤ I < N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0, index >= 0, index < count else {
            throw VolumeError("--shard takes I/N with 0 ≤ I < N (e.g. 3/8), got '\(text)'")
        }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
}
