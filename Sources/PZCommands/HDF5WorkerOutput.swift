import ArgumentParser
import Foundation
import PZGraph
import PZHDF5
import PZPatchIO
import PZVolume

extension HDF5WorkerCommand {
    /// Writes what a file holds at a dataset path to `--result`: `absent`,
    /// `group`, `dataset`, or `dataset pzconv` and, on the next line, the run
    /// identity pzconv recorded on it (see `HDF5Output.probe`).
    struct ProbeWorker: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "probe", shouldDisplay: false)

        @OptionGroup var source: DatasetArguments
        @OptionGroup var memoryOptions: MemoryOptions

        @Option(help: "The text file to write.")
        var result: String

        func run() throws {
            HDF5WorkerCommand.limitAddressSpace(memoryOptions.limit)
            let root = try HDF5File(readingFrom: source.file, memoryLimit: memoryOptions.limit).root
            let name = String(source.dataset.drop { $0 == "/" })
            let answer: String
            if !root.hasLink(name) {
                answer = "absent"
            } else if root.hasDataset(name) {
                let dataset = try root.dataset(name)
                answer = dataset.hasAttribute(HDF5WorkerCommand.identityAttribute)
                    ? "dataset pzconv\n" + (try dataset.stringAttribute(HDF5WorkerCommand.identityAttribute)) : "dataset"
            } else {
                answer = "group"
            }
            try AtomicFile.write(Array(answer.utf8), to: result)
        }
    }

    /// Creates or replaces one dataset in a file (pzconv's copy of a user's file,
    /// see `HDF5Output.store`) from a `.npy` (float32, contiguous) or a Zarr array
    /// pzconv wrote (its type, chunked as the array; chunks copied unconverted),
    /// and records the run's identity in the dataset's `pzconv` attribute.
    struct StoreWorker: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "store", shouldDisplay: false)

        @OptionGroup var source: DatasetArguments
        @OptionGroup var memoryOptions: MemoryOptions

        @Option(help: "The values: a .npy file or a Zarr array directory.")
        var from: String

        @Option(help: "The run identity to record on the dataset.")
        var identity: String

        @Flag(help: "Create the file (it does not exist yet).")
        var create = false

        @Option(help: "Unused (every worker is given one).")
        var result: String

        func run() throws {
            HDF5WorkerCommand.limitAddressSpace(memoryOptions.limit)
            let file = create ? try HDF5File(creating: source.file)
                : try HDF5File(updating: source.file, memoryLimit: memoryOptions.limit)
            let root = try file.root
            let name = String(source.dataset.drop { $0 == "/" })
            guard !name.isEmpty else { throw CommandError("\(source.file): name a dataset, not the root group") }
            if root.hasLink(name) {
                guard root.hasDataset(name) else {
                    throw CommandError("\(source.file): \(source.dataset) is a group; pzconv replaces only a dataset")
                }
                try root.removeLink(name)
            }
            let dataset: HDF5Dataset
            if from.hasSuffix(".npy") {
                let array = try NPYFile.read(from)
                try root.writeDataset(name, shape: array.shape, values: array.values)
                dataset = try root.dataset(name)
            } else {
                dataset = try copyZarr(into: root, name: name)
            }
            try dataset.writeStringAttribute(HDF5WorkerCommand.identityAttribute, identity)
            try file.flush()
        }

        /// Creates `name` like the Zarr array at `from` and copies every chunk.
        private func copyZarr(into root: HDF5Group, name: String) throws -> HDF5Dataset {
            let array: ZarrVolumeReader
            do { array = try ZarrVolumeReader(path: from, channelAxis: .first) } catch let error as VolumeError {
                throw CommandError(error.description)
            }
            let elementType: HDF5ElementType
            switch array.storedDataType {
            case .float32: elementType = .float32
            case .float16: elementType = .float16
            case .uint8: elementType = .uint8
            default: throw CommandError("\(from): \(array.storedDataType) is not a type pzconv writes to HDF5")
            }
            let shape = array.shape
            let chunk = array.storedChunkShape
            let dataset = try root.createDataset(name, shape: shape, chunkShape: (0..<4).map { min(chunk[$0], shape[$0]) },
                                                 elementType: elementType)
            let counts = (0..<4).map { (shape[$0] + chunk[$0] - 1) / chunk[$0] }
            for index in 0..<counts.reduce(1, *) {
                var rest = index
                var position = [0, 0, 0, 0]
                for axis in (0..<4).reversed() {
                    position[axis] = rest % counts[axis]
                    rest /= counts[axis]
                }
                let origin = (0..<4).map { position[$0] * chunk[$0] }
                guard let bytes = try array.storedChunk(position) else {
                    throw CommandError("\(from): chunk \(position.map(String.init).joined(separator: ".")) is missing; "
                                       + "the prediction is not complete")
                }
                try bytes.withUnsafeBytes {
                    try dataset.write($0, bufferShape: chunk, size: (0..<4).map { min(chunk[$0], shape[$0] - origin[$0]) },
                                      at: origin, elementType: elementType)
                }
            }
            return dataset
        }
    }

    /// The dataset attribute in which pzconv records the run that made it.
    static let identityAttribute = "pzconv"
}
