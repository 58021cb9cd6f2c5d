import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

@Suite struct OptimizeAndVerifyCommandTests {
    private func importResidualBlock(into directory: String) throws -> String {
        let fixture = TestPaths.fixture("caffe/residual_block3d")
        let model = directory + "/net.pzir"
        let result = try CLI.run(["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel", "-o", model])
        #expect(result.status == 0, "\(result.stderr)")
        return model
    }

    @Test func optimizeWritesTheVerifiedGraph() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try importResidualBlock(into: directory)
        let result = try CLI.run(["optimize", model, "-o", directory + "/net.opt.pzir",
                                  "--golden", TestPaths.golden("caffe/residual_block3d")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("eltwise-fusion          applied   21→19"))
        #expect(result.stdout.contains("verification holds for 1 model(s)"))
        #expect(result.stdout.contains("21 → 8 nodes"))
        let optimized = try PZIRFile.read(from: directory + "/net.opt.pzir")
        #expect(optimized.nodes.count == 8)
        #expect(optimized.verification?.holds == true)
        let inspected = try CLI.run(["inspect", directory + "/net.opt.pzir"])
        #expect(inspected.stdout.contains("c2,sum,bn2,sc2,e2"))
        #expect(inspected.stdout.contains("eltwise,batchnorm,scale,activation"))
        #expect(inspected.stdout.contains("verification (tolerance 1.0e-04, golden patches from"))
    }

    @Test func optimizeWithSelectedPassesAndAGoldenPair() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try importResidualBlock(into: directory)
        let golden = TestPaths.golden("caffe/residual_block3d")
        let result = try CLI.run(["optimize", model, "-o", directory + "/o.pzir", "--passes", "linear-fusion",
                                  "--golden", "\(golden)/input.npy:\(golden)/output.out.npy", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let record = (object["entries"] as! [[String: Any]])[0]["record"] as! [String: Any]
        let passes = record["passes"] as! [[String: Any]]
        #expect(passes.map { $0["pass"] as! String } == ["linear-fusion"])
        #expect(passes[0]["nodes_after"] as! Int == 17)
        let bad = try CLI.run(["optimize", model, "-o", directory + "/x.pzir", "--passes", "magic"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown pass 'magic'"))
    }

    /// When the import itself disagrees with the golden outputs (here: a golden
    /// output from another model), optimize and export say so first, exit 1 and
    /// write nothing.
    @Test func optimizeAndExportRefuseAnImportThatDisagreesWithTheGolden() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try importResidualBlock(into: directory)
        let golden = TestPaths.golden("caffe/residual_block3d")
        let (shape, values) = try NPYFile.read("\(golden)/output.out.npy")
        try NPYFile.write(shape: shape, values: values.map { $0 + 1 }, to: directory + "/wrong.npy")
        let pair = "\(golden)/input.npy:\(directory)/wrong.npy"
        for (command, output) in [("optimize", "o.pzir"), ("export", "o.pz")] {
            let result = try CLI.run([command, model, "-o", directory + "/" + output, "--golden", pair])
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.hasPrefix("Error: \(model) against \(pair): the model as imported, before any pass, differs "
                                            + "from the golden outputs"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: directory + "/" + output))
        }
    }

    @Test func verifyEveryFixture() throws {
        let result = try CLI.run(["verify", "--tolerance", "1e-4"], in: TestPaths.packageRoot.path)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("verification holds for 57 model(s)"))  // 48 Caffe and Keras, 9 ONNX
        #expect(result.stdout.contains("onnx/nnunet_3d"))
        #expect(result.stdout.contains("caffe/residual_block3d"))
        #expect(result.stdout.contains("keras/unet3d_cf-k3"))
    }

    /// An impossible tolerance fails: the float32 import differs from Caffe's
    /// float32 output by rounding, and every fused pass is rolled back.
    @Test func verifyFailsWithAnExitStatus() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try importResidualBlock(into: directory)
        let result = try CLI.run(["verify", model, "--golden", TestPaths.golden("caffe/residual_block3d"),
                                  "--tolerance", "1e-12"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("ROLLED BACK"))
        #expect(result.stdout.contains("first diverging tensor"))
        #expect(result.stdout.contains("verification FAILED for"))
        let random = try CLI.run(["verify", model])
        #expect(random.status == 0)
        #expect(random.stdout.contains("2 random patches (seed 1), no golden outputs"))
        let noFixtures = try CLI.run(["verify"], in: directory)
        #expect(noFixtures.status != 0)
        #expect(noFixtures.stderr.contains("Fixtures: no fixtures directory here"))
    }
}
