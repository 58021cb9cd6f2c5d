import PZGraph
import PZHDF5

/// Reads model inputs and writes model outputs in the source model's layout
/// (e.g. NDHWC for a channels_last Keras model), converting to and from the IR's
/// NCDHW. Arrays with a shape (`.npy`, HDF5) must have the source shape, with or
/// without its leading batch dimension of 1; raw `.bin` files must hold exactly
/// the source shape's number of values.
public enum PatchIO {
    /// Reads a patch for an input of IR shape `shape` whose source layout is `layout`.
    /// `inputName` names the model input in errors. An HDF5 dataset is read by
    /// `readHDF5` (`pzconv` passes one that runs libhdf5 in a child process).
    public static func read(_ location: PatchLocation, shape: [Int], layout: DataLayout, inputName: String,
                            readHDF5: (_ path: String, _ dataset: String) throws -> (shape: [Int], values: [Float])
                                = { try readHDF5Dataset(path: $0, dataset: $1) }) throws -> Tensor {
        let sourceShape = layout.sourceShape(fromCanonical: shape)
        let expected = sourceShape.elementCount
        let values: [Float]
        switch location {
        case .raw(let path):
            let bytes = try readFileBytes(path)
            guard bytes.count == expected * 4 else {
                throw PatchError(path, "holds \(bytes.count) bytes (\(bytes.count / 4) float32 values); model input "
                                       + "'\(inputName)' takes \(sourceShape.shapeDescription) (\(layout)) = \(expected) values, "
                                       + "\(expected * 4) bytes")
            }
            values = ByteReader(bytes).floats(at: 0, count: expected)!
        case .npy(let path):
            let array = try NPYFile.read(path)
            try checkShape(array.shape, sourceShape, location: location, layout: layout, inputName: inputName)
            values = array.values
        case .hdf5(let path, let datasetPath):
            let array = try readHDF5(path, datasetPath)
            try checkShape(array.shape, sourceShape, location: location, layout: layout, inputName: inputName)
            values = array.values
        }
        return Tensor(shape: shape, values: layout.toCanonical(values, canonicalShape: shape))
    }

    /// Reads an HDF5 dataset as float32 values with its shape, in this process,
    /// reading no more than `memoryLimit` of values.
    public static func readHDF5Dataset(path: String, dataset datasetPath: String,
                                       memoryLimit: MemoryLimit = .machine) throws -> (shape: [Int], values: [Float]) {
        let dataset = try HDF5File(readingFrom: path, memoryLimit: memoryLimit).root.dataset(datasetPath)
        return (try dataset.shape(), try dataset.readFloats())
    }

    /// Writes an NCDHW tensor in source layout `layout` (atomically).
    public static func write(_ tensor: Tensor, layout: DataLayout, to location: PatchLocation) throws {
        let sourceShape = layout.sourceShape(fromCanonical: tensor.shape)
        let values = layout.fromCanonical(tensor.values, canonicalShape: tensor.shape)
        switch location {
        case .raw(let path):
            var writer = ByteWriter()
            writer.append(floats: values)
            try AtomicFile.write(writer.bytes, to: path)
        case .npy(let path):
            try NPYFile.write(shape: sourceShape, values: values, to: path)
        case .hdf5(let path, let dataset):
            try AtomicFile.write(to: path) { temporaryPath in
                let file = try HDF5File(creating: temporaryPath)
                try file.root.writeDataset(String(dataset.dropFirst()), shape: sourceShape, values: values)
                try file.flush()
            }
        }
    }

    private static func checkShape(_ actual: [Int], _ sourceShape: [Int], location: PatchLocation, layout: DataLayout,
                                   inputName: String) throws {
        let withoutBatch = sourceShape.first == 1 ? Array(sourceShape.dropFirst()) : sourceShape
        guard actual == sourceShape || actual == withoutBatch else {
            throw PatchError(location.description, "has shape \(actual.shapeDescription); model input '\(inputName)' takes "
                                                   + "\(sourceShape.shapeDescription) (\(layout))")
        }
    }
}
