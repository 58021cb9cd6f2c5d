import PZGraph
import PZImport

extension FuzzTarget {
    /// A deploy prototxt (text), imported with the weights of a fixed net
    /// (Fixtures/caffe-fork/residual_unet3d): the text-format parser, the net
    /// description, and the conversion of every layer it gets to.
    public static let prototxt = FuzzTarget(
        name: "prototxt", summary: "Caffe deploy .prototxt text, imported with fixed weights"
    ) { bytes in
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        guard let graph = try? CaffeImporter.importModel(
            prototxtText: text, prototxtPath: "fuzz.prototxt", weightsBytes: prototxtWeights,
            weightsPath: "residual_unet3d.caffemodel", memoryLimit: memoryLimit) else { return }
        _ = try? PZIRFile.encode(graph)
    }

    static let prototxtWeights = FuzzFixture.bytes("caffe-fork/residual_unet3d/net.caffemodel")
}
