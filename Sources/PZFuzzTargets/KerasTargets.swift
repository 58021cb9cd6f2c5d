import PZGraph
import PZHDF5
import PZImport

extension FuzzTarget {
    /// A Keras model config (`model.to_json()` text), imported with the weights
    /// of a fixed model (Fixtures/keras/json_weights-k3): JSON to model spec
    /// (Functional, Sequential, nested, Keras 2 and 3 call forms), data layout,
    /// and the conversion of every layer it gets to.
    public static let kerasJSON = FuzzTarget(
        name: "keras_json", summary: "Keras model config JSON text, imported with a fixed weights .h5"
    ) { bytes in
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        guard let graph = try? KerasImporter.importModel(
            jsonText: text, path: "fuzz.json", weightsBytes: kerasJSONWeights, weightsPath: "json_weights-k3.h5",
            memoryLimit: memoryLimit) else { return }
        _ = try? PZIRFile.encode(graph)
    }

    static let kerasJSONWeights = FuzzFixture.bytes("keras/json_weights-k3/weights.h5")

    /// A full Keras model `.h5` held in memory (an HDF5 file image): attributes,
    /// the model config inside, and the weights of `/model_weights`.
    public static let kerasH5 = FuzzTarget(
        name: "keras_h5", summary: "full Keras model .h5 bytes (HDF5 image in memory)", readsHDF5: true
    ) { bytes in
        if let graph = try? KerasImporter.importModel(h5Bytes: bytes, name: "fuzz.h5", memoryLimit: memoryLimit) {
            _ = try? PZIRFile.encode(graph)
        }
    }
}
