import PZGraph
import PZONNX

/// InstanceNormalization and GroupNormalization, and the Reshape → InstanceNormalization
/// → Reshape → Mul → Add that PyTorch exports for GroupNorm.
extension ONNXGraphImporter {
    mutating func convertNormalization(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], attributes: ONNXAttributes) throws {
        let epsilon = try attributes.float("epsilon", default: 1e-5)
        let output = node.outputs[0]
        switch (node.opType, arguments.first ?? nil) {
        case ("InstanceNormalization", .tensor(let x)?):
            let channels = shapes[x]![1]
            let weights = try affine(node, arguments, count: channels, channelsPerValue: 1)
            try add(.groupNorm(GroupNormParameters(groups: channels, epsilon: epsilon, isInstanceNorm: true)), node, inputs: [x],
                    output: output, weights: weights)
        case ("InstanceNormalization", .groupView(let x, let groups)?):
            let channels = shapes[x]![1]
            let weights = try affine(node, arguments, count: groups, channelsPerValue: channels / groups)
            try add(.groupNorm(GroupNormParameters(groups: groups, epsilon: epsilon)), node, inputs: [x], output: output,
                    weights: weights)
            values[output] = .groupNormalized(tensor: output, groups: groups)
        case ("GroupNormalization", .tensor(let x)?):
            let channels = shapes[x]![1]
            let groups = Int(try attributes.int("num_groups"))
            guard groups >= 1, channels % groups == 0 else { throw fail(node, "num_groups \(groups) does not divide \(channels) channels") }
            // Opset 18 gives scale and bias per group, opset 21 per channel.
            let scaleCount = (try? constant(arguments.count > 1 ? arguments[1] : nil, node, index: 1).values.count) ?? channels
            guard scaleCount > 0, channels % scaleCount == 0 else {
                throw fail(node, "scale has \(scaleCount) values for \(channels) channels in \(groups) groups")
            }
            let weights = try affine(node, arguments, count: scaleCount, channelsPerValue: channels / scaleCount)
            try add(.groupNorm(GroupNormParameters(groups: groups, epsilon: epsilon)), node, inputs: [x], output: output,
                    weights: weights)
        default:
            throw fail(node, "input 0 must be an activation (or its [N, groups, −1] view)")
        }
    }

    /// Scale and bias (inputs 1 and 2) of `count` values, each repeated for
    /// `channelsPerValue` channels; identity weights are left out.
    private func affine(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], count: Int, channelsPerValue: Int) throws
        -> [WeightRole: Tensor] {
        var weights: [WeightRole: Tensor] = [:]
        for (index, role, identity) in [(1, WeightRole.scale, 1.0), (2, .bias, 0.0)] {
            guard index < arguments.count, arguments[index] != nil else { continue }
            let value = try constant(arguments[index], node, index: index)
            guard value.values.count == count, count * channelsPerValue > 0 else {
                throw fail(node, "input \(index) has \(value.values.count) values, expected \(count)")
            }
            if value.values.allSatisfy({ $0 == identity }) { continue }
            let expanded = value.floats.flatMap { [Float](repeating: $0, count: channelsPerValue) }
            weights[role] = Tensor(shape: [expanded.count], values: expanded)
        }
        return weights
    }

    /// The elementary steps of a group normalization by σ + ε on a group view
    /// (ReduceMean, Sub, Mul, ReduceMean, Sqrt, Add ε, Div), as `pzconv export`
    /// writes keras_contrib's InstanceNormalization: the Div becomes the GroupNorm.
    mutating func convertGroupStatistic(_ node: ONNXNode, _ arguments: [ONNXImportedValue?], attributes: ONNXAttributes) throws {
        let output = node.outputs[0]
        func unexpected() -> ImportError {
            fail(node, "\(node.opType) of a [N, groups, −1] view is supported only as the steps of a group normalization")
        }
        switch (node.opType, arguments.first ?? nil, arguments.count > 1 ? arguments[1] : nil) {
        case ("ReduceMean", let view?, let axesArgument):
            let axes: [Int]?
            if case .constant(let value)? = axesArgument { axes = value.integers } else { axes = try attributes.intsIfPresent("axes") }
            guard try attributes.int("keepdims", default: 1) == 1, let axes, [[2], [-1]].contains(axes) else { throw unexpected() }
            switch view {
            case .groupView(let x, let groups): values[output] = .groupStatistic(tensor: x, groups: groups, stage: .mean)
            case .groupStatistic(let x, let groups, .squared): values[output] = .groupStatistic(tensor: x, groups: groups, stage: .variance)
            default: throw unexpected()
            }
        case ("Sub", .groupView(let x, let groups)?, .groupStatistic(let y, let g, .mean)?) where x == y && groups == g:
            values[output] = .groupStatistic(tensor: x, groups: groups, stage: .centered)
        case ("Mul", .groupStatistic(let x, let groups, .centered)?, _) where node.inputs.count == 2 && node.inputs[0] == node.inputs[1]:
            values[output] = .groupStatistic(tensor: x, groups: groups, stage: .squared)
        case ("Sqrt", .groupStatistic(let x, let groups, .variance)?, _):
            values[output] = .groupStatistic(tensor: x, groups: groups, stage: .deviation)
        case ("Add", .groupStatistic(let x, let groups, .deviation)?, .constant(let epsilon)?) where epsilon.values.count == 1:
            values[output] = .groupStatistic(tensor: x, groups: groups, stage: .divisor(epsilon: Float(epsilon.values[0])))
        case ("Div", .groupStatistic(let x, let groups, .centered)?, .groupStatistic(let y, let g, .divisor(let epsilon))?)
            where x == y && groups == g:
            try add(.groupNorm(GroupNormParameters(groups: groups, epsilon: epsilon, epsilonOutsideRoot: true,
                                                   isInstanceNorm: groups == shapes[x]![1])), node, inputs: [x], output: output)
            values[output] = .groupNormalized(tensor: output, groups: groups)
        default:
            throw unexpected()
        }
    }

    /// Reshape: an activation viewed as [N, G, −1] (GroupNorm's first step), back
    /// from that view to the activation's shape, or to its own shape.
    mutating func convertReshape(_ node: ONNXNode, _ arguments: [ONNXImportedValue?]) throws {
        let output = node.outputs[0]
        guard arguments.count > 1, case .constant(let target)? = arguments[1], let dims = target.integers else {
            throw fail(node, "the target shape must be a constant")
        }
        switch arguments[0] {
        case .tensor(let x)?:
            let shape = flatTensors.contains(x) ? Array(shapes[x]!.prefix(2)) : onnxShape(shapes[x]!)
            let resolved = dims.enumerated().map { $0.element == 0 && $0.offset < shape.count ? shape[$0.offset] : $0.element }
            guard resolved.allSatisfy({ $0 >= -1 && $0 <= Graph.maximumElementCount }) else {
                throw fail(node, "reshaping \(shape) to \(dims) is not supported")
            }
            if dims.count == 3, resolved[0] == shape[0], resolved[1] > 0, shape[1] % resolved[1] == 0,
               resolved[2] == -1 || resolved[2] == shape[1...].reduce(1, *) / resolved[1] {
                values[output] = .groupView(tensor: x, groups: resolved[1])
            } else if resolved.map({ $0 == -1 ? 1 : $0 }) == onnxShape(shapes[x]!), shapes[x]![2...].allSatisfy({ $0 == 1 }) || resolved == shape {
                try add(.dropout, node, inputs: [x], output: output)  // to the full rank (or unchanged)
                flatTensors.remove(output)
            } else if shapes[x]![2...].allSatisfy({ $0 == 1 }), resolved.count == 2,
                      [shape[0], shape[1]] == resolved.map({ $0 == -1 ? shape[1] : $0 }) {
                try add(.dropout, node, inputs: [x], output: output)  // to [N, C]
                flatTensors.insert(output)
            } else {
                throw fail(node, "reshaping \(shape) to \(dims) is not supported (only GroupNorm's [N, groups, −1] view)")
            }
        case .groupNormalized(let x, _)?:
            let shape = onnxShape(shapes[x]!)
            guard dims.count == shape.count, dims.allSatisfy({ $0 >= -1 }),
                  let known = dims.enumerated().map({ $0.element == 0 ? shape[$0.offset] : $0.element == -1 ? 1 : $0.element })
                      .checkedElementCount else {
                throw fail(node, "reshapes a group view to \(dims), not back to \(shape)")
            }
            let resolved = dims.enumerated().map { $0.element == 0 ? shape[$0.offset] : $0.element == -1 ? shape.reduce(1, *) / max(known, 1) : $0.element }
            guard resolved == shape else { throw fail(node, "reshapes a group view to \(dims), not back to \(shape)") }
            if let index = nodes.indices.last, nodes[index].outputs == [x], isSoleReader(node, of: x) {
                adopt(index, output: node)  // the normalization takes the name of the value it makes in the ONNX graph
            } else {
                values[output] = .tensor(x)
            }
        case .groupView?:
            throw fail(node, "a group view must be normalized (InstanceNormalization) before it is reshaped back")
        default:
            throw fail(node, "input 0 must be an activation")
        }
    }
}
