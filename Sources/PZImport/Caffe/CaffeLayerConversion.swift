import PZGraph

/// Converts one Caffe layer into IR nodes (usually one). Reads the layer's
/// parameters and weights; shapes of its inputs come from the builder.
struct CaffeLayerConversion {
    let builder: CaffeGraphBuilder
    let layer: CaffeLayer
    /// IR tensors of the layer's bottoms.
    let inputs: [String]
    /// IR tensors for the layer's tops.
    let outputs: [String]
    let unnamedOrdinal: Int

    /// The layer types pzconv imports.
    static let supportedTypes = [
        "Input", "Convolution", "Deconvolution", "Pooling", "PoolingND", "BatchNorm", "Scale", "Bias", "ReLU", "ELU",
        "PReLU", "Sigmoid", "TanH", "Softmax", "Eltwise", "Concat", "Crop", "MergeCrop", "Dropout", "Split",
    ]

    private static let dataLayerTypes: Set<String> = [
        "Data", "ImageData", "HDF5Data", "MemoryData", "DummyData", "WindowData", "Python", "VideoData",
    ]

    func fail(_ message: String) -> ImportError { builder.fail(layer, message) }

    func nodes() throws -> [Node] {
        switch layer.type {
        case "Input": return try inputNodes()
        case "Convolution", "Deconvolution": return try convolution()
        case "Pooling", "PoolingND": return [try pooling()]
        case "BatchNorm": return try batchNorm()
        case "Scale": return [try scale()]
        case "Bias": return [try bias()]
        case "ReLU":
            let slope = layer.parameters.message("relu_param").real("negative_slope")
            return [try single(.activation(.relu(negativeSlope: Float(slope))))]
        case "ELU":
            return [try single(.activation(.elu(alpha: Float(layer.parameters.message("elu_param").real("alpha")))))]
        case "PReLU": return [try prelu()]
        case "Sigmoid": return [try single(.activation(.sigmoid))]
        case "TanH": return [try single(.activation(.tanh))]
        case "Softmax":
            let axis = try irAxis(layer.parameters.message("softmax_param").integer("axis"), field: "softmax_param.axis")
            return [try single(.softmax(SoftmaxParameters(axis: axis)))]
        case "Dropout": return [try single(.dropout)]
        case "Split":
            try expectBottoms(1)
            return [node(.split)]
        case "Eltwise": return [try eltwise()]
        case "Concat": return [try concat()]
        case "Crop": return [try crop()]
        case "MergeCrop": return [try mergeCrop()]
        default:
            if CaffeLayerConversion.dataLayerTypes.contains(layer.type) {
                throw fail("data layers read training datasets; import a deploy prototxt whose inputs are Input layers "
                           + "or input/input_shape fields")
            }
            throw fail("layer type '\(layer.type)' is not supported (pzconv imports: "
                       + CaffeLayerConversion.supportedTypes.joined(separator: ", ") + ")")
        }
    }

    // MARK: Building blocks

    func node(_ op: Op, weights: [WeightRole: Tensor] = [:]) -> Node {
        Node(name: layer.name, op: op, inputs: inputs, outputs: outputs, weights: weights, sourceLayers: [layer.name])
    }

    private func single(_ op: Op) throws -> Node {
        try expectBottoms(1)
        try expectTops(1)
        return node(op)
    }

    func expectBottoms(_ count: Int) throws {
        guard inputs.count == count else { throw fail("needs \(count) bottom blob(s), has \(inputs.count)") }
    }

    func expectTops(_ count: Int) throws {
        guard outputs.count == count else { throw fail("needs \(count) top blob(s), has \(outputs.count)") }
    }

    /// IR shape of input `index`.
    func inputShape(_ index: Int = 0) -> [Int] { builder.shapes[inputs[index]]! }

    /// Caffe rank (4 or 5) of input `index`.
    func inputRank(_ index: Int = 0) -> Int { builder.ranks[inputs[index]] ?? 5 }

    /// Maps a Caffe axis of the first input (negative counts from the end) to the
    /// NCDHW axis: 4-D blobs are N, C, H, W.
    func irAxis(_ caffeAxis: Int, field: String) throws -> Int {
        let rank = inputRank()
        let axis = caffeAxis < 0 ? caffeAxis + rank : caffeAxis
        guard (0..<rank).contains(axis) else { throw fail("\(field) \(caffeAxis) is out of range for a \(rank)-D blob") }
        return rank == 4 && axis >= 2 ? axis + 1 : axis
    }

    /// The layer's blobs from the weights file, checked for count.
    func blobs(expected count: ClosedRange<Int>) throws -> [CaffeBlob] {
        let blobs = try builder.blobs(for: layer, ordinal: unnamedOrdinal)
        guard count.contains(blobs.count) else {
            throw ImportError("\(builder.weights.path): \(layer.label) has \(blobs.count) blob(s), expected "
                              + (count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) or \(count.upperBound)"))
        }
        return blobs
    }

    /// Blob `index` as a tensor of `irShape`, after checking it against Caffe's
    /// expected `caffeShape` (legacy 4-D blobs are matched by element count).
    func tensor(_ blobs: [CaffeBlob], _ index: Int, caffeShape: [Int], irShape: [Int]) throws -> Tensor {
        let blob = blobs[index]
        let matches = blob.isLegacyShape ? blob.values.count == caffeShape.elementCount : blob.shape == caffeShape
        guard matches else {
            throw ImportError("\(builder.weights.path): \(layer.label) blob \(index) has shape \(blob.shape.shapeDescription), "
                              + "expected \(caffeShape.shapeDescription)")
        }
        return Tensor(shape: irShape, values: blob.values)
    }

    /// A per-channel blob (C values, in any shape whose other dimensions are 1).
    func perChannel(_ blobs: [CaffeBlob], _ index: Int, channels: Int) throws -> Tensor {
        let blob = blobs[index]
        guard blob.values.count == channels, blob.shape.filter({ $0 != 1 }).count <= 1 else {
            throw ImportError("\(builder.weights.path): \(layer.label) blob \(index) has shape \(blob.shape.shapeDescription), "
                              + "expected \(channels)")
        }
        return Tensor(shape: [channels], values: blob.values)
    }

    /// `node` followed by a ReLU, for the naibaf7 fork's fused layers
    /// (`fuse_type: FUSED_CONV_RELU`, `fused_relu: true`): the node writes an
    /// intermediate tensor, the ReLU writes the layer's top.
    func followedByReLU(_ node: Node, negativeSlope: Double) -> [Node] {
        var first = node
        first.outputs = [outputs[0] + "#before-relu"]
        let relu = Node(name: layer.name + "/relu", op: .activation(.relu(negativeSlope: Float(negativeSlope))),
                        inputs: first.outputs, outputs: outputs, sourceLayers: [layer.name])
        return [first, relu]
    }

    // MARK: Simple layers

    private func inputNodes() throws -> [Node] {
        try expectBottoms(0)
        var shapes: [[Int]]
        if let legacy = layer.legacyInputShapes {
            shapes = legacy
        } else {
            shapes = layer.parameters.message("input_param").messages("shape").map { $0.integers("dim") }
            if shapes.count == 1 { shapes = Array(repeating: shapes[0], count: outputs.count) }
        }
        var nodes: [Node] = []
        for (index, top) in layer.tops.enumerated() {
            var shape = index < shapes.count ? shapes[index] : []
            if let override = builder.inputShapes[top] { shape = override }
            guard !shape.isEmpty else {
                throw fail("input '\(top)' has no shape; give one in the prototxt or with --input-shape")
            }
            guard shape.count == 4 || shape.count == 5, shape.allSatisfy({ $0 >= 1 }) else {
                throw fail("input '\(top)' has shape \(shape); pzconv takes 4-D (N,C,H,W) or 5-D (N,C,D,H,W) inputs")
            }
            let layout: DataLayout = shape.count == 4 ? .nchw : .ncdhw
            let parameters = InputParameters(shape: layout.canonicalShape(fromSource: shape)!, sourceLayout: layout)
            nodes.append(Node(name: top, op: .input(parameters), inputs: [], outputs: [outputs[index]],
                              sourceLayers: [layer.name]))
        }
        return nodes
    }

    private func eltwise() throws -> Node {
        try expectTops(1)
        guard inputs.count >= 2 else { throw fail("needs at least 2 bottom blobs, has \(inputs.count)") }
        let parameters = layer.parameters.message("eltwise_param")
        let coefficients = parameters.reals("coeff").map { Float($0) }
        switch parameters.enumName("operation") {
        case "SUM":
            guard coefficients.isEmpty || coefficients.count == inputs.count else {
                throw fail("eltwise_param has \(coefficients.count) coeff values for \(inputs.count) bottoms")
            }
            return node(.eltwise(EltwiseParameters(operation: .sum, coefficients: coefficients.isEmpty ? nil : coefficients)))
        case let operation:
            guard coefficients.isEmpty else { throw fail("eltwise_param coeff is only allowed with operation SUM") }
            return node(.eltwise(EltwiseParameters(operation: operation == "PROD" ? .product : .max)))
        }
    }

    private func concat() throws -> Node {
        try expectTops(1)
        guard !inputs.isEmpty else { throw fail("needs at least 1 bottom blob") }
        let parameters = layer.parameters.message("concat_param")
        let caffeAxis = parameters.has("axis") || !parameters.has("concat_dim")
            ? parameters.integer("axis") : parameters.integer("concat_dim")
        return node(.concat(ConcatParameters(axis: try irAxis(caffeAxis, field: "concat_param.axis"))))
    }

    /// Caffe Crop: axes ≥ `axis` take bottom 1's size; offsets: none (0), one for
    /// all cropped axes, or one per cropped axis.
    private func crop() throws -> Node {
        try expectBottoms(2)
        try expectTops(1)
        let parameters = layer.parameters.message("crop_param")
        let rank = inputRank()
        let caffeAxis = parameters.integer("axis") < 0 ? parameters.integer("axis") + rank : parameters.integer("axis")
        guard (0..<rank).contains(caffeAxis) else { throw fail("crop_param.axis \(parameters.integer("axis")) is out of range") }
        let given = parameters.integers("offset")
        let cropped = rank - caffeAxis
        guard given.count <= 1 || given.count == cropped else {
            throw fail("crop_param has \(given.count) offsets for \(cropped) cropped axes (give 0, 1 or \(cropped))")
        }
        var offsets = [0, 0, 0, 0, 0]
        for caffeIndex in caffeAxis..<rank {
            let value = given.isEmpty ? 0 : given.count == 1 ? given[0] : given[caffeIndex - caffeAxis]
            offsets[try irAxis(caffeIndex, field: "crop_param.axis")] = value
        }
        return node(.crop(CropParameters(offsets: offsets, referenceAxis: try irAxis(caffeAxis, field: "crop_param.axis"))))
    }

    private func mergeCrop() throws -> Node {
        try expectBottoms(2)
        try expectTops(1)
        let parameters = layer.parameters.message("mergecrop_param")
        if parameters.values("forward").contains(.boolean(false)) {
            throw fail("mergecrop_param forward: false (zeroing an input) is not supported")
        }
        let operation: MergeCropParameters.Operation = parameters.enumName("operation") == "ADD" ? .add : .stack
        return node(.mergeCrop(MergeCropParameters(operation: operation)))
    }
}
