import PZGraph

/// Pooling in ONNX terms (see `PoolingParameters` for the IR's semantics).
extension ONNXGraphEmitter {
    /// MaxPool or AveragePool with explicit padding and ceil_mode 0:
    ///
    /// - floor rounding: the IR's padding, unchanged (the output formulas agree);
    /// - Caffe's ceil rounding: the end padding grows to what floor rounding needs
    ///   for the IR's output extent, `(out − 1)·stride + K − in − padBegin`. Max
    ///   ignores padding in both; an average without padding counted
    ///   (`count_include_pad` 0) is unchanged; an average with padding counted
    ///   would count the added cells of a window that overhangs, so its result is
    ///   multiplied by a constant per output position, ONNX's divisor over Caffe's
    ///   (only written when some window overhangs).
    mutating func emitPooling(_ node: Node, _ p: PoolingParameters, input: String, output: String) throws {
        let inputShape = irShape(node.inputs[0]), outputShape = irShape(output)
        var padEnd = p.padEnd
        if p.rounding == .caffeCeil {
            for axis in 0..<3 {
                padEnd[axis] = max(p.padEnd[axis],
                                   (outputShape[2 + axis] - 1) * p.stride[axis] + p.kernel[axis] - inputShape[2 + axis] - p.padBegin[axis])
            }
        }
        var attributes = [
            ONNXAttribute("kernel_shape", .ints(spatial(p.kernel).map(Int64.init))),
            ONNXAttribute("strides", .ints(spatial(p.stride).map(Int64.init))),
            ONNXAttribute("pads", .ints((spatial(p.padBegin) + spatial(padEnd)).map(Int64.init))),
        ]
        let shape = onnxShape(outputShape)
        switch p.method {
        case .max:
            emit("MaxPool", [input], shape: shape, attributes: attributes, output: output)
        case .average:
            attributes.append(ONNXAttribute("count_include_pad", .int(p.averageCountsPadding ? 1 : 0)))
            let factors = p.divisorRatios(input: Array(inputShape[2...]), output: Array(outputShape[2...]), countedPadEnd: padEnd)
            guard p.averageCountsPadding, factors.contains(where: { $0 != 1 }) else {
                emit("AveragePool", [input], shape: shape, attributes: attributes, output: output)
                return
            }
            let pooled = emit("AveragePool", [input], shape: shape, attributes: attributes, step: "average")
            let factorShape = [1, 1] + spatial(Array(outputShape[2...]))
            emit("Mul", [pooled, constant("divisor_correction", shape: factorShape, factors)], shape: shape, output: output)
        }
    }
}
