import Foundation
import PZGraph
import PZVolume

/// Opens `predict`'s input and output volumes by name.
enum VolumeFile {
    /// A `.npy` file, a Zarr v2 array directory (or OME-Zarr group), an HDF5
    /// dataset, `file.h5:/dataset` (read in pzconv's HDF5 worker process), or a
    /// NIfTI `.nii`/`.nii.gz` (channels: its 4th axis; --channel-axis is not used), or
    /// a directory of 2-D TIFF slices (one channel).
    static func reader(_ path: String, channelAxis: ChannelAxis?, memoryLimit: MemoryLimit) throws -> VolumeReader {
        if let (file, dataset) = hdf5Dataset(path) {
            guard FileManager.default.fileExists(atPath: file) else { throw CommandError("\(file): no such file") }
            return try HDF5VolumeReader(file: file, dataset: dataset, channelAxis: channelAxis, memoryLimit: memoryLimit)
        }
        do {
            if path.hasSuffix(".npy") { return try NPYVolumeReader(path: path, channelAxis: channelAxis) }
            if NIfTIVolumeReader.accepts(path) { return try NIfTIVolumeReader(path: path, memoryLimit: memoryLimit) }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                if TIFFStackReader.accepts(path) { return try TIFFStackReader(path: path) }
                return try ZarrVolumeReader(path: path, channelAxis: channelAxis)
            }
        } catch let error as VolumeError {
            throw CommandError(error.description)
        }
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(path): no such file or directory") }
        if path.hasSuffix(".h5") || path.hasSuffix(".hdf5") { throw CommandError("\(path): name the dataset: \(path):/raw") }
        throw CommandError("\(path): unknown volume format (expected .npy, a Zarr v2 directory, file.h5:/dataset, .nii or .nii.gz, or a directory of TIFF slices)")
    }

    /// A `.zarr` directory, a `.npy` file, a NIfTI `.nii`/`.nii.gz` placed by
    /// `geometry` (a NIfTI input's), or a dataset in an HDF5 file
    /// (`file.h5:/dataset`, see `HDF5VolumeWriter`) of `shape` (C, D, H, W).
    static func writer(_ path: String, shape: [Int], chunkShape: [Int], dataType: ArrayDataType, identity: String,
                       overwrite: Bool, sharded: Bool, memoryLimit: MemoryLimit,
                       geometry: NIfTIGeometry? = nil) throws -> VolumeWriter {
        if let (file, dataset) = hdf5Dataset(path) {
            guard !sharded else {
                throw CommandError("\(path): --shard needs a Zarr output (out.zarr), whose chunks processes write apart")
            }
            return try HDF5VolumeWriter(file: file, dataset: dataset, shape: shape, chunkShape: chunkShape,
                                        dataType: dataType, identity: identity, overwrite: overwrite,
                                        memoryLimit: memoryLimit)
        }
        if path.hasSuffix(".zarr") {
            return try ZarrVolumeWriter(path: path, shape: shape, chunkShape: chunkShape, dataType: dataType,
                                        identity: identity, overwrite: overwrite)
        }
        if path.hasSuffix(".npy") || NIfTIVolumeReader.accepts(path) {
            guard !sharded else {
                throw CommandError("\(path): --shard needs a Zarr output (out.zarr), whose chunks processes write apart")
            }
            if NIfTIVolumeReader.accepts(path) {
                return try NIfTIVolumeWriter(path: path, shape: shape, chunkShape: chunkShape, dataType: dataType,
                                             geometry: geometry, identity: identity, overwrite: overwrite)
            }
            return try NPYVolumeWriter(path: path, shape: shape, chunkShape: chunkShape, dataType: dataType,
                                       identity: identity, overwrite: overwrite)
        }
        throw CommandError("\(path): unknown output format (expected a .zarr directory, .npy, .nii, .nii.gz or file.h5:/dataset)")
    }

    /// The file and dataset of `file.h5:/dataset`; nil for other paths.
    static func hdf5Dataset(_ path: String) -> (file: String, dataset: String)? {
        guard let colon = path.range(of: ":/", options: .backwards) else { return nil }
        return (String(path[..<colon.lowerBound]), String(path[path.index(after: colon.lowerBound)...]))
    }
}

/// `predict`'s summary line or JSON.
package struct PredictReport {
    let summary: TiledPrediction.Summary
    let shard: Shard
    let output: String
    let normalization: VolumeNormalization?

    package init(summary: TiledPrediction.Summary, shard: Shard, output: String, normalization: VolumeNormalization?) {
        self.summary = summary
        self.shard = shard
        self.output = output
        self.normalization = normalization
    }

    /// Peak resident memory of this process, in bytes.
    static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    var voxelsPerSecond: Double { summary.seconds > 0 ? Double(summary.voxels) / summary.seconds : 0 }

    var text: String {
        let peak = MemoryLimit.format(Self.peakResidentBytes)
        return "\(output): \(summary.chunksWritten) chunks written (\(summary.chunksAlreadyDone) already done), "
            + "\(summary.tiles) tiles" + (summary.tilesRepeated > 0 ? " (\(summary.tilesRepeated) on column edges run twice)" : "")
            + ", \(summary.voxels) voxels in \(String(format: "%.2f", summary.seconds)) s "
            + "(\(String(format: "%.3g", voxelsPerSecond)) voxels/s, model \(String(format: "%.0f", share))%), "
            + "peak memory \(peak)" + (shard == .whole ? "" : ", shard \(shard)")
            + (normalization.map { ", input \($0)" } ?? "")
    }

    /// The share of the time spent in the model, in percent.
    var share: Double { summary.seconds > 0 ? 100 * summary.modelSeconds / summary.seconds : 0 }

    package var json: String {
        """
        {"output": "\(output.replacingOccurrences(of: "\"", with: "\\\""))", "shard": "\(shard)", \
        "tiles": \(summary.tiles), "tiles_repeated": \(summary.tilesRepeated), "tiles_skipped": \(summary.tilesSkipped), "chunks_written": \(summary.chunksWritten), \
        "chunks_already_done": \(summary.chunksAlreadyDone), "voxels": \(summary.voxels), \
        "seconds": \(summary.seconds), "model_seconds": \(summary.modelSeconds), \
        "input_wait_seconds": \(summary.inputWaitSeconds), "blend_seconds": \(summary.blendSeconds), \
        "write_seconds": \(summary.writeSeconds), "accumulator_peak_bytes": \(summary.peakAccumulatorBytes), \
        "normalization": \(normalization.map { "\"\($0)\"" } ?? "null"), \
        "voxels_per_second": \(voxelsPerSecond), "peak_rss_bytes": \(Self.peakResidentBytes)}
        """
    }
}
