import PZGraph
import PZVolume

/// What `predict` decides between opening the model and the volume and running
/// the tiles: the normalized reader, the tile grid, the kept channels, the
/// chunk shape and the output's shape. Shared by the command line and the C
/// library's `pzconv_model_predict`, so both check and tile the same way.
package struct PredictionSetup {
    package let reader: VolumeReader
    package let normalization: VolumeNormalization?
    package let grid: TileGrid
    /// The output channels kept (`--channels`), in order.
    package let kept: [Int]
    /// (D, H, W) of the output's chunks.
    package let chunkShape: [Int]
    /// (C kept, D, H, W).
    package var outputShape: [Int] { [kept.count] + Array(reader.shape.dropFirst()) }

    /// Normalizes `volume` as the options or the model say, checks its channels
    /// against the model's, and tiles it. `input` and `model` name the two in errors.
    package init(runner: ModelRunner, volume: VolumeReader, options: PredictOptions, input: String, model: String) throws {
        var reader = volume
        var normalization: VolumeNormalization?
        if let stated = options.normalization ?? runner.normalization {
            if stated.needsVolumeStatistics { printToStandardError("predict: \(stated) needs a pass over \(input) first") }
            let concrete = try wrap(input) { try VolumeNormalization(stated, volume: reader) }
            reader = NormalizedVolume(reader, concrete)
            normalization = concrete
        }
        guard reader.shape[0] == runner.inputChannels else {
            throw CommandError("\(input): has \(reader.shape[0]) channel(s) (shape \(reader.shape.shapeDescription), "
                               + "C, D, H, W); \(model) takes \(runner.inputChannels)")
        }
        let spatial = Array(reader.shape.dropFirst())
        grid = try wrap(input) {
            try TileGrid(volumeShape: spatial, inputPatch: runner.inputPatch, outputPatch: runner.outputPatch,
                         overlap: options.overlap)
        }
        kept = options.channels ?? Array(0..<runner.outputChannels)
        if let bad = kept.first(where: { $0 < 0 || $0 >= runner.outputChannels }) {
            throw CommandError("--channels: \(model) has output channels 0…\(runner.outputChannels - 1), got \(bad)")
        }
        chunkShape = (0..<3).map { min(options.chunk?[$0] ?? runner.outputPatch[$0], spatial[$0]) }
        self.reader = reader
        self.normalization = normalization
    }

    /// The tiled prediction into `chunks`, its memory checked against `memoryLimit`
    /// (the accumulators get at most half of it, and `--accumulator-memory`).
    package func prediction(chunks: ChunkGrid, runner: ModelRunner, options: PredictOptions,
                            memoryLimit: MemoryLimit, input: String) throws -> TiledPrediction {
        let prediction = TiledPrediction(grid: grid, chunks: chunks, blend: options.blend, padding: options.padding,
                                         keptChannels: kept,
                                         columns: .fitting(min(options.accumulatorMemory, memoryLimit.bytes / 2),
                                                           grid: chunks, outputPatchDepth: runner.outputPatch[0],
                                                           channels: kept.count))
        do {
            try memoryLimit.check(prediction.memoryBound(inputChannels: runner.inputChannels,
                                                         outputChannels: runner.outputChannels),
                                  for: "the chunk accumulators and tiles of --chunk \(chunkShape.map(String.init).joined(separator: ","))")
        } catch let error as MemoryLimitError {
            throw CommandError("\(input): \(error)")
        }
        return prediction
    }
}
