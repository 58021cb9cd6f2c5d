import PZGraph

/// Marks the nodes that may write their output over their first input's buffer:
/// element-wise ops (activations, BatchNorm, Scale, Dropout, Softmax, Eltwise)
/// whose first input has no other reader, the same shape as the output, and is
/// neither a graph input (the caller's data) nor a graph output. Values are
/// unchanged; the fast executor's memory plan uses the marks.
public struct InPlaceResolution: GraphPass {
    public let name = "in-place-resolution"
    public let summary = "mark element-wise nodes that may overwrite their input"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        let shapes = try graph.inferShapes()
        for index in graph.nodes.indices where !graph.nodes[index].inPlace {
            let node = graph.nodes[index]
            switch node.op {
            case .activation, .batchNorm, .scale, .dropout, .softmax, .eltwise: break
            default: continue
            }
            let input = node.inputs[0]
            guard graph.hasSingleReader(input), !graph.isGraphInput(input), shapes[input] == shapes[node.outputs[0]] else {
                result.declined.append("\(node.described): its input '\(input)' is "
                                       + (graph.isGraphInput(input) ? "a graph input" : "still needed elsewhere"))
                continue
            }
            result.graph.nodes[index].inPlace = true
            result.rewrites.append("\(node.described) runs in place over '\(input)'")
        }
        return result
    }
}
