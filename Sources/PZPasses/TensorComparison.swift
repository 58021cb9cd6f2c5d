import PZGraph

/// Compares tensors of two versions of a graph.
enum TensorComparison {
    static func error(_ actual: [Float], _ reference: [Float]) -> ErrorFigures {
        ErrorFigures(actual: actual, reference: reference)
    }

    /// The error of a tensor written with a zero border (output padding) against
    /// the unpadded reference: the interior is compared, and any non-zero border
    /// value counts as an error as well.
    static func error(padded actual: Tensor, border: (begin: [Int], end: [Int]), reference: Tensor) -> ErrorFigures? {
        let padded = actual.shape
        let inner = reference.shape
        guard padded.count == 5, inner.count == 5, padded[0] == inner[0], padded[1] == inner[1] else { return nil }
        for axis in 0..<3 where padded[2 + axis] != inner[2 + axis] + border.begin[axis] + border.end[axis] {
            return nil
        }
        var interior: [Float] = []
        interior.reserveCapacity(reference.elementCount)
        var borderMagnitude: Float = 0
        var index = 0
        for _ in 0..<(padded[0] * padded[1]) {
            for d in 0..<padded[2] {
                for h in 0..<padded[3] {
                    for w in 0..<padded[4] {
                        let inside = d >= border.begin[0] && d < padded[2] - border.end[0]
                            && h >= border.begin[1] && h < padded[3] - border.end[1]
                            && w >= border.begin[2] && w < padded[4] - border.end[2]
                        if inside { interior.append(actual.values[index]) } else { borderMagnitude = max(borderMagnitude, abs(actual.values[index])) }
                        index += 1
                    }
                }
            }
        }
        let figures = error(interior, reference.values)
        return figures.combined(with: error([borderMagnitude], [0]))
    }

    /// The error of one tensor of `graph` (written by `node`) against the same-named
    /// tensor of the unfused graph; nil when the two cannot be compared.
    static func error(of tensor: String, writtenBy node: Node, values: Tensor, reference: Tensor) -> ErrorFigures? {
        if values.shape == reference.shape { return error(values.values, reference.values) }
        guard let parameters = node.op.convolutionParameters, parameters.epilogue.hasOutputPadding else { return nil }
        return error(padded: values, border: (parameters.epilogue.outputPadBegin, parameters.epilogue.outputPadEnd),
                     reference: reference)
    }
}
