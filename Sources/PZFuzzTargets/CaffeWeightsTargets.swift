import PZGraph
import PZHDF5
import PZImport

extension FuzzTarget {
    /// A binary `.caffemodel` (protobuf), imported with the prototxt of a fixed
    /// net (Fixtures/caffe-fork/real_net_layers): every blob of every layer in the
    /// file is decoded, the net's layers take theirs by name.
    public static let caffemodel = FuzzTarget(
        name: "caffemodel", summary: "binary .caffemodel bytes, imported with a fixed prototxt"
    ) { bytes in
        guard !HDF5File.isHDF5(bytes: bytes) else { return }  // the caffe_h5 target's inputs
        importCaffe(weights: bytes, path: "fuzz.caffemodel")
    }

    /// A `.caffemodel.h5` held in memory (an HDF5 file image), imported with the
    /// same fixed prototxt: HDF5 groups and datasets `/data/<layer>/<i>` read for
    /// each layer of the net.
    public static let caffeH5 = FuzzTarget(
        name: "caffe_h5", summary: ".caffemodel.h5 bytes (HDF5 image in memory), imported with a fixed prototxt",
        readsHDF5: true
    ) { bytes in
        guard HDF5File.isHDF5(bytes: bytes) else { return }  // the caffemodel target's inputs
        importCaffe(weights: bytes, path: "fuzz.caffemodel.h5")
    }

    static let caffeWeightsNet = FuzzFixture.text("caffe-fork/real_net_layers/net.prototxt")

    private static func importCaffe(weights: [UInt8], path: String) {
        guard let graph = try? CaffeImporter.importModel(
            prototxtText: caffeWeightsNet, prototxtPath: "real_net_layers.prototxt", weightsBytes: weights,
            weightsPath: path, memoryLimit: memoryLimit) else { return }
        _ = try? PZIRFile.encode(graph)
    }
}
