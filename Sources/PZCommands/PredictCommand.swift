import ArgumentParser
import Foundation
import PZGraph
import PZReference
import PZRuntime
import PZVolume

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Segment a whole volume: tiled, blended, streamed chunk by chunk, resumable (pzconv predict net.pz raw.zarr -o out.zarr).",
        discussion: """
        The volume is cut into tiles of the model's input patch that overlap (--overlap, default half \
        the output patch), each run by the fast executor (.pz; a .pzir runs on the reference \
        executor), and blended (--blend) into an output written chunk by chunk as soon as every tile \
        touching a chunk is done; memory holds only the chunks being accumulated. Each chunk is \
        written atomically and recorded, so running the same command again after a kill resumes and \
        gives byte-identical output. --shard I/N computes one of N disjoint parts of a Zarr output.

        Inputs: .npy (memory-mapped), a Zarr v2 array directory (or OME-Zarr group; raw, zlib, gzip \
        or Blosc chunks), or an HDF5 dataset file.h5:/raw (read by region in pzconv's HDF5 worker \
        process); any integer or float type, 3-D (one channel) or 4-D (--channel-axis). \
        NIfTI .nii (memory-mapped) or .nii.gz (decompressed whole): (x, y, z[, channels]) read as (C, z, y, x). \
        A directory of 2-D TIFF slices (one per z, natural name order; libtiff) is one channel. \
        Outputs, shape (C, D, H, W): a Zarr v2 directory (.zarr; Blosc LZ4 chunks, as zarr-python \
        writes by default), .npy, .nii/.nii.gz (float32 or uint8, placed like a NIfTI input), or a \
        dataset created or replaced in an HDF5 file, file.h5:/pred (computed into file.h5.partial/, \
        then put into a copy of the file renamed over it: the file's other objects are kept).

        Examples:
          pzconv predict net.pz raw.zarr -o affinity.zarr
          pzconv predict net.pz raw.npy -o prob.npy --blend gaussian --dtype uint8
          pzconv predict net.pz volume.h5:/raw -o affinity.zarr
          pzconv predict net.pz volume.h5:/raw -o volume.h5:/affinity
          pzconv predict net.pz ct.nii.gz -o prob.nii.gz
          pzconv predict net.pz raw.zarr -o affinity.zarr --shard 3/8
        """
    )

    @Argument(help: "The model: .pz (fast executor) or .pzir (reference executor).")
    var model: String

    @Argument(help: "The input volume: a .npy file, a Zarr v2 directory, file.h5:/dataset, .nii/.nii.gz, or a directory of TIFF slices.")
    var input: String

    @Option(name: .shortAndLong, help: "The output: a .zarr directory, a .npy file, .nii/.nii.gz, or file.h5:/dataset.")
    var output: String

    @Option(help: "A 4-D input's channel axis: first (C, D, H, W) or last (D, H, W, C).")
    var channelAxis: String?

    @Option(help: "Run the model at this input patch D,H,W instead of its own (re-planned in memory; the net must allow the size, and it must be at least the net's field of view or its own patch, the smaller, per axis).")
    var patch: String?

    @Option(help: "Output voxels shared by neighbouring tiles, D,H,W (default: half the output patch).")
    var overlap: String?

    @Option(help: "Scale the input: scale:1/255, meanstd:M,S, zscore or percentile:0.5,99.5 (default: what the model states, from import --normalize; else none).")
    var normalize: String?

    @Option(help: "How overlapping tiles combine: bump (chunkflow), gaussian (nnU-Net, σ = patch/8), mean, or crop (tile centres only).")
    var blend = "bump"

    @Option(help: "How a tile's input is filled past the volume's border: mirror or zero.")
    var pad = "mirror"

    @Option(help: "Output type: float32, float16, or uint8 (round(255·p), for probabilities).")
    var dtype = "float32"

    @Option(help: "The output channels to keep, e.g. 0,2 (default: all).")
    var channels: String?

    @Option(help: "Output chunk shape D,H,W (default: the output patch).")
    var chunk: String?

    @Option(help: ArgumentHelp(
        "Memory for the output chunks being blended (K, M, G): past it, the volume is swept in columns through its depth that fit, re-running the tiles on column edges.",
        valueName: "size"))
    var accumulatorMemory = "1G"

    @Option(help: "Compute only shard I of N (0-based, I/N) of the output's chunks; needs a Zarr output. auto: I and N from a SLURM job array (SLURM_ARRAY_TASK_ID, _COUNT); auto/N: I from SLURM_ARRAY_TASK_ID or Kubernetes' JOB_COMPLETION_INDEX.")
    var shard: String?

    @Flag(help: "Replace an output made by another model or other options.")
    var overwrite = false

    @Flag(help: "Print a JSON summary (tiles, voxels, seconds, voxels/s, peak RSS).")
    var json = false

    @OptionGroup var executorOptions: ExecutorOptions
    @OptionGroup var memoryOptions: MemoryOptions

    func run() throws {
        let options = try PredictOptions(self)
        if options.shard != .whole && overwrite {
            throw CommandError("--overwrite with --shard would let each shard remove the chunks the others wrote: "
                               + "remove the old output first, then start the shards")
        }
        guard Self.location(input) != Self.location(output) else {
            throw CommandError("\(output): is the input too; write the prediction somewhere else")
        }
        let runner = try ModelRunner(path: model, options: executorOptions, memoryLimit: memoryOptions.limit,
                                     patch: options.patch)
        let volume = try VolumeFile.reader(input, channelAxis: options.channelAxis, memoryLimit: memoryOptions.limit)
        let geometry = (volume as? NIfTIVolumeReader)?.geometry  // a NIfTI output keeps a NIfTI input's placement
        let setup = try PredictionSetup(runner: runner, volume: volume, options: options, input: input, model: model)
        let identity = "model sha256 \(runner.digest); " + options.identity(chunkShape: setup.chunkShape, kept: setup.kept)
            + "; input \(setup.normalization.map { "\($0)" } ?? "as stored")"
        let writer = try wrap(output) {
            try VolumeFile.writer(output, shape: setup.outputShape, chunkShape: setup.chunkShape, dataType: options.dataType,
                                  identity: identity, overwrite: overwrite, sharded: options.shard != .whole,
                                  memoryLimit: memoryOptions.limit, geometry: geometry)
        }
        let prediction = try setup.prediction(chunks: writer.chunks, runner: runner, options: options,
                                              memoryLimit: memoryOptions.limit, input: input)
        let progress = ProgressReport(voxelsPerTile: runner.outputPatch.reduce(1, *))
        let record = try recordStart(of: options.shard, in: writer)
        let summary: TiledPrediction.Summary
        do {
            summary = try wrap(output) {
                try prediction.run(reader: setup.reader, writer: writer, shard: options.shard, model: runner.run,
                                   progress: progress.update)
            }
            try wrap(output) { try writer.finish() }
        } catch {
            try? record?.ended(.failed, message: "\(error)").write(into: output)
            throw error
        }
        try wrap(output) { try record?.ended(.finished).write(into: output) }
        let report = PredictReport(summary: summary, shard: options.shard, output: output, normalization: setup.normalization)
        print(json ? report.json : report.text)
    }

    /// Records in a Zarr output that this process started its shard (for
    /// `pzconv status`); nil for other outputs, which are never sharded.
    private func recordStart(of shard: Shard, in writer: VolumeWriter) throws -> ShardRecord? {
        guard writer is ZarrVolumeWriter else { return nil }
        let record = ShardRecord.starting(shard, chunks: writer.chunks.indices(shard: shard.index, of: shard.count).count,
                                          environment: ProcessInfo.processInfo.environment)
        try wrap(output) { try record.write(into: output) }
        return record
    }

    /// A volume's file (standardized) and, for HDF5, its dataset.
    private static func location(_ path: String) -> [String] {
        let (file, dataset) = VolumeFile.hdf5Dataset(path) ?? (path, "")
        return [URL(fileURLWithPath: file).standardizedFileURL.path, "/" + dataset.drop { $0 == "/" }]
    }
}

/// Runs `body`, giving a volume error the path it concerns.
package func wrap<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as VolumeError {
        throw CommandError(error.description.contains(path) ? error.description : "\(path): \(error)")
    }
}
