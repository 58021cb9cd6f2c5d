import PZGraph
import PZImport
import PZONNX
import PZReference
import PZTestSupport
import Testing

/// Graphs built in code, exported to ONNX and imported again, give the same
/// outputs on the reference executor: the ops no fixture framework writes for
/// export (GroupNorm, InstanceNorm, linear up-sampling).
@Suite struct ExportRoundTripTests {
    func roundTrip(_ graph: Graph) throws -> Graph {
        let bytes = ONNXEncoder.encode(try ONNXExporter.export(graph))
        return try ONNXImporter.importModel(bytes: bytes, name: "roundtrip.onnx")
    }

    func expectSameOutputs(_ graph: Graph, _ other: Graph) throws {
        var b = GraphBuilder(seed: 3)
        var inputs: [String: Tensor] = [:]
        for node in graph.inputNodes {
            guard case .input(let p) = node.op else { continue }
            inputs[node.outputs[0]] = b.randomTensor(p.shape)
        }
        let expected = try ReferenceExecutor(graph: graph).run(inputs: inputs)
        let actual = try ReferenceExecutor(graph: other).run(inputs: inputs)
        for output in graph.outputs {
            let error = ErrorFigures(actual: try #require(actual[output.tensor]).values, reference: expected[output.tensor]!.values)
            #expect(error.isWithin(1e-6), "\(output.tensor): \(error.maxRelativeError)")
        }
    }

    @Test func normalizationsAndLinearUpsampling() throws {
        var b = GraphBuilder(seed: 5)
        let x = b.input("x", shape: [1, 12, 3, 4, 5])
        let group = b.add("group", .groupNorm(GroupNormParameters(groups: 3, epsilon: 1e-5)), inputs: [x],
                          weights: [.scale: b.randomTensor([12]), .bias: b.randomTensor([12])])
        let instance = b.add("instance", .groupNorm(GroupNormParameters(groups: 12, epsilon: 1e-3, isInstanceNorm: true)),
                             inputs: [group], weights: [.bias: b.randomTensor([12])])
        b.output(b.add("half", .upsample(UpsampleParameters(factors: [2, 2, 2], linear: .halfPixel)), inputs: [instance]))
        b.output(b.add("corners", .upsample(UpsampleParameters(factors: [1, 3, 2], linear: .alignCorners)), inputs: [instance]))
        let graph = b.graph
        let imported = try roundTrip(graph)
        #expect(imported.nodes.map(\.op.typeName) == ["Input", "GroupNorm", "InstanceNorm", "Upsample", "Upsample"])
        #expect(imported.nodes.map(\.name) == graph.nodes.map(\.name))
        try expectSameOutputs(graph, imported)
    }

    /// keras_contrib's ÷ (σ + ε) has no ONNX op: written out in elementary ops at
    /// opset 17 (ReduceMean's axes an attribute) and 18 (an input), and recognized
    /// again on import.
    @Test(arguments: [17, 18])
    func kerasContribNormalizationRoundTrips(opset: Int) throws {
        var b = GraphBuilder(seed: 5)
        let x = b.input("x", shape: [1, 4, 2, 3, 2])
        b.output(b.add("contrib", .groupNorm(GroupNormParameters(groups: 4, epsilon: 1e-3, epsilonOutsideRoot: true, isInstanceNorm: true)),
                       inputs: [x], weights: [.scale: b.randomTensor([4]), .bias: b.randomTensor([4])]))
        b.output(b.add("whole", .groupNorm(GroupNormParameters(groups: 1, epsilon: 1e-3, epsilonOutsideRoot: true)), inputs: [x]))
        let graph = b.graph
        let bytes = ONNXEncoder.encode(try ONNXExporter.export(graph, options: ONNXExportOptions(opset: opset)))
        let imported = try ONNXImporter.importModel(bytes: bytes, name: "contrib.onnx")
        #expect(imported.nodes.map(\.op) == graph.nodes.map(\.op))
        #expect(imported.nodes.map(\.name) == graph.nodes.map(\.name))
        try expectSameOutputs(graph, imported)
    }

    /// The optimized graph's GroupNorm with a fused activation: written as the
    /// normalization then the activation, and the same outputs when imported again.
    @Test func fusedActivationOfANormalization() throws {
        var b = GraphBuilder(seed: 5)
        let x = b.input("x", shape: [1, 8, 2, 3, 4])
        let instance = b.add("in", .groupNorm(GroupNormParameters(groups: 8, epsilon: 1e-5, isInstanceNorm: true,
                                                                  activation: .relu(negativeSlope: 0.01))), inputs: [x],
                             weights: [.scale: b.randomTensor([8]), .bias: b.randomTensor([8])])
        b.output(b.add("gn", .groupNorm(GroupNormParameters(groups: 2, epsilon: 1e-5, activation: .sigmoid)), inputs: [instance]))
        let graph = b.graph
        let exported = try ONNXExporter.export(graph)
        #expect(Set(exported.graph.nodes.map(\.name)).count == exported.graph.nodes.count, "node names are unique")
        #expect(exported.graph.nodes.map(\.opType).contains("LeakyRelu"))
        let imported = try ONNXImporter.importModel(bytes: ONNXEncoder.encode(exported), name: "fused.onnx")
        try expectSameOutputs(graph, imported)
    }

    @Test func aChannelsLastInputThatIsAlsoAnOutputIsRefused() throws {
        var b = GraphBuilder(seed: 5)
        let x = b.input("x", shape: [1, 2, 2, 2, 2], layout: .ndhwc)
        b.output(x, layout: .ndhwc)
        #expect(throws: ONNXFormatError("output 'x' is the graph input itself in a channels-last layout; ONNX cannot name both "
                                        + "ends of its Transposes 'x' (export with --layout ncdhw)")) {
            try ONNXExporter.export(b.graph)
        }
        #expect(try ONNXExporter.export(b.graph, options: ONNXExportOptions(layout: .ncdhw)).graph.outputs.map(\.name) == ["x"])
    }

    @Test func opsetsOutsideTheRangeAreRefused() {
        var b = GraphBuilder(seed: 5)
        b.output(b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [b.input("x", shape: [1, 1, 2, 2, 2])]))
        #expect(throws: ONNXFormatError("--opset 12: pzconv writes operator sets 13 to 21")) {
            try ONNXExporter.export(b.graph, options: ONNXExportOptions(opset: 12))
        }
    }
}

/// PyTorch's ONNX files through pzconv and back: the graph inputs and outputs keep
/// their names, element types and shapes (ONNX → `.pzir` → ONNX).
@Suite struct PyTorchRoundTripTests {
    static let fixtures = ["nnunet_3d", "monai_unet_3d", "layer_table_3d", "groupnorm_3d", "trilinear_3d", "unet_2d",
                           "external_data_3d", "se_classifier_3d"]

    @Test(arguments: fixtures)
    func inputsAndOutputsKeepNamesAndShapes(_ name: String) throws {
        let path = TestPaths.fixture("onnx/\(name)/model.onnx")
        let original = try ONNXDecoder.decode(try readFileBytes(path), path: path)
        let exported = try ONNXExporter.export(try ONNXImporter.importModel(path: path))
        let again = try ONNXDecoder.decode(ONNXEncoder.encode(exported), path: "again.onnx")
        #expect(again.graph.inputs == original.graph.inputs.filter { input in
            !original.graph.initializers.contains { $0.name == input.name }
        }.map { ONNXValueInfo(name: $0.name, elementType: $0.elementType, shape: $0.shape) })
        #expect(again.graph.outputs.map(\.name) == original.graph.outputs.map(\.name))
        #expect(again.graph.outputs.map(\.shape) == original.graph.outputs.map(\.shape))
        let named = Set(exported.graph.valueInfo.map(\.name) + exported.graph.outputs.map(\.name) + exported.graph.inputs.map(\.name))
        #expect(exported.graph.nodes.flatMap(\.outputs).allSatisfy(named.contains), "a value without a shape")
    }
}
