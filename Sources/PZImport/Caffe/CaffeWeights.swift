import CCaffeProto
import PZGraph
import PZHDF5

/// One learned parameter blob of a Caffe layer.
struct CaffeBlob {
    /// The blob's shape: `shape.dim`, or the legacy 4-D (num, channels, height,
    /// width) when any of those was written (formats.md §1.3).
    var shape: [Int]
    var isLegacyShape: Bool
    var values: [Float]
}

/// The weights of a trained Caffe net, by layer, from a `.caffemodel` (binary
/// protobuf) or a `.caffemodel.h5` (HDF5, `/data/<layer>/<i>`).
///
/// Matching follows Caffe: by layer name, the last source layer of a name
/// winning. Unnamed layers (empty names, which only the binary format can hold)
/// are matched in order: the k-th unnamed layer of a type in the net takes the
/// k-th unnamed layer of that type in the file. In an HDF5 file an unnamed layer
/// is looked up under its generated name (`Deconvolution1`).
struct CaffeWeights {
    let path: String
    /// Blobs of named layers.
    private var byName: [String: [CaffeBlob]] = [:]
    /// Blobs of unnamed layers by type, in file order.
    private var unnamedByType: [String: [[CaffeBlob]]] = [:]
    private var hdf5: HDF5Group?

    /// Opens a weights file, choosing the format as Caffe does (HDF5 signature).
    init(path: String, memoryLimit: MemoryLimit = .machine) throws {
        self.path = path
        if HDF5File.isHDF5(path: path) {
            try useHDF5(HDF5File(readingFrom: path, memoryLimit: memoryLimit))
        } else {
            try loadBinary(try readFileBytes(path))
        }
    }

    /// Reads the bytes of a weights file held in memory, telling the formats apart
    /// by the HDF5 signature as `init(path:)` does; `path` names the file in errors.
    init(bytes: [UInt8], path: String, memoryLimit: MemoryLimit = .machine) throws {
        self.path = path
        if HDF5File.isHDF5(bytes: bytes) {
            try useHDF5(HDF5File(image: bytes, name: path, memoryLimit: memoryLimit))
        } else {
            try loadBinary(bytes)
        }
    }

    private mutating func useHDF5(_ file: HDF5File) throws {
        guard try file.root.hasGroup("data") else {
            throw ImportError("\(path): an HDF5 file without a /data group is not a Caffe .caffemodel.h5")
        }
        hdf5 = try file.root.group("data")
    }

    /// The blobs for `layer`, or nil when the file has none for it.
    /// `unnamedOrdinal` is the layer's position among the net's unnamed layers of
    /// its type (0 for the first).
    func blobs(for layer: CaffeLayer, unnamedOrdinal: Int) throws -> [CaffeBlob]? {
        if let hdf5 { return try hdf5Blobs(group: hdf5, layer: layer.name) }
        if layer.isUnnamed, let candidates = unnamedByType[layer.type], unnamedOrdinal < candidates.count {
            return candidates[unnamedOrdinal]
        }
        return byName[layer.name]
    }

    // MARK: Binary .caffemodel

    private mutating func loadBinary(_ bytes: [UInt8]) throws {
        guard let model = caffe__caffe_model_weights__unpack(nil, bytes.count, bytes) else {
            throw ImportError("\(path): not a valid Caffe model (truncated or corrupted protobuf)")
        }
        defer { caffe__caffe_model_weights__free_unpacked(model, nil) }
        for index in 0..<model.pointee.n_layer {
            let layer = model.pointee.layer[index]!.pointee
            try record(name: string(layer.name), type: string(layer.type), blobs: layer.blobs, count: layer.n_blobs)
        }
        for index in 0..<model.pointee.n_layers {
            let layer = model.pointee.layers[index]!.pointee
            let enumName = V1TypeNumbers.names[Int(layer.type)] ?? ""
            let type = CaffeNetDescription.v1TypeNames[enumName] ?? enumName
            try record(name: string(layer.name), type: type, blobs: layer.blobs, count: layer.n_blobs)
        }
    }

    private mutating func record(name: String, type: String, blobs: UnsafeMutablePointer<UnsafeMutablePointer<Caffe__BlobProto>?>?,
                                 count: Int) throws {
        var converted: [CaffeBlob] = []
        for index in 0..<count {
            converted.append(try blob(blobs![index]!.pointee, layer: name.isEmpty ? "(unnamed \(type))" : name, index: index))
        }
        if name.isEmpty {
            unnamedByType[type, default: []].append(converted)
        } else {
            byName[name] = converted
        }
    }

    private func blob(_ proto: Caffe__BlobProto, layer: String, index: Int) throws -> CaffeBlob {
        let isLegacy = proto.has_num != 0 || proto.has_channels != 0 || proto.has_height != 0 || proto.has_width != 0
        let shape: [Int]
        if isLegacy {
            shape = [proto.num, proto.channels, proto.height, proto.width].map { Int(clamping: $0) }
        } else if let shapeMessage = proto.shape {
            shape = (0..<shapeMessage.pointee.n_dim).map { Int(clamping: shapeMessage.pointee.dim[$0]) }
        } else {
            shape = []
        }
        let values: [Float]
        if proto.n_double_data > 0 {
            values = (0..<proto.n_double_data).map { Float(proto.double_data[$0]) }
        } else if proto.n_data > 0 {
            values = Array(UnsafeBufferPointer(start: proto.data, count: proto.n_data))
        } else if proto.has_packed_data != 0 {
            throw ImportError("\(path): layer '\(layer)' blob \(index) is stored as packed_data (a fork's half-precision "
                              + "format), which pzconv does not read")
        } else {
            values = []
        }
        guard shape.allSatisfy({ $0 >= 0 }), shape.checkedElementCount == values.count else {
            throw ImportError("\(path): layer '\(layer)' blob \(index) has \(values.count) values for shape "
                              + "\(shape.shapeDescription)")
        }
        return CaffeBlob(shape: shape, isLegacyShape: isLegacy, values: values)
    }

    private func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    // MARK: HDF5 .caffemodel.h5

    private func hdf5Blobs(group data: HDF5Group, layer: String) throws -> [CaffeBlob]? {
        guard !layer.isEmpty, data.hasGroup(layer) else { return nil }
        let group = try data.group(layer)
        var blobs: [CaffeBlob] = []
        while group.hasDataset(String(blobs.count)) {
            let dataset = try group.dataset(String(blobs.count))
            let shape = try dataset.shape()
            blobs.append(CaffeBlob(shape: shape, isLegacyShape: false, values: try dataset.readFloats()))
        }
        return blobs
    }
}

/// V1LayerParameter.LayerType numbers → names (formats.md §1.9).
enum V1TypeNumbers {
    static let names: [Int: String] = [
        0: "NONE", 1: "ACCURACY", 2: "BNLL", 3: "CONCAT", 4: "CONVOLUTION", 5: "DATA", 6: "DROPOUT",
        7: "EUCLIDEAN_LOSS", 8: "FLATTEN", 9: "HDF5_DATA", 10: "HDF5_OUTPUT", 11: "IM2COL", 12: "IMAGE_DATA",
        13: "INFOGAIN_LOSS", 14: "INNER_PRODUCT", 15: "LRN", 16: "MULTINOMIAL_LOGISTIC_LOSS", 17: "POOLING",
        18: "RELU", 19: "SIGMOID", 20: "SOFTMAX", 21: "SOFTMAX_LOSS", 22: "SPLIT", 23: "TANH", 24: "WINDOW_DATA",
        25: "ELTWISE", 26: "POWER", 27: "SIGMOID_CROSS_ENTROPY_LOSS", 28: "HINGE_LOSS", 29: "MEMORY_DATA",
        30: "ARGMAX", 31: "THRESHOLD", 32: "DUMMY_DATA", 33: "SLICE", 34: "MVN", 35: "ABSVAL", 36: "SILENCE",
        37: "CONTRASTIVE_LOSS", 38: "EXP", 39: "DECONVOLUTION",
    ]
}
