import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

/// Every fixture made by real Caffe or Keras, through the user's commands:
/// `import`, `export` (verified passes, packed .pz), `run` on the golden input;
/// each output within 1e-4 × max(1, |golden|max) of the framework's.
struct FixtureModel: CustomTestStringConvertible, Sendable {
    /// "caffe/residual_block3d".
    var name: String
    var testDescription: String { name }

    static var all: [FixtureModel] {
        let root = TestPaths.fixture("")
        let manager = FileManager.default
        return ["caffe", "caffe-fork", "keras"].flatMap { group in
            ((try? manager.contentsOfDirectory(atPath: root + "/" + group)) ?? []).sorted().filter { name in
                var isDirectory: ObjCBool = false
                return manager.fileExists(atPath: "\(root)/\(group)/\(name)", isDirectory: &isDirectory) && isDirectory.boolValue
            }.map { FixtureModel(name: "\(group)/\($0)") }
        }
    }

    /// The `pzconv import` arguments for this fixture.
    var importArguments: [String] {
        let directory = TestPaths.fixture(name)
        let exists = { (file: String) in FileManager.default.fileExists(atPath: directory + "/" + file) }
        if exists("net.prototxt") {
            return [directory + "/net.prototxt", "--weights", directory + (exists("net.caffemodel") ? "/net.caffemodel" : "/net.caffemodel.h5")]
        }
        if exists("model.json") { return [directory + "/model.json", "--weights", directory + "/weights.h5"] }
        return [directory + "/model.h5"]
    }
}

@Suite struct ExportRunBenchTests {
    @Test func everyFixtureIsCovered() {
        #expect(FixtureModel.all.count == 48)
    }

    @Test(arguments: FixtureModel.all, ["16", "8"])
    func exportThenRunMatchesTheFramework(_ fixture: FixtureModel, simd: String) throws {
        let directory = try TestPaths.makeTemporaryDirectory("pzconv-export")
        let imported = try CLI.run(["import"] + fixture.importArguments + ["-o", directory + "/net.pzir"])
        try #require(imported.status == 0, "\(imported.stderr)")
        let exported = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/net.pz", "--simd", simd])
        try #require(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("S = \(simd)"))

        let inspected = try CLI.run(["inspect", directory + "/net.pz", "--json"])
        let document = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as! [String: Any]
        let outputs = (document["outputs"] as! [[String: Any]]).map { $0["tensor"] as! String }
        let golden = TestPaths.golden(fixture.name)
        let run = try CLI.run(["run", directory + "/net.pz", golden + "/input.npy"]
                              + outputs.flatMap { ["-o", "\(directory)/out.\($0).npy"] })
        try #require(run.status == 0, "\(run.stderr)")
        var compared = 0
        for output in outputs where FileManager.default.fileExists(atPath: "\(golden)/output.\(output).npy") {
            let expected = try NPYFile.read("\(golden)/output.\(output).npy")
            let actual = try NPYFile.read("\(directory)/out.\(output).npy")
            #expect(actual.values.count == expected.values.count, "\(output)")
            let matches = matchesGolden(actual.values, expected.values, tolerance: 1e-4)
            #expect(matches, "\(fixture.name) S = \(simd): '\(output)' differs by \(maxAbsoluteDifference(actual.values, expected.values))")
            compared += 1
        }
        #expect(compared > 0, "no golden output for \(outputs)")
    }

    /// The padded-channel choice, passes off, and the record and hash in the file.
    @Test func exportOptionsAndInspect() throws {
        let directory = try TestPaths.makeTemporaryDirectory("pzconv-export")
        let fixture = FixtureModel(name: "caffe-fork/residual_unet3d")
        try #require(try CLI.run(["import"] + fixture.importArguments + ["-o", directory + "/net.pzir"]).status == 0)
        let automatic = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/auto.pz"])
        #expect(automatic.status == 0, "\(automatic.stderr)")
        #expect(automatic.stdout.contains("80 → 23 nodes"))
        #expect(automatic.stdout.contains("passes verified on 2 random patches (seed 1)"))
        #expect(automatic.stdout.contains("winograd"))
        let unfused = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/unfused.pz", "--no-passes"])
        #expect(unfused.stdout.contains("80 → 80 nodes"))
        let direct = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/direct.pz", "--no-winograd"])
        #expect(direct.status == 0)
        #expect(!direct.stdout.contains("winograd"))
        let inspect = try CLI.run(["inspect", directory + "/auto.pz"])
        #expect(inspect.stdout.contains("eltwise-fusion: applied"))
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["inspect", directory + "/auto.pz", "--json"]).stdout.utf8))
            as! [String: Any]
        let source = json["source"] as! [String: Any]
        #expect((source["framework"] as? String) == "caffe")
        #expect(json["packed"] != nil)
    }

    /// `pzconv export -o net.onnx` then `pzconv import net.onnx`: the same outputs
    /// from `pzconv run`, for a channels_last Keras model (Transposes at the edges).
    @Test func onnxExportAndImportThroughTheCommandLine() throws {
        let directory = try TestPaths.makeTemporaryDirectory("pzconv-onnx")
        let fixture = FixtureModel(name: "keras/residual3d_cl-k3")
        try #require(try CLI.run(["import"] + fixture.importArguments + ["-o", directory + "/net.pzir"]).status == 0)
        let export = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/net.onnx"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("ONNX nodes, opset 17"))
        let reimport = try CLI.run(["import", directory + "/net.onnx", "-o", directory + "/back.pzir"])
        #expect(reimport.status == 0, "\(reimport.stderr)")
        let input = TestPaths.golden(fixture.name) + "/input.npy"
        for model in ["net", "back"] {
            let run = try CLI.run(["run", "\(directory)/\(model).pzir", input, "-o", "\(directory)/\(model).npy"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let first = try NPYFile.read(directory + "/net.npy"), second = try NPYFile.read(directory + "/back.npy")
        #expect(first.shape == second.shape && first.values == second.values)
    }

    @Test func exportRejectsBadArgumentsAndLeavesNoFile() throws {
        let directory = try TestPaths.makeTemporaryDirectory("pzconv-export")
        let fixture = FixtureModel(name: "caffe/bn_scale_elu")
        try #require(try CLI.run(["import"] + fixture.importArguments + ["-o", directory + "/net.pzir"]).status == 0)
        let width = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/a.pz", "--simd", "4"])
        #expect(width.status != 0)
        #expect(width.stderr.contains("--simd must be 8 or 16, not 4"))
        let suffix = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/a.pzir"])
        #expect(suffix.stderr.contains("must be a .pz or .onnx file"))
        let packingOption = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/a.onnx", "--simd", "8"])
        #expect(packingOption.status != 0)
        #expect(packingOption.stderr.contains("apply to .pz output"))
        let opset = try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/a.onnx", "--opset", "9"])
        #expect(opset.stderr.contains("--opset 9: pzconv writes operator sets 13 to 21"))
        let missing = try CLI.run(["export", directory + "/none.pzir", "-o", directory + "/a.pz"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("none.pzir"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/a.pz"))
    }

    @Test func runOnAPackedModelRejectsCorruptionAndWrongPatches() throws {
        let directory = try TestPaths.makeTemporaryDirectory("pzconv-export")
        let fixture = FixtureModel(name: "keras/residual3d_cl-k3")
        try #require(try CLI.run(["import"] + fixture.importArguments + ["-o", directory + "/net.pzir"]).status == 0)
        try #require(try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/net.pz"]).status == 0)
        var bytes = try readFileBytes(directory + "/net.pz")
        bytes[bytes.count / 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/flipped.pz"))
        let flipped = try CLI.run(["run", directory + "/flipped.pz", TestPaths.golden(fixture.name) + "/input.npy"])
        #expect(flipped.status != 0)
        #expect(flipped.stderr.contains("flipped.pz:"))
        #expect(flipped.stderr.split(separator: "\n").count == 1)
        try Data(count: 12).write(to: URL(fileURLWithPath: directory + "/bad.bin"))
        let wrong = try CLI.run(["run", directory + "/net.pz", directory + "/bad.bin", "-o", directory + "/out.bin"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("bad.bin: holds 12 bytes"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.bin"))
        // channels_last in and out, as Keras: a .bin patch in NDHWC gives an NDHWC output.
        let run = try CLI.run(["run", directory + "/net.pz", TestPaths.golden(fixture.name) + "/input.npy", "--threads", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("(NDHWC)"))
    }

    @Test func benchReportsLatencyLayersAndMemory() throws {
        let directory = try TestPaths.makeTemporaryDirectory("pzconv-bench")
        let fixture = FixtureModel(name: "caffe/residual_block3d")
        try #require(try CLI.run(["import"] + fixture.importArguments + ["-o", directory + "/net.pzir"]).status == 0)
        try #require(try CLI.run(["export", directory + "/net.pzir", "-o", directory + "/net.pz"]).status == 0)
        let text = try CLI.run(["bench", directory + "/net.pz", "--warmup", "1", "--iterations", "3", "--threads", "2", "--layers"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("2 threads"))
        #expect(text.stdout.contains("1 warm-up + 3 timed runs"))
        #expect(text.stdout.contains("median"))
        #expect(text.stdout.contains("peak resident"))
        #expect(text.stdout.contains("layer"))
        let json = try CLI.run(["bench", directory + "/net.pz", "--warmup", "0", "--iterations", "2", "--json", "--layers"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(object["iterations"] as? Int == 2)
        #expect((object["median_seconds"] as? Double ?? 0) > 0)
        #expect((object["layers"] as? [[String: Any]])?.isEmpty == false)
        let bad = try CLI.run(["bench", directory + "/net.pz", "--iterations", "0"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--iterations"))
        let nothing = try CLI.run(["bench"])
        #expect(nothing.status != 0)
        #expect(nothing.stderr.contains("give a .pz model to time (or --peak)"))
        let both = try CLI.run(["bench", directory + "/net.pz", "--peak"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("--peak times the machine, not a model"))
        let pzir = try CLI.run(["bench", directory + "/net.pzir"])
        #expect(pzir.status != 0)
        #expect(pzir.stderr.contains("pzconv export"))
    }
}
