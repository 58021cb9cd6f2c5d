import Foundation
import PZGraph
import PZHDF5
import PZImport
import PZTestSupport
import Testing

/// Bad Caffe inputs give one clear error that names the file and the layer or field.
@Suite struct CaffeMalformedInputTests {
    private let convNet = """
    name: "n"
    layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 3 dim: 4 dim: 4 } } }
    layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }
    """

    private func write(_ text: String, _ name: String = "net.prototxt", in directory: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func write(bytes: [UInt8], _ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func importError(_ prototxt: String, _ weights: String) -> String {
        do {
            _ = try CaffeImporter.importModel(prototxt: prototxt, weights: weights)
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    private func goodWeights(in directory: String) throws -> String {
        let blobs = [ProtobufBytes.blob(shape: [3, 2, 3, 3, 3], values: Array(repeating: 0.1, count: 162)),
                     ProtobufBytes.blob(shape: [3], values: [1, 2, 3])]
        return try write(bytes: ProtobufBytes.caffemodel(layer: "conv", type: "Convolution", blobs: blobs),
                         "good.caffemodel", in: directory)
    }

    @Test func handBuiltWeightsImport() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let graph = try CaffeImporter.importModel(prototxt: try write(convNet, in: directory),
                                                  weights: try goodWeights(in: directory))
        #expect(graph.nodes.map(\.name) == ["data", "conv"])
    }

    @Test func truncatedCaffemodel() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let real = try readFileBytes(TestPaths.fixture("caffe/bn_scale_elu/net.caffemodel"))
        let truncated = try write(bytes: Array(real.prefix(real.count - 300)), "cut.caffemodel", in: directory)
        let message = importError(TestPaths.fixture("caffe/bn_scale_elu/net.prototxt"), truncated)
        #expect(message == "\(truncated): not a valid Caffe model (truncated or corrupted protobuf)")
    }

    @Test func wrongBlobShape() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let blobs = [ProtobufBytes.blob(shape: [3, 2, 1, 3, 3], values: Array(repeating: 0, count: 54)),
                     ProtobufBytes.blob(shape: [3], values: [1, 2, 3])]
        let weights = try write(bytes: ProtobufBytes.caffemodel(layer: "conv", type: "Convolution", blobs: blobs),
                                "bad.caffemodel", in: directory)
        #expect(importError(try write(convNet, in: directory), weights)
                == "\(weights): layer 'conv' (Convolution) blob 0 has shape 3×2×1×3×3, expected 3×2×3×3×3")
    }

    @Test func wrongBlobCountAndMissingLayer() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let oneBlob = try write(bytes: ProtobufBytes.caffemodel(layer: "conv", type: "Convolution",
                                                                blobs: [ProtobufBytes.blob(shape: [3, 2, 3, 3, 3],
                                                                                           values: Array(repeating: 0, count: 162))]),
                                "one.caffemodel", in: directory)
        let prototxt = try write(convNet, in: directory)
        #expect(importError(prototxt, oneBlob) == "\(oneBlob): layer 'conv' (Convolution) has 1 blob(s), expected 2")
        let other = try write(bytes: ProtobufBytes.caffemodel(layer: "other", type: "Convolution", blobs: []),
                              "other.caffemodel", in: directory)
        #expect(importError(prototxt, other)
                == "\(other): no weights for layer 'conv' (Convolution) (the layer is missing from the weights file)")
    }

    @Test func blobValuesThatDoNotFillTheShape() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let blobs = [ProtobufBytes.blob(shape: [3, 2, 3, 3, 3], values: [1, 2]), ProtobufBytes.blob(shape: [3], values: [1, 2, 3])]
        let weights = try write(bytes: ProtobufBytes.caffemodel(layer: "conv", type: "Convolution", blobs: blobs),
                                "short.caffemodel", in: directory)
        #expect(importError(try write(convNet, in: directory), weights)
                == "\(weights): layer 'conv' blob 0 has 2 values for shape 3×2×3×3×3")
    }

    /// PReLU: one slope per channel, one with channel_shared; any other count is named.
    @Test func preluSlopeCounts() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        func weights(_ slopes: Int) throws -> String {
            let conv = [ProtobufBytes.blob(shape: [3, 2, 3, 3, 3], values: Array(repeating: 0.1, count: 162)),
                        ProtobufBytes.blob(shape: [3], values: [1, 2, 3])]
            let prelu = [ProtobufBytes.blob(shape: [slopes], values: Array(repeating: 0.25, count: slopes))]
            return try write(bytes: ProtobufBytes.caffemodel(layers: [("conv", "Convolution", conv), ("act", "PReLU", prelu)]),
                             "prelu\(slopes).caffemodel", in: directory)
        }
        let perChannel = try write(convNet + "\nlayer { name: \"act\" type: \"PReLU\" bottom: \"conv\" top: \"conv\" }",
                                   "per_channel.prototxt", in: directory)
        let shared = try write(convNet + "\nlayer { name: \"act\" type: \"PReLU\" bottom: \"conv\" top: \"conv\" "
                               + "prelu_param { channel_shared: true } }", "shared.prototxt", in: directory)
        let graph = try CaffeImporter.importModel(prototxt: shared, weights: try weights(1))
        #expect(graph.nodes.last?.weights[.slope]?.values == [0.25, 0.25, 0.25])
        #expect(try CaffeImporter.importModel(prototxt: perChannel, weights: try weights(3)).nodes.last?.op == .activation(.prelu))
        let two = try weights(2)
        #expect(importError(perChannel, two) == "\(two): layer 'act' (PReLU) blob 0 has shape 2, expected 3")
        #expect(importError(shared, try weights(3)).hasSuffix("layer 'act' (PReLU) blob 0 has shape 3, expected 1"))
    }

    @Test func unknownLayerType() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let prototxt = try write(convNet + "\nlayer { name: \"ip\" type: \"InnerProduct\" bottom: \"conv\" top: \"ip\" }",
                                 in: directory)
        let message = importError(prototxt, try goodWeights(in: directory))
        #expect(message.hasPrefix("\(prototxt):4: layer 'ip' (InnerProduct): layer type 'InnerProduct' is not supported"))
    }

    @Test func prototxtSyntaxError() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let prototxt = try write(convNet.replacingOccurrences(of: "num_output: 3", with: "num_output 3"), in: directory)
        #expect(importError(prototxt, try goodWeights(in: directory))
                == "\(prototxt):3:100: expected ':' after 'num_output', found '3'")
    }

    @Test func missingBottom() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let prototxt = try write(convNet.replacingOccurrences(of: "bottom: \"data\"", with: "bottom: \"image\""), in: directory)
        #expect(importError(prototxt, try goodWeights(in: directory))
                == "\(prototxt):3: layer 'conv' (Convolution): unknown bottom blob 'image'")
    }

    @Test func unsupportedParameterValues() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let weights = try goodWeights(in: directory)
        let cases: [(String, String)] = [
            ("layer { name: \"bn\" type: \"BatchNorm\" bottom: \"conv\" top: \"conv\" batch_norm_param { use_global_stats: false } }",
             "layer 'bn' (BatchNorm): batch_norm_param use_global_stats: false normalizes with batch statistics"),
            ("layer { name: \"p\" type: \"Pooling\" bottom: \"conv\" top: \"p\" pooling_param { pool: STOCHASTIC kernel_size: 2 } }",
             "layer 'p' (Pooling): pooling_param.pool STOCHASTIC is not supported"),
            ("layer { name: \"p\" type: \"Pooling\" bottom: \"conv\" top: \"p\" pooling_param { kernel_size: 2 kernel_size: 2 } }",
             "layer 'p' (Pooling): pooling_param.kernel_size has 2 values for 3 spatial axes (give 1 or 3)"),
            ("layer { name: \"s\" type: \"Scale\" bottom: \"conv\" bottom: \"conv\" top: \"s\" }",
             "layer 's' (Scale): Scale with 2 bottoms (the scale taken from a second blob) is not supported"),
            ("layer { name: \"d\" type: \"Data\" top: \"d\" }",
             "layer 'd' (Data): data layers read training datasets"),
            ("layer { name: \"e\" type: \"Eltwise\" bottom: \"conv\" bottom: \"conv\" top: \"e\" eltwise_param { operation: MAX coeff: 1 coeff: 2 } }",
             "layer 'e' (Eltwise): eltwise_param coeff is only allowed with operation SUM"),
            ("layer { name: \"r\" type: \"ReLU\" bottom: \"conv\" top: \"data\" }",
             "layer 'r' (ReLU): top blob 'data' is produced by more than one layer"),
        ]
        for (extra, expected) in cases {
            let prototxt = try write(convNet + "\n" + extra, in: directory)
            let message = importError(prototxt, weights)
            #expect(message.hasPrefix("\(prototxt):4: \(expected)"), "\(message)")
        }
    }

    @Test func weightsThatAreNeitherFormat() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let prototxt = try write(convNet, in: directory)
        let text = try write("this is not a model", "text.caffemodel", in: directory)
        #expect(importError(prototxt, text) == "\(text): not a valid Caffe model (truncated or corrupted protobuf)")
        let h5 = directory + "/plain.h5"
        try HDF5File(creating: h5).root.writeDataset("x", shape: [1], values: [1])
        #expect(importError(prototxt, h5) == "\(h5): an HDF5 file without a /data group is not a Caffe .caffemodel.h5")
        let missing = directory + "/missing.caffemodel"
        #expect(importError(prototxt, missing) == "\(missing): cannot open: No such file or directory")
    }

    @Test func hdf5BlobOfTheWrongShape() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let h5 = directory + "/bad.caffemodel.h5"
        let file = try HDF5File(creating: h5)
        try file.root.writeDataset("data/conv/0", shape: [3, 2, 3, 3], values: Array(repeating: 0, count: 54))
        try file.root.writeDataset("data/conv/1", shape: [3], values: [0, 0, 0])
        try file.flush()
        #expect(importError(try write(convNet, in: directory), h5)
                == "\(h5): layer 'conv' (Convolution) blob 0 has shape 3×2×3×3, expected 3×2×3×3×3")
    }
}
