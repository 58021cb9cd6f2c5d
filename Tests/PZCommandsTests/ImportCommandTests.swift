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
        #expect(ErrorFigures(actual: output.values, reference: golden.values).isWithin(1e-5))
    }

    @Test func badInputsFailWithOneLineAndWriteNothing() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let fixture = TestPaths.fixture("caffe/bn_scale_elu")
        let broken = directory + "/broken.prototxt"
        try Data("layer { name: \"x\" type: \"Input\" top: \"x\"\n".utf8).write(to: URL(fileURLWithPath: broken))
        let brokenONNX = directory + "/broken.onnx"
        try Data(try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("onnx/nnunet_3d/model.onnx"))).prefix(4000))
            .write(to: URL(fileURLWithPath: brokenONNX))
        let cases: [([String], String)] = [
            (["import", brokenONNX, "-o", directory + "/a.pzir"], "broken.onnx: not a valid ONNX model (truncated or corrupted protobuf)"),
            (["import", TestPaths.fixture("onnx/dynamic_3d/model.onnx"), "-o", directory + "/a.pzir"],
             "input 'input' has dynamic or invalid dimension 2 (symbol(\"depth\")); give its shape with --input-shape"),
            (["import", brokenONNX, "--weights", broken, "-o", directory + "/a.pzir"], "an ONNX model holds its weights"),
            (["import", broken, "--weights", fixture + "/net.caffemodel", "-o", directory + "/a.pzir"],
             "broken.prototxt:2:1: expected '}' to close the LayerParameter opened at line 1, column 1"),
            (["import", fixture + "/net.prototxt", "-o", directory + "/a.pzir"], "needs its trained weights"),
            (["import", fixture + "/net.prototxt", "--weights", fixture + "/net.prototxt", "-o", directory + "/a.pzir"],
             "net.prototxt: not a valid Caffe model"),
            (["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel", "-o", directory + "/a.bin"],
             "the output of import must be a .pzir file"),
            (["import", directory + "/model.tflite", "-o", directory + "/a.pzir"], "unknown model format"),
            (["import", directory + "/model.onnx", "-o", directory + "/a.pzir"], "model.onnx: cannot open"),
            (["import", directory + "/model.keras", "-o", directory + "/a.pzir"], "save the model with model.save(\"model.h5\")"),
            (["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel", "--input-shape", "1,x",
              "-o", directory + "/a.pzir"], "--input-shape '1,x': expected positive integers"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(fragment), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["broken.onnx", "broken.prototxt"])
    }
}

@Suite struct KerasImportCommandTests {
    /// The user's own example: `pzconv import model.h5 -o net.pzir`, then run on a
    /// channels_last patch, read and written in NDHWC as Keras takes it.
    @Test func importsAndRunsAKerasModel() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = TestPaths.fixture("keras/residual3d_cl-k3/model.h5")
        let imported = try CLI.run(["import", model, "-o", directory + "/net.pzir"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let golden = TestPaths.golden("keras/residual3d_cl-k3")
        let ran = try CLI.run(["run", directory + "/net.pzir", golden + "/input.npy", "-o", directory + "/head.npy",
                               "-o", directory + "/avg.npy", "-o", directory + "/max.npy"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stdout.contains("head: 1×9×9×10×2 (NDHWC)"))
        for (file, name) in [("head.npy", "head"), ("avg.npy", "avg_same"), ("max.npy", "max_same")] {
            let output = try NPYFile.read(directory + "/" + file)
            let expected = try NPYFile.read(golden + "/output.\(name).npy")
            #expect(output.shape == expected.shape)
            #expect(ErrorFigures(actual: output.values, reference: expected.values).isWithin(1e-5))
        }
    }

    @Test func jsonNeedsWeightsAndFullModelsTakeNone() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let json = try CLI.run(["import", TestPaths.fixture("keras/json_weights-k2/model.json"), "-o", directory + "/a.pzir"])
        #expect(json.status != 0)
        #expect(json.stderr.contains("a Keras JSON config needs its weights: --weights weights.h5"))
        let both = try CLI.run(["import", TestPaths.fixture("keras/unet2d-k2/model.h5"), "--weights", "w.h5",
                                "-o", directory + "/a.pzir"])
        #expect(both.status != 0)
        #expect(both.stderr.contains("a full Keras model file holds its weights"))
        let withWeights = try CLI.run(["import", TestPaths.fixture("keras/json_weights-k2/model.json"),
                                       "--weights", TestPaths.fixture("keras/json_weights-k2/weights.h5"), "-o", directory + "/b.pzir"])
        #expect(withWeights.status == 0, "\(withWeights.stderr)")
    }
}
