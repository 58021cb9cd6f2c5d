/// Work and size figures of a node, for `pzconv inspect` and `bench`.
public struct NodeStatistics: Hashable, Sendable {
    /// Weight values held by the node.
    public var parameters: Int
    /// Floating-point operations of one forward pass: 2 per multiply-add of a
    /// (de)convolution (the convention GFLOP/s figures use), one per element and
    /// window position for the other ops; zero for pure data movement. Saturates
    /// at `Int.max` (a count that large only comes from a hostile file).
    public var flops: Int
}

extension Graph {
    /// Statistics of every node, in node order. `shapes` comes from `inferShapes()`.
    public func statistics(shapes: [String: [Int]]) -> [NodeStatistics] {
        nodes.map { node in
            NodeStatistics(parameters: node.parameterCount, flops: Graph.flops(of: node, shapes: shapes))
        }
    }

    static func flops(of node: Node, shapes: [String: [Int]]) -> Int {
        guard let output = node.outputs.first.flatMap({ shapes[$0] }) else { return 0 }
        let outputCount = output.saturatingElementCount
        let input = node.inputs.first.flatMap { shapes[$0] } ?? []
        switch node.op {
        case .convolution(let parameters):
            let kernel = node.weights[.weight].map { Array($0.shape.dropFirst()).saturatingElementCount } ?? 0
            var result = output
            for axis in 0..<3 {
                result[2 + axis] -= parameters.epilogue.outputPadBegin[axis] + parameters.epilogue.outputPadEnd[axis]
            }
            return [2, result.saturatingElementCount, kernel].saturatingElementCount
        case .deconvolution:
            let kernel = node.weights[.weight].map { Array($0.shape.dropFirst()).saturatingElementCount } ?? 0
            return [2, input.saturatingElementCount, kernel].saturatingElementCount
        case .pooling(let parameters):
            return [outputCount, parameters.kernel.saturatingElementCount].saturatingElementCount
        case .batchNorm, .scale:
            return [2, outputCount].saturatingElementCount
        case .groupNorm:
            // Mean, squared deviations, then x·m + a per element.
            return [5, outputCount].saturatingElementCount
        case .activation, .softmax, .channelScale:
            return outputCount
        case .eltwise:
            return [outputCount, max(node.inputs.count - 1, 1)].saturatingElementCount
        case .mergeCrop(let parameters):
            return parameters.operation == .add ? outputCount : 0
        case .input, .concat, .crop, .pad, .upsample, .dropout, .split:
            return 0
        }
    }
}

extension Sequence where Element == Int {
    /// The sum, `Int.max` where it would overflow (for FLOP and size totals).
    public var saturatingSum: Int {
        var total = 0
        for value in self {
            let (next, overflow) = total.addingReportingOverflow(value)
            if overflow { return Int.max }
            total = next
        }
        return total
    }
}
