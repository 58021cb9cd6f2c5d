import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

@Suite struct ImportCommandTests {
    /// import → inspect → run on a real-Caffe fixture, as a user would, and the
    /// output matches Caffe's.
    @Test func importsInspectsAndRunsACaffeNet() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let fixture = TestPaths.fixture("caffe/residual_block3d")
        let model = directory + "/net.pzir"
        let imported = try CLI.run(["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel", "-o", model])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("→ \(model): 21 nodes"))
        let inspected = try CLI.run(["inspect", model])
        #expect(inspected.stdout.contains("graph 'residual_block3d' from caffe (current prototxt format)"))
        #expect(inspected.stdout.contains("source net.caffemodel"))
        let ran = try CLI.run(["run", model, TestPaths.golden("caffe/residual_block3d/input.npy"), "-o", directory + "/out.npy"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let output = try NPYFile.read(directory + "/out.npy")
        let golden = try NPYFile.read(TestPaths.golden("caffe/residual_block3d/output.out.npy"))
        #expect(output.shape == golden.shape)
        #expect(Discrepancy(output.values, golden.values).isWithin(1e-5))
    }

    @Test func badInputsFailWithOneLineAndWriteNothing() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let fixture = TestPaths.fixture("caffe/bn_scale_elu")
        let broken = directory + "/broken.prototxt"
        try Data("layer { name: \"x\" type: \"Input\" top: \"x\"\n".utf8).write(to: URL(fileURLWithPath: broken))
        let cases: [([String], String)] = [
            (["import", broken, "--weights", fixture + "/net.caffemodel", "-o", directory + "/a.pzir"],
             "broken.prototxt:2:1: expected '}' to close the LayerParameter opened at line 1, column 1"),
            (["import", fixture + "/net.prototxt", "-o", directory + "/a.pzir"], "needs its trained weights"),
            (["import", fixture + "/net.prototxt", "--weights", fixture + "/net.prototxt", "-o", directory + "/a.pzir"],
             "net.prototxt: not a valid Caffe model"),
            (["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel", "-o", directory + "/a.bin"],
             "the output of import must be a .pzir file"),
            (["import", directory + "/model.onnx", "-o", directory + "/a.pzir"], "unknown model format"),
            (["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel", "--input-shape", "1,x",
              "-o", directory + "/a.pzir"], "--input-shape '1,x': expected positive integers"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(fragment), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["broken.prototxt"])
    }
}
