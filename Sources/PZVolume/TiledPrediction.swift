import Foundation

/// Runs a model over a whole volume tile by tile and writes the blended output
/// chunk by chunk, holding only the chunks still being accumulated.
///
/// The output's H × W plane is swept column by column (`PredictionColumns`:
/// the whole plane unless its accumulators would outgrow the budget). In a
/// column, tiles run in raster order (`TileGrid.tiles`); each adds weight·output
/// and weight into the accumulators of the output chunks it touches that this
/// run must write (its shard's and column's, not already done). After the last
/// tile of a D-row of tiles, every chunk ending before the next row's output
/// starts is complete: it is normalized (Σ weight·output / Σ weight), written
/// and dropped. Every chunk receives the same tiles in the same order in every
/// run — whole, resumed, sharded, or in other columns — so its bytes are identical.
public struct TiledPrediction {
    public let grid: TileGrid
    public let chunks: ChunkGrid
    public let blend: BlendMode
    public let padding: VolumePadding
    /// The model's output channels written, in this order (all of them by default).
    public let keptChannels: [Int]
    public let columns: PredictionColumns

    /// `columns`: how the plane is swept (default: as one column).
    public init(grid: TileGrid, chunks: ChunkGrid, blend: BlendMode, padding: VolumePadding, keptChannels: [Int],
                columns: PredictionColumns? = nil) {
        self.grid = grid
        self.chunks = chunks
        self.blend = blend
        self.padding = padding
        self.keptChannels = keptChannels
        self.columns = columns ?? .whole(chunks)
    }

    /// The most bytes a run holds for `inputChannels` in and the model's
    /// `outputChannels` out, besides the model: one column's chunk accumulators
    /// (`PredictionColumns.accumulatorBytes`), two tiles' inputs (one read
    /// ahead), one tile's output and weights.
    public func memoryBound(inputChannels: Int, outputChannels: Int) -> Int {
        let accumulators = columns.accumulatorBytes(grid: chunks, outputPatchDepth: grid.outputPatch[0],
                                                    channels: keptChannels.count)
        let tiles = 2 * inputChannels * grid.inputPatch.reduce(1, *) * 4 + (outputChannels + 1) * grid.outputPatch.reduce(1, *) * 4
        return accumulators.addingReportingOverflow(tiles).overflow ? Int.max : accumulators + tiles
    }

    /// What a run did.
    public struct Summary: Sendable {
        /// Tiles run (one straddling two columns counts twice), and how many of
        /// those runs were such repeats.
        public var tiles = 0
        public var tilesRepeated = 0
        /// Tiles of the grid run by no column (their chunks were done, or another shard's).
        public var tilesSkipped = 0
        public var chunksWritten = 0
        public var chunksAlreadyDone = 0
        /// Output voxels written (per channel).
        public var voxels = 0
        /// Seconds in the model, waiting for a tile's input (read ahead on another
        /// thread while the model runs), and in all.
        public var modelSeconds = 0.0
        public var inputWaitSeconds = 0.0
        /// Seconds adding tiles into the accumulators, and finishing and writing chunks.
        public var blendSeconds = 0.0
        public var writeSeconds = 0.0
        public var seconds = 0.0
        /// The most bytes the chunk accumulators held at once (bounded by
        /// `PredictionColumns.accumulatorBytes`).
        public var peakAccumulatorBytes = 0
    }

    /// Progress after each tile: tiles done, tiles to run.
    public typealias Progress = (_ done: Int, _ total: Int) -> Void

    /// Predicts `shard` of the output. `model` maps one tile's input (C × the input
    /// patch, C-major) to its output (the model's output channels × the output patch).
    public func run(reader: VolumeReader, writer: VolumeWriter, shard: Shard = .whole,
                    model: ([Float]) throws -> [Float], progress: Progress? = nil) throws -> Summary {
        let start = Date()
        var summary = Summary()
        // The chunks this run writes.
        var pending = Set<[Int]>()
        for index in chunks.indices(shard: shard.index, of: shard.count) {
            let position = chunks.position(index)
            if try writer.isDone(position) { summary.chunksAlreadyDone += 1 } else { pending.insert(position) }
        }
        // Each column's tiles: those touching a chunk of it this run writes, in raster order.
        var tiles: [(tile: TileGrid.Tile, column: [Int])] = []
        var used = Set<[Int]>()
        for column in columns.all(chunks) {
            let box = columns.box(column, grid: chunks)
            let reaching = (1...2).map { axis in
                grid.origins[axis].indices.filter {
                    grid.origins[axis][$0] < box.end[axis] && grid.origins[axis][$0] + grid.outputPatch[axis] > box.origin[axis]
                }
            }
            for d in grid.origins[0].indices { for h in reaching[0] { for w in reaching[1] {
                let tile = grid.tile([d, h, w])
                guard chunks.positions(touching: tile.output).contains(where: {
                    pending.contains($0) && columns.column(of: $0) == column
                }) else { continue }
                if !used.insert(tile.position).inserted { summary.tilesRepeated += 1 }
                tiles.append((tile, column))
            } } }
        }
        summary.tilesSkipped = grid.tileCount - used.count
        var accumulators: [[Int]: ChunkAccumulator] = [:]
        var liveBytes = 0
        let outputVoxels = grid.outputPatch.reduce(1, *)
        let inputs = ReadAhead(reader: reader, padding: padding, boxes: tiles.map(\.tile.input))
        defer {
            inputs.drain()
            summary.inputWaitSeconds = inputs.waitSeconds
        }
        // The same weights for every tile, except under crop.
        let sharedWeights = blend == .crop ? nil : blend.weights(patch: grid.outputPatch)
        for (number, (tile, column)) in tiles.enumerated() {
            let input = try inputs.take()
            let modelStart = Date()
            let output = try model(input)
            summary.modelSeconds += Date().timeIntervalSince(modelStart)
            guard output.count % outputVoxels == 0, output.count / outputVoxels > (keptChannels.max() ?? -1) else {
                throw VolumeError("the model returned \(output.count) values for an output patch of \(grid.outputPatch) "
                                  + "voxels; channels \(keptChannels) were asked for")
            }
            let blendStart = Date()
            defer { summary.blendSeconds += Date().timeIntervalSince(blendStart) }
            let weights = sharedWeights ?? TileWeights(blend, grid: grid, tile: tile).values
            for position in chunks.positions(touching: tile.output)
            where pending.contains(position) && columns.column(of: position) == column {
                let box = chunks.box(position)
                if accumulators[position] == nil {
                    accumulators[position] = ChunkAccumulator(box: box, channels: keptChannels.count)
                    liveBytes += ChunkAccumulator.bytes(box: box, channels: keptChannels.count)
                    summary.peakAccumulatorBytes = max(summary.peakAccumulatorBytes, liveBytes)
                }
                accumulators[position]!.add(output, weights: weights, tile: tile.output, channels: keptChannels)
            }
            summary.tiles += 1
            progress?(number + 1, tiles.count)
            // Chunks no later tile touches: every later tile of the column starts at
            // or after the next one's D origin; the column's chunks end with it.
            let next = number + 1 < tiles.count ? tiles[number + 1] : nil
            let nextStart = next.map { $0.column == column ? $0.tile.output.origin[0] : Int.max } ?? Int.max
            for (position, accumulator) in accumulators where accumulator.box.end[0] <= nextStart {
                let writeStart = Date()
                defer { summary.writeSeconds += Date().timeIntervalSince(writeStart) }
                try writer.write(position, values: try accumulator.normalized(path: writer.path))
                accumulators[position] = nil
                liveBytes -= ChunkAccumulator.bytes(box: accumulator.box, channels: keptChannels.count)
                pending.remove(position)
                summary.chunksWritten += 1
                summary.voxels += accumulator.box.voxelCount
            }
        }
        guard pending.isEmpty else {
            throw VolumeError(writer.path, "internal: \(pending.count) chunks got no tile")
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }
}

/// Σ weight·output per kept channel and Σ weight over one chunk's box.
struct ChunkAccumulator {
    let box: VolumeBox
    var sums: [Float]
    var weights: [Float]

    /// What one takes: Σ w·y per channel and Σ w, float32.
    static func bytes(box: VolumeBox, channels: Int) -> Int { (channels + 1) * box.voxelCount * 4 }

    init(box: VolumeBox, channels: Int) {
        self.box = box
        sums = [Float](repeating: 0, count: channels * box.voxelCount)
        weights = [Float](repeating: 0, count: box.voxelCount)
    }

    /// Adds the part of a tile's output (all the model's channels over `tile`)
    /// that falls in this chunk. The rows it touches are inside both boxes by
    /// construction (checked once here), so the row loops use unchecked pointers.
    mutating func add(_ output: [Float], weights tileWeights: [Float], tile: VolumeBox, channels: [Int]) {
        let common = tile.intersection(box)
        guard !common.isEmpty else { return }
        let tileVoxels = tile.voxelCount
        let chunkVoxels = box.voxelCount
        precondition(tileWeights.count == tileVoxels && channels.allSatisfy { ($0 + 1) * tileVoxels <= output.count }
                     && sums.count == channels.count * chunkVoxels, "tile and chunk buffers do not match their boxes")
        let width = common.size[2]
        output.withUnsafeBufferPointer { output in
            tileWeights.withUnsafeBufferPointer { tileWeights in
                sums.withUnsafeMutableBufferPointer { sums in
                    weights.withUnsafeMutableBufferPointer { weights in
                        for d in common.origin[0]..<common.end[0] {
                            for h in common.origin[1]..<common.end[1] {
                                let tileRow = ((d - tile.origin[0]) * tile.size[1] + (h - tile.origin[1])) * tile.size[2]
                                    + (common.origin[2] - tile.origin[2])
                                let chunkRow = ((d - box.origin[0]) * box.size[1] + (h - box.origin[1])) * box.size[2]
                                    + (common.origin[2] - box.origin[2])
                                let weightRow = tileWeights.baseAddress! + tileRow
                                let totalRow = weights.baseAddress! + chunkRow
                                for w in 0..<width { totalRow[w] += weightRow[w] }
                                for (kept, channel) in channels.enumerated() {
                                    let source = output.baseAddress! + channel * tileVoxels + tileRow
                                    let target = sums.baseAddress! + kept * chunkVoxels + chunkRow
                                    for w in 0..<width { target[w] += weightRow[w] * source[w] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Σ weight·output / Σ weight, C-major over the box.
    func normalized(path: String) throws -> [Float] {
        guard let smallest = weights.min(), smallest > 0 else {
            throw VolumeError(path, "internal: chunk \(box) has voxels no tile weighted")
        }
        let voxels = box.voxelCount
        var values = sums
        for channel in 0..<(values.count / voxels) {
            let offset = channel * voxels
            for voxel in 0..<voxels { values[offset + voxel] /= weights[voxel] }
        }
        return values
    }
}
