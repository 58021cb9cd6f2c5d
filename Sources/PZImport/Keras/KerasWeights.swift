import PZGraph
import PZHDF5

/// One saved weight: its name as `weight_names` lists it and its shape; the
/// values are read only on request, after the shape has been checked against the
/// layer's config (a damaged or hostile file may declare any size).
struct KerasWeight {
    var name: String
    var shape: [Int]
    let dataset: HDF5Dataset

    /// The values, converted to float32, in the dataset's C order.
    func readValues() throws -> [Float] { try dataset.readFloats() }

    /// The weight's own name without scope and `:0`: `conv3d/kernel:0` → `kernel`.
    var baseName: String {
        var last = name.split(separator: "/").last.map(String.init) ?? name
        if let colon = last.firstIndex(of: ":") { last = String(last[..<colon]) }
        return last
    }

    /// The scope components before the base name: `inner/conv/kernel:0` → [inner, conv].
    var scopes: [String] { name.split(separator: "/").dropLast().map(String.init) }
}

/// The weights of a Keras model saved in the legacy HDF5 layout: one group per
/// top-level layer, named after it, whose `weight_names` attribute lists the
/// layer's datasets in order (paths relative to the group, possibly with `/`).
/// Layer order comes from `layer_names` (chunked as `layer_names0`, … when long).
///
/// A nested model's weights live in one group named after the nested model.
struct KerasWeights {
    let path: String
    private let root: HDF5Group

    /// `group` is `/model_weights` of a full-model file, or the root of a
    /// weights-only file.
    init(group: HDF5Group, path: String) {
        root = group
        self.path = path
    }

    /// Opens the weights in a weights file (Keras 2 `save_weights`, or a full
    /// model file used for its weights).
    static func open(_ path: String, memoryLimit: MemoryLimit) throws -> KerasWeights {
        try open(HDF5File(readingFrom: path, memoryLimit: memoryLimit))
    }

    /// The weights in an open weights file (a file, or an image in memory).
    static func open(_ file: HDF5File) throws -> KerasWeights {
        let path = file.path
        let root = try file.root
        if try hasNameList(root, "layer_names") { return KerasWeights(group: root, path: path) }
        if root.hasGroup("model_weights") { return KerasWeights(group: try root.group("model_weights"), path: path) }
        if root.hasGroup("layers") {
            throw ImportError("\(path): this is a Keras 3 .weights.h5 file (object-path layout); pzconv reads weights "
                              + "saved in the legacy HDF5 layout (model.save(\"model.h5\"))")
        }
        throw ImportError("\(path): no Keras weights found (neither a layer_names attribute nor a /model_weights group)")
    }

    /// The layer names, in model order.
    func layerNames() throws -> [String] { try KerasWeights.nameList(root, "layer_names") }

    /// The saved weights of the top-level layer `name`, in `weight_names` order;
    /// empty when the layer has none (or no group).
    func weights(ofTopLevelLayer name: String) throws -> [KerasWeight] {
        guard root.hasGroup(name) else { return [] }
        let group = try root.group(name)
        let names = try KerasWeights.nameList(group, "weight_names")
        return try names.map { weightName in
            guard group.hasDataset(weightName) else {
                throw ImportError("\(path): weight '\(weightName)' of layer '\(name)' is listed but missing "
                                  + "(no dataset \(group.childPath(weightName)))")
            }
            let dataset = try group.dataset(weightName)
            return KerasWeight(name: weightName, shape: try dataset.shape(), dataset: dataset)
        }
    }

    /// A list attribute, joined from its chunks (`name0`, `name1`, …) when Keras
    /// split it for being longer than the HDF5 object-header limit.
    static func nameList(_ group: HDF5Group, _ name: String) throws -> [String] {
        if group.hasAttribute(name) { return try group.stringsAttribute(name) }
        var chunks: [String] = []
        var index = 0
        while group.hasAttribute("\(name)\(index)") {
            chunks += try group.stringsAttribute("\(name)\(index)")
            index += 1
        }
        return chunks
    }

    static func hasNameList(_ group: HDF5Group, _ name: String) throws -> Bool {
        group.hasAttribute(name) || group.hasAttribute("\(name)0")
    }
}
