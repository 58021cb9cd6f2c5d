import Foundation
import PZGraph
import PZHDF5
import PZImport
import PZTestSupport
import Testing

/// Bad Keras inputs give one clear error naming the file and the layer.
@Suite struct KerasMalformedInputTests {
    /// A Keras 2 style config: Input → Conv3D (1×1×1, 2 → 3 channels) → `extra`.
    private func config(inputShape: String = "[null, 2, 4, 4, 2]", extraLayer: String? = nil) -> String {
        var layers = """
        {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": \(inputShape), "name": "x"}, "inbound_nodes": []},
        {"class_name": "Conv3D", "name": "conv", "config": {"name": "conv", "filters": 3, "kernel_size": [1, 1, 1],
         "strides": [1, 1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1, 1],
         "activation": "linear", "use_bias": true}, "inbound_nodes": [[["x", 0, 0, {}]]]}
        """
        var output = "conv"
        if let extraLayer {
            layers += ",\n" + extraLayer
            output = "extra"
        }
        return """
        {"class_name": "Functional", "config": {"name": "m", "layers": [\(layers)],
         "input_layers": [["x", 0, 0]], "output_layers": [["\(output)", 0, 0]]}}
        """
    }

    /// Writes a Keras-layout `.h5`; `weights` maps layer → [(weight name, shape)].
    private func writeModel(_ config: String?, weights: [String: [(String, [Int])]] = ["conv": [("conv/kernel:0", [1, 1, 1, 2, 3]), ("conv/bias:0", [3])]],
                            skipDatasets: Set<String> = []) throws -> String {
        let path = try TestPaths.makeTemporaryDirectory() + "/model.h5"
        let file = try HDF5File(creating: path)
        let root = try file.root
        try root.writeStringAttribute("keras_version", ["2.15.0"], asArray: false)
        try root.writeStringAttribute("backend", ["tensorflow"], asArray: false)
        if let config { try root.writeStringAttribute("model_config", [config], asArray: false) }
        let group = try root.createGroup("model_weights")
        try group.writeStringAttribute("layer_names", ["x"] + weights.keys.sorted(), fixedLength: true)
        try group.createGroup("x").writeStringAttribute("weight_names", [], fixedLength: true)
        for (layer, entries) in weights {
            let layerGroup = try group.createGroup(layer)
            try layerGroup.writeStringAttribute("weight_names", entries.map(\.0), fixedLength: true)
            for (name, shape) in entries where !skipDatasets.contains(name) {
                try layerGroup.writeDataset(name, shape: shape, values: (0..<shape.elementCount).map { Float($0) * 0.1 })
            }
        }
        try file.flush()
        return path
    }

    private func importError(_ path: String, inputShape: InputShapeOverride = InputShapeOverride()) -> String {
        do {
            _ = try KerasImporter.importModel(h5: path, inputShape: inputShape)
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    @Test func handBuiltFileImports() throws {
        let graph = try KerasImporter.importModel(h5: try writeModel(config()))
        #expect(graph.nodes.map(\.name) == ["x", "conv"])
        #expect(graph.outputs == [GraphOutput(tensor: "conv", sourceLayout: .ndhwc)])
    }

    @Test func notAnHDF5File() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/model.h5"
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: path))
        #expect(importError(path) == "\(path): not an HDF5 file (or not readable)")
    }

    @Test func hdf5WithoutModelConfig() throws {
        let path = try writeModel(nil)
        #expect(importError(path).hasPrefix("\(path): no model_config attribute, so this is not a full Keras model file"))
    }

    @Test func missingWeightDataset() throws {
        let path = try writeModel(config(), skipDatasets: ["conv/bias:0"])
        #expect(importError(path) == "\(path): weight 'conv/bias:0' of layer 'conv' is listed but missing "
                                      + "(no dataset /model_weights/conv/conv/bias:0)")
    }

    @Test func weightOfTheWrongShape() throws {
        let path = try writeModel(config(), weights: ["conv": [("conv/kernel:0", [1, 1, 1, 3, 3]), ("conv/bias:0", [3])]])
        #expect(importError(path) == "\(path): layer 'conv' (Conv3D): weight 'conv/kernel:0' (kernel) has shape 1×1×1×3×3, "
                                      + "expected 1×1×1×2×3")
    }

    @Test func unknownClassIsNamed() throws {
        let custom = """
        {"class_name": "SwitchNormalization", "name": "extra", "config": {"name": "extra", "axis": -1},
         "inbound_nodes": [[["conv", 0, 0, {}]]]}
        """
        let path = try writeModel(config(extraLayer: custom))
        #expect(importError(path) == "\(path): layer 'extra' (SwitchNormalization): class 'SwitchNormalization' is "
                                      + "not supported by pzconv (a custom or unsupported layer)")
    }

    @Test func unsupportedActivationAndParameters() throws {
        let selu = """
        {"class_name": "Activation", "name": "extra", "config": {"name": "extra", "activation": "selu"}, "inbound_nodes": [[["conv", 0, 0, {}]]]}
        """
        #expect(importError(try writeModel(config(extraLayer: selu))).contains("layer 'extra' (Activation): activation 'selu' is not supported"))
        let relu6 = """
        {"class_name": "ReLU", "name": "extra", "config": {"name": "extra", "max_value": 6.0}, "inbound_nodes": [[["conv", 0, 0, {}]]]}
        """
        #expect(importError(try writeModel(config(extraLayer: relu6))).contains("layer 'extra' (ReLU): max_value 6"))
    }

    /// PReLU slopes that vary along a spatial axis (no shared_axes) are refused by name.
    @Test func perPositionPReLUSlopesAreRefused() throws {
        let prelu = """
        {"class_name": "PReLU", "name": "extra", "config": {"name": "extra", "shared_axes": [1, 2]}, "inbound_nodes": [[["conv", 0, 0, {}]]]}
        """
        let path = try writeModel(config(extraLayer: prelu), weights: [
            "conv": [("conv/kernel:0", [1, 1, 1, 2, 3]), ("conv/bias:0", [3])], "extra": [("extra/alpha:0", [1, 1, 4, 3])],
        ])
        #expect(importError(path) == "\(path): layer 'extra' (PReLU): its slopes vary along axis 3 (W): only per-channel slopes "
                                      + "are supported (shared_axes must list every spatial axis)")
    }

    @Test func unknownDimensionsNeedAnInputShape() throws {
        let path = try writeModel(config(inputShape: "[null, null, null, null, 2]"))
        #expect(importError(path) == "\(path): input 'x' has unknown dimensions (None, None, None, None, 2); give the patch "
                                      + "shape with --input-shape (in NDHWC order, batch first)")
        let graph = try KerasImporter.importModel(h5: path, inputShape: try InputShapeOverride(parsing: "1,3,5,7,2"))
        #expect(try graph.inferShapes()["conv"] == [1, 3, 3, 5, 7])
    }

    @Test func mixedDataFormatsAreRefused() throws {
        let pool = """
        {"class_name": "MaxPooling3D", "name": "extra", "config": {"name": "extra", "pool_size": [1, 1, 1], "padding": "valid",
         "data_format": "channels_first"}, "inbound_nodes": [[["conv", 0, 0, {}]]]}
        """
        #expect(importError(try writeModel(config(extraLayer: pool))).contains("the model mixes channels_first ('extra') and channels_last ('conv') layers"))
    }

    /// A data_format that is neither known value is an error naming the layer
    /// (it was a force unwrap once), alone or beside a known one.
    @Test func unknownDataFormatIsNamed() throws {
        let pool = """
        {"class_name": "MaxPooling3D", "name": "extra", "config": {"name": "extra", "pool_size": [1, 1, 1], "padding": "valid",
         "data_format": "channels_middle"}, "inbound_nodes": [[["conv", 0, 0, {}]]]}
        """
        let path = try writeModel(config(extraLayer: pool))
        #expect(importError(path) == "\(path): layer 'extra': data_format 'channels_middle' is neither channels_first nor channels_last")
    }

    /// Sizes in the config are bounded before any arithmetic uses them.
    @Test func hugeKernelSizesAreRefused() throws {
        let huge = config().replacingOccurrences(of: "\"kernel_size\": [1, 1, 1]", with: "\"kernel_size\": [1099511627776, 1, 1]")
        #expect(importError(try writeModel(huge))
            .hasSuffix("layer 'conv' (Conv3D): kernel_size [1099511627776, 1, 1] is out of range (1…1048576)"))
        let dilated = config().replacingOccurrences(of: "\"dilation_rate\": [1, 1, 1]", with: "\"dilation_rate\": [1, -3, 1]")
        #expect(importError(try writeModel(dilated)).contains("dilation_rate [1, -3, 1] is out of range"))
        let crop = """
        {"class_name": "Cropping3D", "name": "extra", "config": {"name": "extra", "cropping": [[0, 1099511627776], [0, 0], [0, 0]]},
         "inbound_nodes": [[["conv", 0, 0, {}]]]}
        """
        #expect(importError(try writeModel(config(extraLayer: crop))).contains("cropping [0, 0, 0, 1099511627776, 0, 0] is out of range"))
    }

    @Test func keras3WeightsFileIsExplained() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let json = directory + "/model.json"
        try Data(config().utf8).write(to: URL(fileURLWithPath: json))
        let weights = directory + "/model.weights.h5"
        try HDF5File(creating: weights).root.writeDataset("layers/conv3d/vars/0", shape: [1], values: [0])
        let error = #expect(throws: ImportError.self) { try KerasImporter.importModel(json: json, weights: weights) }
        #expect(error?.description.contains("Keras 3 .weights.h5 file") == true)
    }

    @Test func keras1AndTheanoFilesAreRefused() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/old.h5"
        let file = try HDF5File(creating: path)
        try file.root.writeStringAttribute("model_config", [config()], asArray: false)
        try file.flush()
        #expect(importError(path).contains("no keras_version attribute: a Keras 1 file"))
    }
}
