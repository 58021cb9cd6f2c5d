import Foundation
import PZGraph
import PZImport
import PZONNX
import PZReference
import PZTestSupport
import Testing

/// Bad ONNX files give one line naming the file and the node or field at fault.
@Suite struct ONNXMalformedInputTests {
    /// input [1, 2, 4, 4, 4] → Conv (1×1×1, 2 → 3, weight "w") → Relu → "y".
    static func model(nodes: [ONNXNode]? = nil, initializers: [ONNXTensor]? = nil, input: ONNXValueInfo? = nil) -> ONNXModel {
        let graph = ONNXGraph(
            name: "g",
            nodes: nodes ?? [
                ONNXNode(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"]),
                ONNXNode(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"]),
            ],
            initializers: initializers ?? [ONNXTensor(name: "w", shape: [3, 2, 1, 1, 1], floats: [Float](repeating: 0.5, count: 6))],
            inputs: [input ?? ONNXValueInfo(name: "x", shape: [1, 2, 4, 4, 4])],
            outputs: [ONNXValueInfo(name: "y", shape: [1, 3, 4, 4, 4])])
        return ONNXModel(irVersion: 8, opsets: ["": 17], graph: graph)
    }

    func importing(_ model: ONNXModel) throws -> Graph {
        try ONNXImporter.importModel(bytes: ONNXEncoder.encode(model), name: "m.onnx")
    }

    func expectError(_ message: String, _ model: ONNXModel, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: ImportError(message), sourceLocation: sourceLocation) { try importing(model) }
    }

    @Test func wellFormedModelImports() throws {
        let graph = try importing(Self.model())
        #expect(graph.nodes.map(\.op.typeName) == ["Input", "Convolution", "ReLU"])
    }

    @Test func truncatedAndGarbage() {
        let bytes = ONNXEncoder.encode(Self.model())
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ImportError("m.onnx: not a valid ONNX model (truncated or corrupted protobuf)")) {
                try ONNXImporter.importModel(bytes: Array(bytes.prefix(cut)), name: "m.onnx")
            }
        }
        #expect(throws: ImportError("m.onnx: empty file, not an ONNX model")) { try ONNXImporter.importModel(bytes: [], name: "m.onnx") }
    }

    @Test func missingInitializer() {
        expectError("m.onnx: node 'conv' (Conv): reads 'w', which no earlier node, input or initializer makes",
                    Self.model(initializers: []))
    }

    /// A cycle (or any node reading a later node's value) is out of topological order.
    @Test func cycle() {
        let nodes = [
            ONNXNode(name: "a", opType: "Relu", inputs: ["b_out"], outputs: ["a_out"]),
            ONNXNode(name: "b", opType: "Relu", inputs: ["a_out"], outputs: ["b_out"]),
        ]
        expectError("m.onnx: node 'a' (Relu): reads 'b_out', which no earlier node, input or initializer makes", Self.model(nodes: nodes))
    }

    @Test func wrongTypes() {
        expectError("m.onnx: input 'x' has element type INT64; pzconv runs float32 inputs",
                    Self.model(input: ONNXValueInfo(name: "x", elementType: ONNXDataType.int64, shape: [.value(1), .value(2)])))
        let badWeight = ONNXTensor(name: "w", dataType: ONNXDataType.float, dims: [3, 2, 1, 1, 1], storage: .raw([1, 2, 3]))
        expectError("m.onnx: tensor 'w': 3 raw bytes are not a whole number of FLOAT values", Self.model(initializers: [badWeight]))
        let shortWeight = ONNXTensor(name: "w", shape: [3, 2, 1, 1, 1], floats: [1, 2])
        expectError("m.onnx: tensor 'w' holds 2 values for dimensions [3, 2, 1, 1, 1] (6 expected)", Self.model(initializers: [shortWeight]))
        let nodes = [ONNXNode(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: [ONNXAttribute("group", .string("2"))])]
        expectError("m.onnx: node 'conv' (Conv), attribute 'group': expected an integer", Self.model(nodes: nodes))
    }

    @Test func unsupportedOpIsNamed() {
        let nodes = [ONNXNode(name: "lstm", opType: "LSTM", inputs: ["x"], outputs: ["y"])]
        expectError("m.onnx: node 'lstm' (LSTM): op type LSTM is not supported (pzconv imports the ops of 3-D segmentation nets: "
                    + "Conv, ConvTranspose, BatchNormalization, InstanceNormalization, GroupNormalization, activations, pools, "
                    + "Concat, Add/Sub/Mul/Div, Resize, Pad, Slice)", Self.model(nodes: nodes))
    }

    /// What a reviewer found: each once a trap or a wrong result.
    @Test func hostileValuesAreRefusedByName() {
        let noInputs = [ONNXNode(name: "relu", opType: "Relu", inputs: [], outputs: ["y"])]
        expectError("m.onnx: node 'relu' (Relu): has no inputs", Self.model(nodes: noInputs))
        let infinite = ONNXTensor(name: "scales", shape: [5], floats: [1, 1, .infinity, 2, 2])
        let resize = [ONNXNode(name: "up", opType: "Resize", inputs: ["x", "", "scales"], outputs: ["y"])]
        expectError("m.onnx: node 'up' (Resize): scales [1.0, 1.0, inf, 2.0, 2.0] are not finite positive factors",
                    Self.model(nodes: resize, initializers: [infinite]))
        let cast = [ONNXNode(name: "c", opType: "Constant", inputs: [], outputs: ["k"],
                             attributes: [ONNXAttribute("value_ints", .ints([1, 2]))]),
                    ONNXNode(name: "cast", opType: "Cast", inputs: ["k"], outputs: ["y"],
                             attributes: [ONNXAttribute("to", .int(1 << 32))])]
        expectError("m.onnx: node 'cast' (Cast): 'to' is not a data type", Self.model(nodes: cast))
        let huge = ONNXTensor(name: "big", dataType: ONNXDataType.float, dims: [0, 1 << 33, 1 << 33], storage: .raw([]))
        expectError("m.onnx: tensor 'big' has invalid dimensions [0, 8589934592, 8589934592]", Self.model(initializers: [huge]))
        let gather = [ONNXNode(name: "shape", opType: "Constant", inputs: [], outputs: ["s"],
                               attributes: [ONNXAttribute("value_ints", .ints([1, 1 << 20]))]),
                      ONNXNode(name: "fill", opType: "ConstantOfShape", inputs: ["s"], outputs: ["f"]),
                      ONNXNode(name: "indices", opType: "Constant", inputs: [], outputs: ["i"],
                               attributes: [ONNXAttribute("value_ints", .ints([Int64](repeating: 0, count: 64)))]),
                      ONNXNode(name: "gather", opType: "Gather", inputs: ["f", "i"], outputs: ["y"])]
        expectError("m.onnx: node 'gather' (Gather): the gathered constant would be too large", Self.model(nodes: gather))
    }

    @Test func unsupportedResizeModeIsNamed() {
        let nodes = [ONNXNode(name: "up", opType: "Resize", inputs: ["x", "", "scales"], outputs: ["y"],
                              attributes: [ONNXAttribute("mode", .string("cubic"))])]
        let scales = ONNXTensor(name: "scales", shape: [5], floats: [1, 1, 2, 2, 2])
        expectError("m.onnx: node 'up' (Resize): Resize mode 'cubic' is not supported (nearest and linear)",
                    Self.model(nodes: nodes, initializers: [scales]))
    }

    @Test func shapeMismatchNamesTheNode() {
        let weight = ONNXTensor(name: "w", shape: [3, 5, 1, 1, 1], floats: [Float](repeating: 1, count: 15))
        #expect(throws: ImportError.self) { try importing(Self.model(initializers: [weight])) }
        do {
            _ = try importing(Self.model(initializers: [weight]))
        } catch {
            #expect("\(error)".hasPrefix("m.onnx: node 'conv' (Conv): "))
        }
    }

    @Test func deeplyNestedMessagesAreRefusedBeforeUnpacking() {
        // Graph → node → attribute → graph → … 1,000 deep: a few kilobytes.
        var bytes: [UInt8] = []
        for _ in 0..<1000 { bytes = ([0x32] + varint(bytes.count) + bytes).withGraphAndNodeWrapping() }  // AttributeProto.g (field 6)
        let model = [0x3a] + varint(bytes.count) + bytes                         // ModelProto.graph (field 7)
        #expect(throws: ImportError("m.onnx: messages nested more than 48 deep, not a model pzconv reads")) {
            try ONNXImporter.importModel(bytes: model, name: "m.onnx")
        }
    }

    @Test func externalDataStaysBesideTheModel() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        for (location, message) in [("../secret.bin", "external data location '../secret.bin' leaves the model's directory"),
                                    ("/etc/passwd", "external data location '/etc/passwd' leaves the model's directory"),
                                    ("missing.bin", "external data file 'missing.bin' not found beside the model")] {
            let weight = ONNXTensor(name: "w", dataType: ONNXDataType.float, dims: [3, 2, 1, 1, 1],
                                    storage: .external(location: location, offset: 0, length: 24))
            let path = directory + "/m.onnx"
            try Data(ONNXEncoder.encode(Self.model(initializers: [weight]))).write(to: URL(fileURLWithPath: path))
            #expect(throws: ImportError("\(path): \(message)")) { try ONNXImporter.importModel(path: path) }
        }
        try Data(count: 8).write(to: URL(fileURLWithPath: directory + "/short.bin"))
        let weight = ONNXTensor(name: "w", dataType: ONNXDataType.float, dims: [3, 2, 1, 1, 1],
                                storage: .external(location: "short.bin", offset: 4, length: 24))
        let path = directory + "/m.onnx"
        try Data(ONNXEncoder.encode(Self.model(initializers: [weight]))).write(to: URL(fileURLWithPath: path))
        #expect(throws: ImportError("\(path): external data at offset 4, length 24, lies beyond the end of 'short.bin' (8 bytes)")) {
            try ONNXImporter.importModel(path: path)
        }
    }
}

private func varint(_ value: Int) -> [UInt8] {
    var value = UInt64(value), bytes: [UInt8] = []
    repeat {
        bytes.append(UInt8(value & 0x7f) | (value >= 0x80 ? 0x80 : 0))
        value >>= 7
    } while value > 0
    return bytes
}

private extension Array where Element == UInt8 {
    /// An attribute's bytes inside a NodeProto (attribute, field 5) inside a GraphProto (node, field 1).
    func withGraphAndNodeWrapping() -> [UInt8] {
        let node = [0x2a] + varint(count) + self
        return [0x0a] + varint(node.count) + node
    }
}

/// Graphs a user's exporter writes that look like pzconv's own decompositions keep their meaning.
@Suite struct ONNXSemanticsTests {
    func model(_ nodes: [ONNXNode], _ initializers: [ONNXTensor], input: [Int], output: [Int], opset: Int64 = 17) -> ONNXModel {
        ONNXModel(irVersion: 8, opsets: ["": opset], graph: ONNXGraph(
            name: "g", nodes: nodes, initializers: initializers, inputs: [ONNXValueInfo(name: "x", shape: input)],
            outputs: [ONNXValueInfo(name: "y", shape: output)]))
    }

    /// ConvTranspose with positive pads, then Pad: the Pad adds zeros (PyTorch's usual
    /// up-sampling then F.pad); it must not un-crop the transposed convolution.
    @Test func padAfterACroppingConvTransposeStaysAPad() throws {
        var b = GraphBuilder(seed: 9)
        let weight = b.randomTensor([2, 3, 3, 3, 3])
        let nodes = [
            ONNXNode(name: "up", opType: "ConvTranspose", inputs: ["x", "w"], outputs: ["u"], attributes: [
                ONNXAttribute("strides", .ints([2, 2, 2])), ONNXAttribute("pads", .ints([1, 1, 1, 1, 1, 1])),
                ONNXAttribute("output_padding", .ints([1, 1, 1])),
            ]),
            ONNXNode(name: "pad", opType: "Pad", inputs: ["u", "pads"], outputs: ["y"]),
        ]
        let pads = ONNXTensor(name: "pads", shape: [10], int64s: [0, 0, 1, 1, 1, 0, 0, 1, 1, 1])
        let onnx = model(nodes, [ONNXTensor(name: "w", shape: [2, 3, 3, 3, 3], floats: weight.values), pads],
                         input: [1, 2, 2, 3, 2], output: [1, 3, 6, 8, 6])
        let imported = try ONNXImporter.importModel(bytes: ONNXEncoder.encode(onnx), name: "pad.onnx")
        let up = ConvolutionParameters(outputChannels: 3, kernel: [3, 3, 3], stride: [2, 2, 2], padBegin: [1, 1, 1], padEnd: [0, 0, 0])
        var expected = GraphBuilder(seed: 9)
        let x = expected.input("x", shape: [1, 2, 2, 3, 2])
        let u = expected.add("up", .deconvolution(up), inputs: [x], weights: [.weight: weight])
        expected.output(expected.add("pad", .pad(PadParameters(begin: [1, 1, 1], end: [1, 1, 1])), inputs: [u]))
        let input = b.randomTensor([1, 2, 2, 3, 2])
        let actual = try ReferenceExecutor(graph: imported).run(inputs: ["x": input])["y"]!
        let reference = try ReferenceExecutor(graph: expected.graph).run(inputs: ["x": input])["pad"]!
        #expect(actual == reference)
    }

    /// Gemm → Softmax (axis −1) on a flat [N, C] activation normalizes the classes.
    @Test func softmaxOfAFlatActivationIsOverChannels() throws {
        let nodes = [
            ONNXNode(name: "gap", opType: "GlobalAveragePool", inputs: ["x"], outputs: ["p"]),
            ONNXNode(name: "flat", opType: "Flatten", inputs: ["p"], outputs: ["f"]),
            ONNXNode(name: "fc", opType: "Gemm", inputs: ["f", "w"], outputs: ["l"], attributes: [ONNXAttribute("transB", .int(1))]),
            ONNXNode(name: "soft", opType: "Softmax", inputs: ["l"], outputs: ["y"]),
        ]
        let w = ONNXTensor(name: "w", shape: [3, 2], floats: [1, -1, 0.5, 2, -0.5, 0])
        let graph = try ONNXImporter.importModel(bytes: ONNXEncoder.encode(model(nodes, [w], input: [1, 2, 2, 2, 2], output: [1, 3])),
                                                 name: "cls.onnx")
        let values = try ReferenceExecutor(graph: graph).run(inputs: ["x": Tensor(shape: [1, 2, 2, 2, 2], values: (0..<16).map { Float($0) / 8 })])["y"]!
        #expect(abs(values.values.reduce(0, +) - 1) < 1e-6 && values.values.count == 3)
        #expect(graph.outputs[0].sourceLayout.axes == "NC")
    }

    /// Slice's "to the end" (INT64_MAX) in opset 9's attributes.
    @Test func sliceToTheEndBeforeOpset10() throws {
        let nodes = [ONNXNode(name: "crop", opType: "Slice", inputs: ["x"], outputs: ["y"], attributes: [
            ONNXAttribute("starts", .ints([1])), ONNXAttribute("ends", .ints([Int64.max])), ONNXAttribute("axes", .ints([2])),
        ])]
        let graph = try ONNXImporter.importModel(bytes: ONNXEncoder.encode(model(nodes, [], input: [1, 1, 4, 2, 2], output: [1, 1, 3, 2, 2], opset: 9)),
                                                 name: "slice.onnx")
        #expect(try graph.inferShapes()["y"] == [1, 1, 3, 2, 2])
    }
}
