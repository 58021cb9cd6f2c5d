import PZVolume
import Testing

@Suite struct TiledPredictionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var volume: [Int]
        var inputPatch: [Int]
        var outputPatch: [Int]
        var overlap: [Int]?
        var chunk: [Int]
        var testDescription: String { "volume \(volume) patch \(inputPatch)→\(outputPatch) overlap \(overlap.map { "\($0)" } ?? "half") chunk \(chunk)" }
    }

    static let cases: [Case] = [
        Case(volume: [10, 20, 20], inputPatch: [4, 8, 8], outputPatch: [4, 8, 8], overlap: nil, chunk: [4, 8, 8]),
        Case(volume: [11, 23, 17], inputPatch: [4, 8, 8], outputPatch: [4, 8, 8], overlap: [1, 3, 7], chunk: [5, 6, 7]),
        Case(volume: [3, 5, 7], inputPatch: [4, 8, 8], outputPatch: [4, 8, 8], overlap: nil, chunk: [2, 2, 2]),
        Case(volume: [12, 30, 30], inputPatch: [8, 16, 16], outputPatch: [4, 8, 8], overlap: [2, 4, 4], chunk: [6, 10, 10]),
        Case(volume: [9, 9, 9], inputPatch: [9, 9, 9], outputPatch: [9, 9, 9], overlap: [0, 0, 0], chunk: [9, 9, 9]),
    ]

    private func predict(_ testCase: Case, blend: BlendMode, input: MemoryVolume, channels: Int, shard: Shard = .whole,
                         columns: [Int]? = nil, into output: MemoryOutput? = nil,
                         model: @escaping ([Float]) -> [Float]) throws -> TiledPrediction.Summary {
        let grid = try TileGrid(volumeShape: testCase.volume, inputPatch: testCase.inputPatch,
                                outputPatch: testCase.outputPatch, overlap: testCase.overlap)
        let output = try output ?? MemoryOutput(shape: [channels] + testCase.volume, chunkShape: testCase.chunk)
        let prediction = TiledPrediction(grid: grid, chunks: output.chunks, blend: blend, padding: .mirror,
                                         keptChannels: Array(0..<channels), columns: columns.map(PredictionColumns.init))
        return try prediction.run(reader: input, writer: output, shard: shard, model: model)
    }

    /// `predict` into a new output, returned.
    private func predicted(_ testCase: Case, blend: BlendMode, input: MemoryVolume, channels: Int,
                           model: @escaping ([Float]) -> [Float]) throws -> MemoryOutput {
        let output = try MemoryOutput(shape: [channels] + testCase.volume, chunkShape: testCase.chunk)
        _ = try predict(testCase, blend: blend, input: input, channels: channels, into: output, model: model)
        return output
    }

    /// A net whose output is a constant gives that constant everywhere, borders
    /// included, whatever the blend.
    @Test(arguments: cases, BlendMode.allCases)
    func aConstantNetGivesItsConstantEverywhere(_ testCase: Case, blend: BlendMode) throws {
        let input = MemoryVolume(shape: [1] + testCase.volume, values: testValues(testCase.volume.reduce(1, *)))
        let outputVoxels = testCase.outputPatch.reduce(1, *)
        let output = try predicted(testCase, blend: blend, input: input, channels: 2) { _ in
            [Float](repeating: 0.7, count: outputVoxels) + [Float](repeating: -3, count: outputVoxels)
        }
        let voxels = testCase.volume.reduce(1, *)
        #expect(output.values[..<voxels].allSatisfy { abs($0 - 0.7) <= 1e-6 })
        #expect(output.values[voxels...].allSatisfy { abs($0 + 3) <= 3e-6 })
    }

    /// The streamed, chunked blend equals a brute-force one over the whole volume:
    /// Σ w·y / Σ w with each tile's own output (which here depends on where the
    /// tile is, as a real net's border effects do).
    @Test(arguments: cases, [BlendMode.bump, .gaussian, .mean])
    func blendingEqualsABruteForceSum(_ testCase: Case, blend: BlendMode) throws {
        let input = MemoryVolume(shape: [1] + testCase.volume, values: testValues(testCase.volume.reduce(1, *), seed: 5))
        let grid = try TileGrid(volumeShape: testCase.volume, inputPatch: testCase.inputPatch,
                                outputPatch: testCase.outputPatch, overlap: testCase.overlap)
        let patchVoxels = testCase.outputPatch.reduce(1, *)
        // Output: channel 0 = the tile's sequence number + the voxel's index in the patch / 1000.
        var calls = 0
        let output = try predicted(testCase, blend: blend, input: input, channels: 1) { _ in
            calls += 1
            return (0..<patchVoxels).map { Float(calls) + Float($0) / 1000 }
        }
        let (depth, height, width) = (testCase.volume[0], testCase.volume[1], testCase.volume[2])
        var sums = [Double](repeating: 0, count: depth * height * width)
        var weights = [Double](repeating: 0, count: depth * height * width)
        let tileWeights = blend.weights(patch: testCase.outputPatch)
        let patch = testCase.outputPatch
        for (number, tile) in grid.tiles.enumerated() {
            for d in 0..<patch[0] { for h in 0..<patch[1] { for w in 0..<patch[2] {
                let (z, y, x) = (tile.output.origin[0] + d, tile.output.origin[1] + h, tile.output.origin[2] + w)
                guard z < depth, y < height, x < width else { continue }
                let index = (d * patch[1] + h) * patch[2] + w
                let weight = Double(tileWeights[index])
                sums[(z * height + y) * width + x] += weight * (Double(number + 1) + Double(index) / 1000)
                weights[(z * height + y) * width + x] += weight
            } } }
        }
        let expected = zip(sums, weights).map { $0 / $1 }
        let worst = zip(output.values, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < 1e-5, "largest relative difference \(worst)")
    }

    /// With --blend crop and an overlap of at least the net's field of view, the
    /// tiled output equals one run over the whole volume, exactly.
    @Test(arguments: [[10, 20, 20], [11, 23, 17], [16, 16, 40]])
    func cropWithEnoughOverlapEqualsAWholeVolumeRun(volume: [Int]) throws {
        let input = MemoryVolume(shape: [1] + volume, values: testValues(volume.reduce(1, *), seed: 7))
        let whole = meanFilter(input.values, patch: volume)
        let patch = [6, 8, 8]
        let testCase = Case(volume: volume, inputPatch: patch, outputPatch: patch, overlap: [2, 3, 4], chunk: [4, 5, 6])
        let output = try predicted(testCase, blend: .crop, input: input, channels: 2) { meanFilter($0, patch: patch) }
        #expect(output.values == whole)
    }

    /// Shards write disjoint chunks whose union is the whole run, exactly; an
    /// interrupted run resumed gives the same values as an uninterrupted one.
    @Test(arguments: [BlendMode.bump, .gaussian])
    func shardsAndResumeGiveTheWholeRun(blend: BlendMode) throws {
        let testCase = Self.cases[1]
        let input = MemoryVolume(shape: [1] + testCase.volume, values: testValues(testCase.volume.reduce(1, *), seed: 3))
        let model = { (values: [Float]) in meanFilter(values, patch: testCase.inputPatch) }
        let whole = try predicted(testCase, blend: blend, input: input, channels: 2, model: model)
        let sharded = try MemoryOutput(shape: [2] + testCase.volume, chunkShape: testCase.chunk)
        for index in 0..<5 {
            _ = try predict(testCase, blend: blend, input: input, channels: 2, shard: Shard(index: index, count: 5),
                            into: sharded, model: model)
        }
        #expect(sharded.values == whole.values)
        #expect(Set(sharded.written).count == sharded.chunks.chunkCount)

        // "Kill" after 5 chunks: a writer that fails, then the same output resumed.
        let resumed = try MemoryOutput(shape: [2] + testCase.volume, chunkShape: testCase.chunk)
        let failing = FailingAfter(resumed, chunks: 5)
        #expect(throws: VolumeError.self) {
            let grid = try TileGrid(volumeShape: testCase.volume, inputPatch: testCase.inputPatch,
                                    outputPatch: testCase.outputPatch, overlap: testCase.overlap)
            _ = try TiledPrediction(grid: grid, chunks: resumed.chunks, blend: blend, padding: .mirror, keptChannels: [0, 1])
                .run(reader: input, writer: failing, model: model)
        }
        #expect(resumed.written.count == 5)
        _ = try predict(testCase, blend: blend, input: input, channels: 2, into: resumed, model: model)
        #expect(resumed.values == whole.values)
    }

    /// Only the chunks asked for are computed: a resumed run skips the tiles
    /// that touch only finished chunks.
    @Test func finishedChunksSkipTheirTiles() throws {
        let testCase = Case(volume: [16, 16, 16], inputPatch: [8, 8, 8], outputPatch: [8, 8, 8], overlap: [0, 0, 0],
                            chunk: [8, 8, 8])
        let input = MemoryVolume(shape: [1, 16, 16, 16], values: testValues(4096))
        let output = try MemoryOutput(shape: [1, 16, 16, 16], chunkShape: [8, 8, 8])
        output.done = [[0, 0, 0], [0, 0, 1], [1, 1, 1]]
        var runs = 0
        _ = try predict(testCase, blend: .mean, input: input, channels: 1, into: output) { values in
            runs += 1
            return values
        }
        #expect(runs == 5)
        #expect(output.written.count == 5)
    }

    /// Swept in columns narrower than the plane, every chunk gets the same bytes
    /// as in one sweep (tiles on column edges run again), sharded too.
    @Test(arguments: cases, [[1, 1], [2, 1], [1, 3]])
    func columnsGiveTheSameBytes(_ testCase: Case, columns: [Int]) throws {
        let input = MemoryVolume(shape: [1] + testCase.volume, values: testValues(testCase.volume.reduce(1, *), seed: 4))
        let model = { (values: [Float]) in meanFilter(values, patch: testCase.inputPatch) }
        let whole = try predicted(testCase, blend: .gaussian, input: input, channels: 2, model: model)
        let swept = try MemoryOutput(shape: [2] + testCase.volume, chunkShape: testCase.chunk)
        let summary = try predict(testCase, blend: .gaussian, input: input, channels: 2, columns: columns, into: swept,
                                  model: model)
        #expect(swept.values == whole.values)
        #expect(Set(swept.written).count == swept.chunks.chunkCount)
        let plane = [swept.chunks.counts[1], swept.chunks.counts[2]]
        let grid = try TileGrid(volumeShape: testCase.volume, inputPatch: testCase.inputPatch,
                                outputPatch: testCase.outputPatch, overlap: testCase.overlap)
        #expect(summary.tiles == grid.tileCount + summary.tilesRepeated)
        let bound = PredictionColumns(chunks: columns).accumulatorBytes(grid: swept.chunks, outputPatchDepth: testCase.outputPatch[0],
                                                                        channels: 2)
        #expect(summary.peakAccumulatorBytes > 0 && summary.peakAccumulatorBytes <= bound,
                "accumulators peaked at \(summary.peakAccumulatorBytes) bytes, past the bound \(bound)")
        if columns[0] < plane[0] || columns[1] < plane[1], grid.counts[1] * grid.counts[2] > 1 {
            #expect(summary.tilesRepeated > 0)
        }
        let sharded = try MemoryOutput(shape: [2] + testCase.volume, chunkShape: testCase.chunk)
        for index in 0..<3 {
            _ = try predict(testCase, blend: .gaussian, input: input, channels: 2, shard: Shard(index: index, count: 3),
                            columns: columns, into: sharded, model: model)
        }
        #expect(sharded.values == whole.values)
    }

    /// Columns fit the budget with the least boundary between them: the whole
    /// plane when it fits, else balanced strips or blocks, one chunk at the least.
    @Test func columnsFitTheBudget() throws {
        // 40 × 100 × 60 output, chunks 10 × 10 × 10 (10 × 6 per plane), patch depth 10:
        // slab 20 deep (the 2 rows of chunks a 10-deep tile can span), 2 channels + weights = 12 bytes per voxel.
        let grid = try ChunkGrid(volumeShape: [40, 100, 60], chunkShape: [10, 10, 10])
        func fitted(_ budget: Int) -> [Int] {
            PredictionColumns.fitting(budget, grid: grid, outputPatchDepth: 10, channels: 2).chunks
        }
        let chunkColumn = 20 * 10 * 10 * 12  // bytes of one chunk's column of the slab
        #expect(PredictionColumns.whole(grid).accumulatorBytes(grid: grid, outputPatchDepth: 10, channels: 2)
                == 60 * chunkColumn)
        #expect(fitted(60 * chunkColumn) == [10, 6])
        // Two strips across the 60-wide side (boundary 60) beat two across the 100-wide one.
        #expect(fitted(60 * chunkColumn - 1) == [5, 6])
        #expect(fitted(30 * chunkColumn) == [5, 6])
        // 29 chunks: three strips of 4, 3, 3 rows (boundary 120) beat 2 × 2 blocks (boundary 160).
        #expect(fitted(29 * chunkColumn) == [4, 6])
        // 12 chunks: 3 × 2 blocks of 4 × 3 (boundary 2 × 60 + 100 = 220) beat 5 strips of 2 (boundary 240).
        #expect(fitted(12 * chunkColumn) == [4, 3])
        #expect(fitted(1) == [1, 1])
        #expect(PredictionColumns(chunks: [4, 4]).all(grid) == [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]])
        #expect(PredictionColumns(chunks: [4, 4]).box([2, 1], grid: grid) == VolumeBox(origin: [0, 80, 40], size: [40, 20, 20]))
    }
}

/// A writer that fails (as a kill would stop it) after `chunks` chunks.
final class FailingAfter: VolumeWriter {
    let wrapped: MemoryOutput
    var remaining: Int
    init(_ wrapped: MemoryOutput, chunks: Int) {
        self.wrapped = wrapped
        remaining = chunks
    }
    var path: String { wrapped.path }
    var shape: [Int] { wrapped.shape }
    var chunks: ChunkGrid { wrapped.chunks }
    func isDone(_ position: [Int]) throws -> Bool { try wrapped.isDone(position) }
    func write(_ position: [Int], values: [Float]) throws {
        guard remaining > 0 else { throw VolumeError("killed") }
        remaining -= 1
        try wrapped.write(position, values: values)
    }
    func finish() throws {}
}
