import Foundation
import PZGraph
import PZImport
import PZONNX
import PZPatchIO
import PZReference
import PZTestSupport
import Testing

/// Every Caffe and Keras fixture exported to ONNX: today's exporter writes the
/// files that Fixtures/onnx-export/make_export_goldens.py checked with
/// onnx.checker and ran with ONNX Runtime, and ONNX Runtime's outputs on them
/// (Golden/onnx-export) match the source framework's own (Golden/<group>).
@Suite struct ExportFixtureTests {
    static let fixtures: [String] = {
        var names: [String] = []
        for group in ["caffe", "caffe-fork", "keras"] {
            let directory = TestPaths.fixture(group)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
                where FileManager.default.fileExists(atPath: TestPaths.fixture("onnx-export/\(group)/\(name)/model.onnx")) {
                names.append("\(group)/\(name)")
            }
        }
        return names
    }()

    static func importFixture(_ name: String) throws -> Graph {
        let directory = TestPaths.fixture(name)
        let exists = { (file: String) in FileManager.default.fileExists(atPath: "\(directory)/\(file)") }
        if exists("net.prototxt") {
            let weights = exists("net.caffemodel") ? "net.caffemodel" : "net.caffemodel.h5"
            return try CaffeImporter.importModel(prototxt: "\(directory)/net.prototxt", weights: "\(directory)/\(weights)")
        }
        if exists("model.json") { return try KerasImporter.importModel(json: "\(directory)/model.json", weights: "\(directory)/weights.h5") }
        return try KerasImporter.importModel(h5: "\(directory)/model.h5")
    }

    @Test func everyFixtureIsExported() {
        #expect(Self.fixtures.count == 48)
    }

    @Test(arguments: fixtures)
    func exportMatchesCheckedFile(_ name: String) throws {
        let graph = try Self.importFixture(name)
        let committed = try ONNXDecoder.decode(try readFileBytes(TestPaths.fixture("onnx-export/\(name)/model.onnx")), path: name)
        var exported = try ONNXExporter.export(graph)
        exported.producerVersion = committed.producerVersion
        #expect(exported == committed, "re-run Fixtures/onnx-export/make_export_goldens.py if the exporter changed on purpose")
        // Decoding what the encoder wrote gives the model back.
        #expect(try ONNXDecoder.decode(ONNXEncoder.encode(exported), path: name) == exported)
    }

    @Test(arguments: fixtures)
    func onnxRuntimeMatchesSourceFramework(_ name: String) throws {
        let onnxRuntime = try GoldenSet(directory: TestPaths.golden("onnx-export/\(name)"))
        let source = try GoldenSet(directory: TestPaths.golden(name))
        #expect(Set(onnxRuntime.outputs.keys) == Set(source.outputs.keys))
        for (output, expected) in source.outputs {
            let actual = try #require(onnxRuntime.outputs[output])
            #expect(actual.values.count == expected.values.count)
            let error = ErrorFigures(actual: actual.values, reference: expected.values)
            #expect(error.isWithin(1e-4), "\(name) \(output): \(error.maxRelativeError)")
        }
    }

    /// Exported, imported again: the same input and output names, source layouts
    /// and shapes, node names kept, and the source framework's outputs.
    @Test(arguments: fixtures)
    func roundTripKeepsNamesAndShapes(_ name: String) throws {
        let graph = try Self.importFixture(name)
        let path = TestPaths.fixture("onnx-export/\(name)/model.onnx")
        let reimported = try ONNXImporter.importModel(path: path)
        #expect(reimported.outputs == graph.outputs)
        let inputs = { (g: Graph) in g.inputNodes.map { node -> [String] in
            guard case .input(let p) = node.op else { return [] }
            return node.outputs + [p.sourceLayout.axes, p.shape.shapeDescription]
        } }
        #expect(inputs(reimported) == inputs(graph))
        let shapes = try graph.inferShapes(), reimportedShapes = try reimported.inferShapes()
        for output in graph.outputs { #expect(reimportedShapes[output.tensor] == shapes[output.tensor]) }
        let originalNames = Set(graph.nodes.map(\.name))
        let computing = graph.nodes.filter { if case .input = $0.op { false } else { true } }.map(\.name)
        #expect(computing.allSatisfy { name in reimported.nodes.contains { $0.name == name } || !originalNames.contains(name) })
        try expectMatchesGolden(reimported, goldenDirectory: TestPaths.golden(name), tolerance: 1e-5)
    }
}

