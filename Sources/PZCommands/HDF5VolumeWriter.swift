import Foundation
import PZGraph
import PZVolume

/// `predict`'s output as a dataset inside an HDF5 file, `file.h5:/dataset`,
/// created or replaced without touching the file's other objects.
///
/// The chunks are computed into a Zarr array beside the file,
/// `FILE.partial/DATASET.zarr`, written and resumed exactly as a Zarr output
/// is. When every chunk is there, `finish` stores the array as the dataset
/// (chunked like it, the chunks copied unconverted) through `HDF5Output.store`,
/// atomically, with the run's identity in the dataset's `pzconv` attribute,
/// and removes the partial array. A rerun of a finished run finds that
/// identity and has nothing to do; a dataset made otherwise is replaced only
/// with `--overwrite`.
final class HDF5VolumeWriter: VolumeWriter {
    let path: String
    let shape: [Int]
    let chunks: ChunkGrid
    private let file: String
    private let dataset: String
    private let identity: String
    private let memoryLimit: MemoryLimit
    private let partialRoot: String
    /// The partial array; nil when the dataset is already this run's.
    private let partial: ZarrVolumeWriter?

    init(file: String, dataset: String, shape: [Int], chunkShape: [Int], dataType: ArrayDataType, identity: String,
         overwrite: Bool, memoryLimit: MemoryLimit) throws {
        path = "\(file):\(dataset)"
        self.file = file
        self.dataset = dataset
        self.shape = shape
        self.identity = identity
        self.memoryLimit = memoryLimit
        chunks = try ChunkGrid(volumeShape: Array(shape.dropFirst()), chunkShape: chunkShape)
        partialRoot = file + ".partial"
        let partialPath = partialRoot + "/" + dataset.drop { $0 == "/" } + ".zarr"
        guard !dataset.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw CommandError("\(path): a dataset path may not contain . or .. components")
        }
        switch try HDF5Output.probe(file: file, dataset: dataset, memoryLimit: memoryLimit) {
        case .dataset(let recorded) where recorded == identity:
            partial = nil
            try? FileManager.default.removeItem(atPath: partialPath)  // left by a kill after the store
            Self.removeEmptyDirectories(from: (partialPath as NSString).deletingLastPathComponent, upTo: partialRoot)
            return
        case .dataset where !overwrite:
            throw CommandError("\(path): exists and was not made by this model with these options "
                               + "(pass --overwrite to replace it)")
        case .notADataset:
            throw CommandError("\(path): is a group; name a dataset")
        case .noFile, .absent, .dataset:
            break
        }
        do {
            partial = try ZarrVolumeWriter(path: partialPath, shape: shape, chunkShape: chunkShape, dataType: dataType,
                                           identity: identity, overwrite: overwrite)
        } catch let error as VolumeError {
            throw CommandError(error.description)
        }
    }

    func isDone(_ position: [Int]) throws -> Bool {
        try partial?.isDone(position) ?? true
    }

    func write(_ position: [Int], values: [Float]) throws {
        try partial?.write(position, values: values)
    }

    func finish() throws {
        guard let partial else { return }
        for index in 0..<chunks.chunkCount where try !partial.isDone(chunks.position(index)) { return }
        try HDF5Output.store(partial.path, as: dataset, in: file, identity: identity, memoryLimit: memoryLimit)
        try? FileManager.default.removeItem(atPath: partial.path)
        Self.removeEmptyDirectories(from: (partial.path as NSString).deletingLastPathComponent, upTo: partialRoot)
    }

    /// Removes `directory` and its parents up to and including `root` while they are empty.
    private static func removeEmptyDirectories(from directory: String, upTo root: String) {
        var current = directory
        while current.hasPrefix(root), (try? FileManager.default.contentsOfDirectory(atPath: current))?.isEmpty == true {
            guard rmdir(current) == 0, current != root else { return }
            current = (current as NSString).deletingLastPathComponent
        }
    }
}
