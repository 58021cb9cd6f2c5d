import Foundation
import PZGraph
import PZHDF5
import PZImport
import PZReference
import PZTestSupport
import Testing

/// naibaf7-fork fields that change what a layer computes.
@Suite struct CaffeForkFeatureTests {
    private func run(_ prototxt: String, weights: [String: [(shape: [Int], values: [Float])]], input: [Float]) throws -> [Float] {
        let directory = try TestPaths.makeTemporaryDirectory()
        try Data(prototxt.utf8).write(to: URL(fileURLWithPath: directory + "/net.prototxt"))
        let file = try HDF5File(creating: directory + "/net.caffemodel.h5")
        for (layer, blobs) in weights {
            for (index, blob) in blobs.enumerated() {
                try file.root.writeDataset("data/\(layer)/\(index)", shape: blob.shape, values: blob.values)
            }
        }
        try file.flush()
        let graph = try CaffeImporter.importModel(prototxt: directory + "/net.prototxt",
                                                  weights: directory + "/net.caffemodel.h5")
        let input = Tensor(shape: [1, 1, 1, 1, input.count], values: input)
        return try ReferenceExecutor(graph: graph).run(inputs: ["data": input])[graph.outputNames[0]]!.values
    }

    private let header = "layer { name: \"data\" type: \"Input\" top: \"data\" input_param { shape { dim: 1 dim: 1 dim: 1 dim: 3 } } }\n"

    @Test func fusedConvolutionReLU() throws {
        let net = header + """
        layer { name: "c" type: "Convolution" bottom: "data" top: "c"
          convolution_param { num_output: 1 kernel_size: 1 bias_term: false fuse_type: FUSED_CONV_RELU relu_param { negative_slope: 0.5 } } }
        """
        let output = try run(net, weights: ["c": [([1, 1, 1, 1], [-1])]], input: [1, -2, 3])
        #expect(output == [-0.5, 2, -1.5])
    }

    @Test func batchNormWithFusedReLU() throws {
        let net = header + """
        layer { name: "bn" type: "BatchNorm" bottom: "data" top: "data" batch_norm_param { eps: 0 fused_relu: true } }
        """
        let output = try run(net, weights: ["bn": [([1], [2]), ([1], [8]), ([1], [2])]], input: [1, 3, 5])
        // mean 2/2 = 1, variance 8/2 = 4: (x − 1)/2 → −0, 1, 2; ReLU.
        #expect(output == [0, 1, 2])
    }
}
