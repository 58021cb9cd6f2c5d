import PZGraph

/// Converts one call of a Keras layer into IR nodes: the layer's op, then its
/// activation (if not linear) as a separate node. Keras weights are turned into
/// IR layouts here (kernels `spatial… × C_in × F` → `F × C_in × spatial…`).
struct KerasLayerConversion {
    let path: String
    let layer: KerasLayerSpec
    /// Name for the layer's node (scoped and numbered for shared layers).
    let nodeName: String
    let inputs: [String]
    /// IR (NCDHW) shapes of the inputs.
    let inputShapes: [[Int]]
    /// The model's source layout.
    let layout: DataLayout
    let weights: [KerasWeight]
    /// The layer's name as provenance (scoped for nested models).
    let sourceLayer: String
    /// The Keras form of each input (full, flat [N, C], or flattened).
    var inputForms: [KerasTensorForm] = []

    var config: JSONValue { layer.config }

    /// 3 for NDHWC/NCDHW models, 2 for NHWC/NCHW.
    var spatialRank: Int { layout.axes.count - 2 }

    /// Classes that are identities at inference.
    static let inferenceIdentities: Set<String> = [
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "GaussianNoise",
        "AlphaDropout", "ActivityRegularization",
    ]

    func fail(_ message: String) -> ImportError {
        ImportError("\(path): layer '\(sourceLayer)' (\(layer.className)): \(message)")
    }

    func nodes() throws -> [Node] {
        switch layer.className {
        case "Conv3D", "Conv2D": return try convolution()
        case "Conv3DTranspose", "Conv2DTranspose": return try transposedConvolution()
        case "BatchNormalization": return [try batchNormalization()]
        case "MaxPooling3D", "MaxPooling2D", "AveragePooling3D", "AveragePooling2D": return [try pooling()]
        case "UpSampling3D", "UpSampling2D": return [try upsampling()]
        case "Cropping3D", "Cropping2D": return [try cropping()]
        case "ZeroPadding3D", "ZeroPadding2D": return [try zeroPadding()]
        case "Concatenate":
            try expectInputs(atLeast: 1)
            return [node(.concat(ConcatParameters(axis: try irAxis(config["axis"]?.int ?? -1, field: "axis"))))]
        case "Add": return [try merge(EltwiseParameters(operation: .sum))]
        case "Subtract": return [try merge(EltwiseParameters(operation: .subtract), exactly: 2)]
        case "Multiply": return [try multiply()]
        case "Maximum": return [try merge(EltwiseParameters(operation: .max))]
        case "Average":
            let share = Float(1) / Float(inputs.count)
            return [try merge(EltwiseParameters(operation: .sum, coefficients: Array(repeating: share, count: inputs.count)))]
        case "Activation":
            try expectInputs(1)
            // A linear Activation makes no node: its output is its input.
            return try activationOp(config["activation"]).map { [node($0)] } ?? []
        case "ReLU": return [try reluLayer()]
        case "ELU":
            try expectInputs(1)
            return [node(.activation(.elu(alpha: Float(config["alpha"]?.double ?? 1))))]
        case "PReLU": return [try prelu()]
        case "LeakyReLU":
            try expectInputs(1)
            let slope = config["negative_slope"]?.double ?? config["alpha"]?.double ?? 0.3
            return [node(.activation(.relu(negativeSlope: Float(slope))))]
        case "Softmax":
            try expectInputs(1)
            let axis = config["axis"]?.int ?? config["axis"]?.array?.first?.int ?? -1
            return [node(.softmax(SoftmaxParameters(axis: try irAxis(axis, field: "axis"))))]
        case "GlobalAveragePooling3D", "GlobalAveragePooling2D", "GlobalMaxPooling3D", "GlobalMaxPooling2D":
            return [try globalPooling()]
        case "Flatten": return [try flatten()]
        case "Dense": return try dense()
        case "Reshape": return [try reshape()]
        case "InstanceNormalization": return [try instanceNormalization()]
        case "GroupNormalization": return [try groupNormalization()]
        case let className where KerasLayerConversion.inferenceIdentities.contains(className):
            try expectInputs(1)
            return [node(.dropout)]
        case "InputLayer":
            throw fail("an InputLayer is used as a called layer")
        default:
            throw fail("class '\(layer.className)' is not supported by pzconv (a custom or unsupported layer)")
        }
    }

    // MARK: Building blocks

    /// The layer's main node; reads the inputs, writes the tensor `name`.
    func node(_ op: Op, weights: [WeightRole: Tensor] = [:], name: String? = nil) -> Node {
        let name = name ?? nodeName
        return Node(name: name, op: op, inputs: inputs, outputs: [name], weights: weights, sourceLayers: [sourceLayer])
    }

    /// `main` followed by the activation in `config["activation"]`, if any.
    func withActivation(_ main: Node) throws -> [Node] {
        guard let op = try activationOp(config["activation"]) else { return [main] }
        var first = main
        first.name = nodeName + "/linear"
        first.outputs = [nodeName + "/linear"]
        return [first, Node(name: nodeName, op: op, inputs: first.outputs, outputs: [nodeName], sourceLayers: [sourceLayer])]
    }

    /// The op of a built-in activation (`"relu"`, or Keras 3's `{"config": "relu", …}`);
    /// nil for linear.
    func activationOp(_ value: JSONValue?) throws -> Op? {
        guard let value, !value.isNull else { return nil }
        guard let name = value.string ?? value["config"]?.string ?? value["class_name"]?.string else {
            throw fail("activation \(value) is not a built-in activation")
        }
        switch name {
        case "linear": return nil
        case "relu": return .activation(.relu(negativeSlope: 0))
        case "leaky_relu": return .activation(.relu(negativeSlope: 0.2))
        case "elu": return .activation(.elu(alpha: 1))
        case "sigmoid": return .activation(.sigmoid)
        case "tanh": return .activation(.tanh)
        case "softmax": return .softmax(SoftmaxParameters(axis: try irAxis(-1, field: "activation")))
        default: throw fail("activation '\(name)' is not supported (supported: relu, leaky_relu, elu, sigmoid, tanh, softmax, linear)")
        }
    }

    func expectInputs(_ count: Int) throws {
        guard inputs.count == count else { throw fail("is called with \(inputs.count) inputs, expected \(count)") }
    }

    func expectInputs(atLeast count: Int) throws {
        guard inputs.count >= count else { throw fail("is called with \(inputs.count) inputs, expected at least \(count)") }
    }

    /// A Keras axis of the layer's input (negative counts from the end) as an
    /// NCDHW axis.
    func irAxis(_ axis: Int, field: String) throws -> Int {
        if !inputForms.isEmpty, inputForms.allSatisfy({ $0 == .flat }) {
            // A flat [N, C] activation: its last axis is the channels.
            guard [-1, 1].contains(axis) else { throw fail("\(field) \(axis) is not the channel axis of a flat [N, C] tensor") }
            return 1
        }
        let rank = layout.axes.count
        let normalized = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(normalized) else { throw fail("\(field) \(axis) is out of range for \(rank)-D tensors") }
        return layout.canonicalIndices[normalized]
    }

    /// A per-axis tuple (an int for all axes, or one per spatial axis) of sizes
    /// from `minimum` to the IR's `Graph.maximumSpatialParameter`.
    func spatialTuple(_ key: String, default fallback: Int? = nil, minimum: Int = 1) throws -> [Int] {
        let value = config[key]
        var values: [Int]
        if let single = value?.int {
            values = Array(repeating: single, count: spatialRank)
        } else if let list = value?.array?.compactMap(\.int), list.count == spatialRank {
            values = list
        } else if (value == nil || value!.isNull), let fallback {
            values = Array(repeating: fallback, count: spatialRank)
        } else {
            throw fail("\(key) \(value.map { "\($0)" } ?? "is missing"); expected \(spatialRank) integers")
        }
        try checkSpatialRange(key, values, minimum: minimum)
        return values
    }

    /// Checks file-supplied spatial values lie in `minimum...Graph.maximumSpatialParameter`,
    /// so that no size arithmetic on them can overflow.
    func checkSpatialRange(_ key: String, _ values: [Int], minimum: Int) throws {
        guard values.allSatisfy({ (minimum...Graph.maximumSpatialParameter).contains($0) }) else {
            throw fail("\(key) \(values) is out of range (\(minimum)…\(Graph.maximumSpatialParameter))")
        }
    }

    /// A spatial list as the IR's three (D, H, W) values; 2-D layers get `neutral` for D.
    func threeD(_ values: [Int], neutral: Int) -> [Int] { spatialRank == 2 ? [neutral] + values : values }

    /// Checks the layer works in the model's layout and has the right spatial rank.
    func checkDataFormat(rank: Int) throws {
        guard rank == spatialRank else {
            throw fail("is a \(rank)-D layer in a model with \(spatialRank)-D inputs")
        }
        if let format = config["data_format"]?.string {
            let expected = layout.axes.last == "C" ? "channels_last" : "channels_first"
            guard format == expected else {
                throw fail("data_format \(format) differs from the model's other layers (\(expected)); mixed layouts are not supported")
            }
        }
    }

    /// The layer's saved weights by role. Roles are matched by the weights' own
    /// names (`kernel`, `bias`, `gamma`, …); when the names say nothing (old files
    /// with `param_0`), by position in `weight_names`, the order Keras saves them.
    func namedWeights(_ roles: [String]) throws -> [String: KerasWeight] {
        var byRole: [String: KerasWeight] = [:]
        for weight in weights where roles.contains(weight.baseName) { byRole[weight.baseName] = weight }
        if byRole.count == roles.count, weights.count == roles.count { return byRole }
        guard weights.count == roles.count else {
            let found = weights.map(\.name).joined(separator: ", ")
            throw fail("expected weights [\(roles.joined(separator: ", "))], the file has [\(found)]")
        }
        return Dictionary(uniqueKeysWithValues: zip(roles, weights))
    }

    /// Checks a weight's shape.
    func checked(_ weight: KerasWeight, shape: [Int], role: String) throws -> KerasWeight {
        guard weight.shape == shape else {
            throw fail("weight '\(weight.name)' (\(role)) has shape \(weight.shape.shapeDescription), expected \(shape.shapeDescription)")
        }
        return weight
    }

    /// `(…, a, b)` kernel → `(b, a, …)`: Keras' `spatial… × C_in × F` to the IR's
    /// `F × C_in × spatial…` (and the transposed conv's `spatial… × F × C_in` to
    /// `C_in × F × spatial…`). 2-D kernels gain a D axis of 1.
    func transposedKernel(_ weight: KerasWeight) throws -> Tensor {
        let spatial = Array(weight.shape.prefix(weight.shape.count - 2))
        let (a, b) = (weight.shape[weight.shape.count - 2], weight.shape[weight.shape.count - 1])
        let positions = spatial.elementCount
        let saved = try weight.readValues()
        var values = [Float](repeating: 0, count: saved.count)
        for position in 0..<positions {
            for i in 0..<a {
                for o in 0..<b {
                    values[(o * a + i) * positions + position] = saved[(position * a + i) * b + o]
                }
            }
        }
        return Tensor(shape: [b, a] + threeD(spatial, neutral: 1), values: values)
    }

    // MARK: Input layers

    /// An InputLayer's batch shape (`batch_shape` in Keras 3, `batch_input_shape`
    /// in Keras 2), with nil for unknown (None) dimensions.
    static func batchShape(of layer: KerasLayerSpec, path: String) throws -> [Int?] {
        guard let shape = (layer.config["batch_shape"] ?? layer.config["batch_input_shape"])?.array else {
            throw ImportError("\(path): input '\(layer.name)' has no batch_shape; give the patch shape with --input-shape")
        }
        return shape.map(\.int)
    }
}
