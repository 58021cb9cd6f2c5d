import PZVolume
import Testing

@Suite struct TileGridTests {
    /// Tile origins along one axis: every `patch − overlap`, the last shifted
    /// back to end at the volume's end, one tile at 0 for a small volume.
    @Test(arguments: [
        (10, 4, 2, [0, 2, 4, 6]),
        (11, 4, 2, [0, 2, 4, 6, 7]),
        (4, 4, 2, [0]),
        (3, 4, 2, [0]),
        (5, 4, 0, [0, 1]),
        (12, 4, 0, [0, 4, 8]),
        (200, 64, 32, [0, 32, 64, 96, 128, 136]),
        (40, 18, 9, [0, 9, 18, 22]),
    ])
    func originsAlongAnAxis(volume: Int, patch: Int, overlap: Int, expected: [Int]) throws {
        let grid = try TileGrid(volumeShape: [volume, 8, 8], inputPatch: [patch, 8, 8], outputPatch: [patch, 8, 8],
                                overlap: [overlap, 0, 0])
        #expect(grid.origins[0] == expected)
        #expect(grid.tileCount == expected.count)
    }

    /// Under crop every voxel belongs to exactly one tile, and that tile covers it.
    @Test(arguments: [(10, 4, 2), (11, 4, 2), (3, 4, 2), (5, 4, 0), (200, 64, 32), (40, 18, 9), (37, 16, 15), (17, 17, 3)])
    func cropOwnershipPartitionsTheAxis(volume: Int, patch: Int, overlap: Int) throws {
        let grid = try TileGrid(volumeShape: [volume, 1, 1], inputPatch: [patch, 1, 1], outputPatch: [patch, 1, 1],
                                overlap: [overlap, 0, 0])
        var owners = [Int](repeating: 0, count: volume)
        for index in grid.origins[0].indices {
            let owned = grid.ownedRange(axis: 0, index: index)
            let start = grid.origins[0][index]
            #expect(owned.lowerBound >= start && owned.upperBound <= start + patch)
            for voxel in owned { owners[voxel] += 1 }
        }
        #expect(owners.allSatisfy { $0 == 1 })
    }

    /// A valid-convolution net: the input tile starts the context before the output.
    @Test func validNetsReadContextAroundTheOutput() throws {
        let grid = try TileGrid(volumeShape: [40, 50, 60], inputPatch: [20, 132, 132], outputPatch: [12, 44, 44])
        #expect(grid.outputOffset == [4, 44, 44])
        #expect(grid.overlap == [6, 22, 22])
        let tile = grid.tile([0, 0, 0])
        #expect(tile.output == VolumeBox(origin: [0, 0, 0], size: [12, 44, 44]))
        #expect(tile.input == VolumeBox(origin: [-4, -44, -44], size: [20, 132, 132]))
    }

    @Test func badSizesAreNamed() {
        #expect(throws: VolumeError.self) {
            try TileGrid(volumeShape: [10, 10, 10], inputPatch: [4, 4, 4], outputPatch: [4, 4, 4], overlap: [4, 0, 0])
        }
        #expect(throws: VolumeError.self) {
            try TileGrid(volumeShape: [10, 10, 10], inputPatch: [4, 4, 4], outputPatch: [8, 8, 8])
        }
    }

    /// NumPy's `reflect`: …, 2, 1, [0, 1, 2, 3], 2, 1, 0, 1, …
    @Test func mirrorPaddingReflects() throws {
        let volume = MemoryVolume(shape: [1, 1, 1, 4], values: [10, 11, 12, 13])
        let row = try volume.read(VolumeBox(origin: [0, 0, -3], size: [1, 1, 11]), padding: .mirror)
        #expect(row == [13, 12, 11, 10, 11, 12, 13, 12, 11, 10, 11])
        let zeros = try volume.read(VolumeBox(origin: [0, 0, -2], size: [1, 1, 7]), padding: .zero)
        #expect(zeros == [0, 0, 10, 11, 12, 13, 0])
    }

    @Test func shardsPartitionTheChunks() throws {
        let chunks = try ChunkGrid(volumeShape: [40, 200, 200], chunkShape: [16, 64, 64])
        #expect(chunks.counts == [3, 4, 4])
        for count in [1, 2, 3, 7, 48, 50] {
            let parts = (0..<count).map { chunks.indices(shard: $0, of: count) }
            #expect(parts.map(\.count).reduce(0, +) == 48)
            for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        }
        #expect(chunks.box([2, 3, 3]) == VolumeBox(origin: [32, 192, 192], size: [8, 8, 8]))
    }
}
