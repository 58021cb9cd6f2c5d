import Foundation
import PZGraph
import PZImport
import PZPatchIO
import PZTestSupport
import Testing

/// Models exported by real PyTorch (torch.onnx.export), with ONNX Runtime's
/// outputs as golden data (Fixtures/onnx/make_onnx_fixtures.py): import → run
/// matches within 1e-5 × max(1, |golden|max).
@Suite struct ONNXFixtureTests {
    static let supported = ["nnunet_3d", "monai_unet_3d", "layer_table_3d", "groupnorm_3d", "unet_2d", "external_data_3d", "trilinear_3d",
                            "se_classifier_3d"]

    @Test(arguments: supported)
    func matchesONNXRuntime(_ name: String) throws {
        let graph = try ONNXImporter.importModel(path: TestPaths.fixture("onnx/\(name)/model.onnx"))
        try expectMatchesGolden(graph, goldenDirectory: TestPaths.golden("onnx/\(name)"), tolerance: 1e-5)
    }

    /// nnU-Net's blocks become InstanceNorm nodes; PyTorch's GroupNorm
    /// decomposition (Reshape, InstanceNormalization, Reshape, Mul, Add) a GroupNorm node.
    @Test func normalizationsBecomeIROps() throws {
        let nnunet = try ONNXImporter.importModel(path: TestPaths.fixture("onnx/nnunet_3d/model.onnx"))
        #expect(nnunet.nodes.filter { $0.op.typeName == "InstanceNorm" }.count >= 10)
        #expect(nnunet.source?.framework == "onnx")
        #expect(nnunet.outputs.map(\.tensor) == ["seg", "seg_ds1"])
        let groupNorm = try ONNXImporter.importModel(path: TestPaths.fixture("onnx/groupnorm_3d/model.onnx"))
        let groups = groupNorm.nodes.compactMap { node -> Int? in
            if case .groupNorm(let p) = node.op { p.groups } else { nil }
        }
        #expect(groups == [2, 8])
        let classifier = try ONNXImporter.importModel(path: TestPaths.fixture("onnx/se_classifier_3d/model.onnx"))
        #expect(classifier.nodes.contains { $0.op == .channelScale })
        #expect(classifier.outputs.map(\.sourceLayout.axes) == ["NCDHW", "NC"])
    }

    @Test func dynamicDimensionsNeedAnInputShape() throws {
        let path = TestPaths.fixture("onnx/dynamic_3d/model.onnx")
        #expect(throws: ImportError("\(path): input 'input' has dynamic or invalid dimension 2 (symbol(\"depth\")); give its shape with --input-shape")) {
            try ONNXImporter.importModel(path: path)
        }
        let graph = try ONNXImporter.importModel(path: path, inputShape: InputShapeOverride(single: [1, 1, 12, 12, 12]))
        try expectMatchesGolden(graph, goldenDirectory: TestPaths.golden("onnx/dynamic_3d"), tolerance: 1e-5)
    }
}
