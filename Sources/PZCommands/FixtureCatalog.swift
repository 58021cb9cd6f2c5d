import Foundation
import PZGraph
import PZImport
import PZPatchIO

/// The fixtures of a checkout: `Fixtures/<group>/<name>/` holding a Caffe net
/// (`net.prototxt` with `net.caffemodel` or `net.caffemodel.h5`) or a Keras model
/// (`model.h5`, or `model.json` with `weights.h5`), and their golden data in
/// `Golden/<group>/<name>/`.
struct FixtureCatalog {
    struct Fixture {
        /// "caffe/residual_block3d".
        var name: String
        var goldenDirectory: String
        var load: () throws -> Graph
    }

    static func fixtures(root: String, goldenRoot: String) throws -> [Fixture] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("\(root): no fixtures directory here (run from the pzconv checkout, or give --fixtures DIR)")
        }
        var found: [Fixture] = []
        for group in try manager.contentsOfDirectory(atPath: root).sorted() {
            let groupPath = "\(root)/\(group)"
            guard manager.fileExists(atPath: groupPath, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for name in try manager.contentsOfDirectory(atPath: groupPath).sorted() {
                let directory = "\(groupPath)/\(name)"
                // A fixture kept for an op pzconv does not import yet says so in UNSUPPORTED.
                guard !manager.fileExists(atPath: "\(directory)/UNSUPPORTED"),
                      let load = loader(directory, goldenDirectory: "\(goldenRoot)/\(group)/\(name)") else { continue }
                found.append(Fixture(name: "\(group)/\(name)", goldenDirectory: "\(goldenRoot)/\(group)/\(name)", load: load))
            }
        }
        guard !found.isEmpty else { throw CommandError("\(root): no fixtures found") }
        return found
    }

    private static func loader(_ directory: String, goldenDirectory: String) -> (() throws -> Graph)? {
        let exists = { (name: String) in FileManager.default.fileExists(atPath: "\(directory)/\(name)") }
        if exists("net.prototxt") {
            let weights = exists("net.caffemodel") ? "net.caffemodel" : "net.caffemodel.h5"
            return { try CaffeImporter.importModel(prototxt: "\(directory)/net.prototxt", weights: "\(directory)/\(weights)") }
        }
        if exists("model.json") {
            return { try KerasImporter.importModel(json: "\(directory)/model.json", weights: "\(directory)/weights.h5") }
        }
        if exists("model.onnx") {
            // The golden input's shape fixes a model's dynamic dimensions.
            return {
                let input = "\(goldenDirectory)/input.npy"
                let shape = FileManager.default.fileExists(atPath: input) ? try NPYFile.read(input).shape : nil
                return try ONNXImporter.importModel(path: "\(directory)/model.onnx", inputShape: InputShapeOverride(single: shape))
            }
        }
        if exists("model.h5") {
            return { try KerasImporter.importModel(h5: "\(directory)/model.h5") }
        }
        return nil
    }
}
