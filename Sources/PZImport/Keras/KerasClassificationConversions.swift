import PZGraph

/// How a Keras tensor relates to its IR tensor (always 5-D NCDHW).
enum KerasTensorForm: Equatable {
    /// The model's layout (NDHWC, NCDHW, …).
    case full
    /// [N, C] (after global pooling, Dense, Reshape to one axis): IR [N, C, 1, 1, 1].
    case flat
    /// A Flatten of a tensor with spatial extent: the IR tensor keeps the
    /// spatial axes; only a Dense layer may read it (as a full-extent convolution).
    /// `channelsLast`: the flattened order is D, H, W, C (a channels_last model, or
    /// a channels_first Flatten, which Keras transposes first); otherwise C, D, H, W
    /// (a channels_first tensor flattened as it is stored).
    case flattened(channelsLast: Bool)

    var isFlattened: Bool { if case .flattened = self { true } else { false } }
}

/// Classification heads, squeeze-excitation and the normalizations of Keras
/// repositories: global pooling, Flatten, Dense, Reshape, broadcasting Multiply,
/// keras_contrib InstanceNormalization and GroupNormalization.
extension KerasLayerConversion {
    /// The form of the layer's output (see `KerasTensorForm`).
    func outputForm(outputShape: [Int]) throws -> KerasTensorForm {
        switch layer.className {
        case "GlobalAveragePooling3D", "GlobalAveragePooling2D", "GlobalMaxPooling3D", "GlobalMaxPooling2D":
            return config["keepdims"]?.bool == true ? .full : .flat
        case "Flatten":
            return outputShape[2...].allSatisfy { $0 == 1 } ? .flat : .flattened(channelsLast: try flattenOrderIsChannelsLast())
        case "Dense":
            return inputForms[0] == .full ? .full : .flat
        case "Reshape":
            return (config["target_shape"]?.array?.count ?? 0) == 1 ? .flat : .full
        default:
            if inputForms.contains(where: \.isFlattened) { throw fail("reads a Flatten of a spatial tensor; only Dense may (as a convolution)") }
            return inputForms.contains(.full) || inputForms.isEmpty ? .full : .flat
        }
    }

    func globalPooling() throws -> Node {
        try expectInputs(1)
        try checkDataFormat(rank: layer.className.hasSuffix("3D") ? 3 : 2)
        let method: PoolingParameters.Method = layer.className.hasPrefix("GlobalMax") ? .max : .average
        return node(.pooling(PoolingParameters(method: method, kernel: Array(inputShapes[0][2...]), stride: [1, 1, 1],
                                               rounding: .floor, averageCountsPadding: false)))
    }

    /// An identity node whose output is the flat (or flattened) view.
    func flatten() throws -> Node {
        try expectInputs(1)
        guard !inputForms[0].isFlattened else { throw fail("flattens a tensor twice") }
        _ = try flattenOrderIsChannelsLast()
        return node(.dropout)
    }

    /// Whether this Flatten orders its values D, H, W, C (see `KerasTensorForm.flattened`).
    /// Keras' Flatten defaults to the `image_data_format` (channels_last), whatever
    /// the model's convolutions use.
    func flattenOrderIsChannelsLast() throws -> Bool {
        let format = config["data_format"]?.string ?? "channels_last"
        let modelChannelsLast = layout.axes.last == "C"
        switch (modelChannelsLast, format) {
        case (true, "channels_last"): return true
        case (false, "channels_first"): return true   // Keras moves the channels last, then flattens
        case (false, "channels_last"): return false   // the channels_first tensor flattened as stored
        default: throw fail("data_format \(format) on a channels_last tensor is not supported")
        }
    }

    /// Dense as a convolution: 1×1×1 on a flat input (or on the channels of a
    /// channels_last tensor), full-extent on a flattened one (the kernel's rows in
    /// Keras' flatten order: D, H, W, C for channels_last, C, D, H, W for channels_first).
    func dense() throws -> [Node] {
        try expectInputs(1)
        let input = inputShapes[0]
        let channels = input[1], spatial = Array(input[2...])
        let units = try positive("units")
        let useBias = config["use_bias"]?.bool ?? true
        let saved = try namedWeights(useBias ? ["kernel", "bias"] : ["kernel"])
        let channelsLast = layout.axes.last == "C"
        var channelsLastRows = true
        var kernel = spatial
        let rows: Int
        switch inputForms[0] {
        case .flat:
            kernel = [1, 1, 1]
            rows = channels
        case .flattened(let channelsLastOrder):
            rows = channels * spatial.elementCount
            channelsLastRows = channelsLastOrder
        case .full:
            guard channelsLast else { throw fail("Dense on a channels_first tensor acts on W, which pzconv does not support") }
            kernel = [1, 1, 1]
            rows = channels
        }
        let values = try checked(saved["kernel"]!, shape: [rows, units], role: "kernel").readValues()
        let positions = kernel.elementCount
        var weight = [Float](repeating: 0, count: units * channels * positions)
        for u in 0..<units {
            for c in 0..<channels {
                for p in 0..<positions {
                    let row = channelsLastRows ? p * channels + c : c * positions + p
                    weight[(u * channels + c) * positions + p] = values[row * units + u]
                }
            }
        }
        var weights: [WeightRole: Tensor] = [.weight: Tensor(shape: [units, channels] + kernel, values: weight)]
        if useBias {
            weights[.bias] = Tensor(shape: [units], values: try checked(saved["bias"]!, shape: [units], role: "bias").readValues())
        }
        return try withActivation(node(.convolution(ConvolutionParameters(outputChannels: units, kernel: kernel)), weights: weights))
    }

    /// Reshape between [N, C] and [N, 1, 1, 1, C] (channels_last) or [N, C, 1, 1, 1]:
    /// the IR tensor is the same, so an identity.
    func reshape() throws -> Node {
        try expectInputs(1)
        guard let target = config["target_shape"]?.array?.compactMap(\.int), !target.isEmpty else {
            throw fail("target_shape is missing or not a list of integers")
        }
        let channels = inputShapes[0][1]
        let spatialOnes = inputShapes[0][2...].allSatisfy { $0 == 1 }
        let rank = layout.axes.count - 1
        let channelPosition = layout.axes.last == "C" ? rank - 1 : 0
        let expectedFull = (0..<rank).map { $0 == channelPosition ? channels : 1 }
        guard spatialOnes, !inputForms[0].isFlattened,
              target == [channels] || target == [-1] || target.map({ $0 == -1 ? channels : $0 }) == expectedFull else {
            throw fail("target_shape \(target) is not supported (only between [C] and a per-channel \(expectedFull) shape, "
                       + "as squeeze-excitation blocks reshape)")
        }
        return node(.dropout)
    }

    /// Multiply of tensors of one shape (Eltwise), or of a tensor and a per-channel
    /// one ([N, C, 1, 1, 1], squeeze-excitation) as ChannelScale.
    func multiply() throws -> Node {
        try expectInputs(atLeast: 2)
        if inputs.count == 2, inputShapes[0] != inputShapes[1] {
            for (x, s) in [(0, 1), (1, 0)] where inputShapes[s] == [inputShapes[x][0], inputShapes[x][1], 1, 1, 1] {
                return Node(name: nodeName, op: .channelScale, inputs: [inputs[x], inputs[s]], outputs: [nodeName],
                            sourceLayers: [sourceLayer])
            }
        }
        return try merge(EltwiseParameters(operation: .product))
    }

    /// keras_contrib's InstanceNormalization: over every axis but the batch and
    /// `axis` (every axis but the batch when `axis` is None), `(x − mean) / (σ + ε)`
    /// with the population σ, then `· gamma + beta`.
    func instanceNormalization() throws -> Node {
        try expectInputs(1)
        let channels = inputShapes[0][1]
        let axis = config["axis"]
        let groups: Int
        if axis == nil || axis!.isNull {
            groups = 1
        } else {
            guard let value = axis!.int, try irAxis(value, field: "axis") == 1 else {
                throw fail("axis \(axis!) is not the channel axis of \(layout) tensors")
            }
            groups = channels
        }
        let weights = try affineWeights(count: groups == 1 ? 1 : channels, channels: channels)
        return node(.groupNorm(GroupNormParameters(groups: groups, epsilon: Float(config["epsilon"]?.double ?? 1e-3),
                                                   epsilonOutsideRoot: true, isInstanceNorm: groups == channels)),
                    weights: weights)
    }

    /// Keras' GroupNormalization: `groups` groups of consecutive channels,
    /// `(x − mean) / √(variance + ε)`, then `· gamma + beta`.
    func groupNormalization() throws -> Node {
        try expectInputs(1)
        let channels = inputShapes[0][1]
        let axis = config["axis"]?.int ?? config["axis"]?.array?.first?.int ?? -1
        guard try irAxis(axis, field: "axis") == 1 else { throw fail("axis \(axis) is not the channel axis of \(layout) tensors") }
        let groups = try positive("groups")
        guard channels % groups == 0 else { throw fail("\(groups) groups do not divide \(channels) channels") }
        return node(.groupNorm(GroupNormParameters(groups: groups, epsilon: Float(config["epsilon"]?.double ?? 1e-3))),
                    weights: try affineWeights(count: channels, channels: channels))
    }

    /// gamma (when `scale`) and beta (when `center`), `count` values each, as per-channel weights.
    private func affineWeights(count: Int, channels: Int) throws -> [WeightRole: Tensor] {
        let scale = config["scale"]?.bool ?? true, center = config["center"]?.bool ?? true
        let roles = (scale ? ["gamma"] : []) + (center ? ["beta"] : [])
        guard !roles.isEmpty else { return [:] }
        let saved = try namedWeights(roles)
        var weights: [WeightRole: Tensor] = [:]
        for (role, weightRole) in [("gamma", WeightRole.scale), ("beta", .bias)] where saved[role] != nil {
            let values = try checked(saved[role]!, shape: [count], role: role).readValues()
            weights[weightRole] = Tensor(shape: [channels], values: count == channels ? values : Array(repeating: values[0], count: channels))
        }
        return weights
    }
}
