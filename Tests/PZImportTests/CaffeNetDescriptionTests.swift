@testable import PZImport
import Testing

@Suite struct CaffeNetDescriptionTests {
    private func net(_ text: String) throws -> CaffeNetDescription {
        try CaffeNetDescription(text: text, path: "net.prototxt")
    }

    @Test func upgradesV1Layers() throws {
        let description = try net("""
        layers { name: "c" type: CONVOLUTION bottom: "x" top: "c" blobs_lr: 1 convolution_param { num_output: 2 kernel_size: 1 } }
        layers { name: "s" type: SOFTMAX_LOSS bottom: "c" top: "l" }
        layers { type: TANH bottom: "c" top: "t" }
        """)
        #expect(description.format == "V1")
        #expect(description.layers.map(\.type) == ["Convolution", "SoftmaxWithLoss", "TanH"])
        #expect(description.layers[2].name == "TanH1")
        #expect(description.layers[0].parameters.message("convolution_param").integer("num_output") == 2)
    }

    @Test func rejectsMixedAndV0Formats() {
        #expect(throws: PrototxtError.self) { try net("layer { type: \"ReLU\" } layers { type: RELU }") }
        let v0 = #expect(throws: PrototxtError.self) { try net("layers { layer { name: \"c\" type: \"conv\" } }") }
        #expect(v0?.message.contains("V0 layer format") == true)
    }

    @Test func upgradesDeprecatedInputs() throws {
        let dims = try net("input: \"a\" input: \"b\" input_dim: 1 input_dim: 2 input_dim: 3 input_dim: 4 "
                           + "input_dim: 1 input_dim: 1 input_dim: 5 input_dim: 5")
        #expect(dims.layers[0].type == "Input")
        #expect(dims.layers[0].name == "input")
        #expect(dims.layers[0].tops == ["a", "b"])
        #expect(dims.layers[0].legacyInputShapes == [[1, 2, 3, 4], [1, 1, 5, 5]])
        let shapes = try net("input: \"a\" input_shape { dim: 1 dim: 1 dim: 2 dim: 3 dim: 4 }")
        #expect(shapes.layers[0].legacyInputShapes == [[1, 1, 2, 3, 4]])
        #expect(throws: PrototxtError.self) { try net("input: \"a\" input_dim: 1 input_dim: 2") }
    }

    /// Deploy is the TEST phase; include and exclude rules follow Caffe's FilterNet,
    /// with the net's own state for level and stages.
    @Test func filtersByPhaseLevelAndStage() throws {
        let description = try net("""
        state { level: 2 stage: "deploy" }
        layer { name: "train_only" type: "Dropout" include { phase: TRAIN } }
        layer { name: "test_only" type: "Dropout" include { phase: TEST } }
        layer { name: "not_in_test" type: "Dropout" exclude { phase: TEST } }
        layer { name: "level_ok" type: "Dropout" include { min_level: 1 max_level: 2 } }
        layer { name: "level_low" type: "Dropout" include { min_level: 3 } }
        layer { name: "stage_ok" type: "Dropout" include { stage: "deploy" } }
        layer { name: "stage_missing" type: "Dropout" include { stage: "deploy" stage: "extra" } }
        layer { name: "not_stage" type: "Dropout" include { not_stage: "deploy" } }
        layer { name: "any_rule" type: "Dropout" include { phase: TRAIN } include { stage: "deploy" } }
        layer { name: "always" type: "Dropout" }
        """)
        #expect(description.layers.map(\.name) == ["test_only", "level_ok", "stage_ok", "any_rule", "always"])
        #expect(throws: PrototxtError.self) {
            try net("layer { name: \"x\" type: \"ReLU\" include { phase: TEST } exclude { phase: TRAIN } }")
        }
    }

    /// Unnamed layers are named `<Type><n>`, counting every layer of the type.
    @Test func namesUnnamedLayers() throws {
        let description = try net("""
        layer { name: "r" type: "ReLU" } layer { type: "ReLU" } layer { type: "Sigmoid" } layer { type: "ReLU" }
        """)
        #expect(description.layers.map(\.name) == ["r", "ReLU2", "Sigmoid1", "ReLU3"])
        #expect(description.layers.map(\.isUnnamed) == [false, true, true, true])
    }
}
