/// How `TiledPrediction` cuts the output's H × W plane into columns, so that
/// what it accumulates does not grow with the volume's width and height.
///
/// A column is a block of `chunks[0]` × `chunks[1]` output chunks along H and W
/// (the last of an axis may be narrower), through the whole depth. A run sweeps
/// one column after another (H-block slowest); within a column, tiles run in
/// raster order and add only into that column's chunks, so a tile whose output
/// straddles two columns is run once for each. Each chunk still receives the
/// same tiles in the same order as in a run over one column, so its bytes do
/// not depend on the columns (nor are they part of a run's identity).
public struct PredictionColumns: Equatable, Sendable {
    /// Output chunks per column along H and W.
    public let chunks: [Int]

    /// The whole plane as one column.
    public static func whole(_ grid: ChunkGrid) -> PredictionColumns {
        PredictionColumns(chunks: [grid.counts[1], grid.counts[2]])
    }

    public init(chunks: [Int]) {
        precondition(chunks.count == 2 && chunks.allSatisfy { $0 > 0 }, "a column is at least one chunk")
        self.chunks = chunks
    }

    /// The columns whose accumulators (see `accumulatorBytes`) fit in `budget`
    /// bytes with the least boundary between them, since every boundary runs the
    /// tiles across it once more: over the splits of the plane into kh × kw
    /// columns of balanced widths (⌈chunks / k⌉ chunks each, the last narrower),
    /// the one that fits with the shortest total boundary, (kh − 1) × the plane's
    /// width + (kw − 1) × its height in voxels; fewer columns on a tie. The whole
    /// plane when it fits; one chunk when nothing does.
    public static func fitting(_ budget: Int, grid: ChunkGrid, outputPatchDepth: Int, channels: Int) -> PredictionColumns {
        let counts = [grid.counts[1], grid.counts[2]]
        var best: (boundary: Int, columns: Int, split: PredictionColumns)?
        for rows in 1...counts[0] {
            let height = (counts[0] + rows - 1) / rows
            guard (counts[0] + height - 1) / height == rows else { continue }  // the same as fewer rows
            for columns in 1...counts[1] {
                let width = (counts[1] + columns - 1) / columns
                guard (counts[1] + width - 1) / width == columns else { continue }
                let split = PredictionColumns(chunks: [height, width])
                guard split.accumulatorBytes(grid: grid, outputPatchDepth: outputPatchDepth, channels: channels) <= budget else {
                    continue
                }
                let boundary = (rows - 1) * grid.volumeShape[2] + (columns - 1) * grid.volumeShape[1]
                if best.map({ (boundary, rows * columns) < ($0.boundary, $0.columns) }) ?? true {
                    best = (boundary, rows * columns, split)
                }
            }
        }
        return best?.split ?? PredictionColumns(chunks: [1, 1])
    }

    /// The most bytes of chunk accumulators one column holds at once: the rows
    /// of chunks (along D) that one tile's output can span, across the column,
    /// Σ w·y per kept channel and Σ w, float32. Tiles run D position by D
    /// position and a chunk is written once no later tile starts before its end,
    /// so the chunks alive at once all lie in the rows the current tile's D
    /// range spans: at most ⌈(output patch depth − 1) / chunk depth⌉ + 1.
    public func accumulatorBytes(grid: ChunkGrid, outputPatchDepth: Int, channels: Int) -> Int {
        let chunkDepth = grid.chunkShape[0]
        let slabs = (outputPatchDepth - 1 + chunkDepth - 1) / chunkDepth + 1
        let depth = min(slabs * chunkDepth, grid.volumeShape[0])
        let height = min(chunks[0] * grid.chunkShape[1], grid.volumeShape[1])
        let width = min(chunks[1] * grid.chunkShape[2], grid.volumeShape[2])
        let (product, overflow) = (depth * height * width).multipliedReportingOverflow(by: (channels + 1) * 4)
        return overflow ? Int.max : product
    }

    /// The column (H-block, W-block) of the chunk at grid `position` (D, H, W).
    public func column(of position: [Int]) -> [Int] {
        [position[1] / chunks[0], position[2] / chunks[1]]
    }

    /// The output voxels of `column`, through the whole depth.
    public func box(_ column: [Int], grid: ChunkGrid) -> VolumeBox {
        let origin = [0, column[0] * chunks[0] * grid.chunkShape[1], column[1] * chunks[1] * grid.chunkShape[2]]
        return VolumeBox(origin: origin, size: [grid.volumeShape[0], chunks[0] * grid.chunkShape[1],
                                                chunks[1] * grid.chunkShape[2]]).clamped(to: grid.volumeShape)
    }

    /// Every column of `grid`, H-block slowest: the order a run sweeps them in.
    public func all(_ grid: ChunkGrid) -> [[Int]] {
        let counts = [(grid.counts[1] + chunks[0] - 1) / chunks[0], (grid.counts[2] + chunks[1] - 1) / chunks[1]]
        return (0..<counts[0]).flatMap { h in (0..<counts[1]).map { w in [h, w] } }
    }
}
