import Foundation
import PZGraph
import PZImport
import PZTestSupport
import Testing

/// Every Caffe fixture, with each weights format it has, matches the golden
/// outputs: Fixtures/caffe (written by real BVLC Caffe 1.0) and Fixtures/caffe-fork
/// (fork features, golden outputs from caffe_torch.py; see make_fork_fixtures.py).
@Suite struct CaffeFixtureTests {
    static let cases: [(String, String)] = {
        var cases: [(String, String)] = []
        for group in ["caffe", "caffe-fork"] {
            let directory = TestPaths.fixture(group)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where FileManager.default.fileExists(atPath: "\(directory)/\(name)/net.prototxt") {
                for weights in ["net.caffemodel", "net.caffemodel.h5"]
                    where FileManager.default.fileExists(atPath: "\(directory)/\(name)/\(weights)") {
                    cases.append(("\(group)/\(name)", weights))
                }
            }
        }
        return cases
    }()

    @Test func fixturesArePresent() {
        #expect(Self.cases.count == 7 + 8 + 6 + 7)  // .caffemodel and .caffemodel.h5 of each net
    }

    @Test(arguments: cases)
    func matchesGolden(_ fixture: String, _ weights: String) throws {
        let directory = TestPaths.fixture(fixture)
        let graph = try CaffeImporter.importModel(prototxt: directory + "/net.prototxt", weights: directory + "/" + weights)
        try expectMatchesGolden(graph, goldenDirectory: TestPaths.golden(fixture))
    }

    /// The residual block: in-place layers versioned, the unnamed Deconvolution
    /// named by type and counter, provenance kept, deprecated input fields upgraded.
    @Test func residualBlockStructure() throws {
        let directory = TestPaths.fixture("caffe/residual_block3d")
        let graph = try CaffeImporter.importModel(prototxt: directory + "/net.prototxt",
                                                  weights: directory + "/net.caffemodel")
        #expect(graph.name == "residual_block3d")
        #expect(graph.inputNodes.map(\.sourceLayers) == [["input"]])
        #expect(graph.nodes.contains { $0.name == "Deconvolution1" && $0.op.typeName == "Deconvolution" })
        let bn0 = try #require(graph.nodes.first { $0.name == "bn0" })
        #expect(bn0.inputs == ["c0"] && bn0.outputs == ["c0@bn0"])
        #expect(graph.outputs.map(\.tensor) == ["out"])
        #expect(graph.outputs[0].sourceLayout == .ncdhw)
        let source = try #require(graph.source)
        #expect(source.framework == "caffe")
        #expect(source.files.map(\.name) == ["net.prototxt", "net.caffemodel"])
        #expect(source.files[0].sha256.count == 64)
    }

    /// A 2-D net keeps NCHW as its source layout and outputs in Caffe's (sorted) order.
    @Test func twoDimensionalNet() throws {
        let directory = TestPaths.fixture("caffe/pool2d")
        let graph = try CaffeImporter.importModel(prototxt: directory + "/net.prototxt", weights: directory + "/net.caffemodel")
        #expect(graph.outputs.map(\.tensor) == ["gp", "mp", "out"])
        #expect(graph.outputs.allSatisfy { $0.sourceLayout == .nchw })
        guard case .input(let input) = graph.inputNodes[0].op else { Issue.record("no input"); return }
        #expect(input.shape == [1, 3, 1, 11, 13])
    }

    @Test func inputShapeOverride() throws {
        let directory = TestPaths.fixture("caffe/residual_block3d")
        let graph = try CaffeImporter.importModel(prototxt: directory + "/net.prototxt", weights: directory + "/net.caffemodel",
                                                  inputShape: try InputShapeOverride(parsing: "1,1,4,16,32"))
        let shapes = try graph.inferShapes()
        #expect(shapes["out"] == [1, 3, 4, 16, 32])
        let named = try InputShapeOverride(parsing: "data:1,1,2,8,8")
        #expect(try CaffeImporter.importModel(prototxt: directory + "/net.prototxt", weights: directory + "/net.caffemodel",
                                              inputShape: named).inferShapes()["out"] == [1, 3, 2, 8, 8])
        #expect(throws: ImportError.self) {
            try CaffeImporter.importModel(prototxt: directory + "/net.prototxt", weights: directory + "/net.caffemodel",
                                          inputShape: try InputShapeOverride(parsing: "image:1,1,2,8,8"))
        }
    }
}
