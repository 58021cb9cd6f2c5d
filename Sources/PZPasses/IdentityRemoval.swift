import PZGraph

/// Removes nodes that compute nothing at inference: Dropout, Split, and the
/// trivial forms of Concat (one input), Pad (no padding), Upsample (factor 1) and
/// Crop (keeps everything). Readers of the removed node's output read its input.
///
/// When the output is a graph output, the input tensor takes over the output's
/// name (graph outputs keep their names); that is declined when the input is
/// itself a graph input or output.
public struct IdentityRemoval: GraphPass {
    public let name = "identity-removal"
    public let summary = "remove Dropout, Split and no-op Concat/Pad/Upsample/Crop nodes"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var graph = graph
        var result = PassResult(graph: graph)
        let shapes = try graph.inferShapes()
        var index = 0
        while index < graph.nodes.count {
            let node = graph.nodes[index]
            guard isIdentity(node, shapes: shapes) else {
                index += 1
                continue
            }
            let input = node.inputs[0]
            let exposed = node.outputs.filter(graph.isGraphOutput)
            guard exposed.count <= 1 else {
                result.declined.append("\(node.described): several of its outputs are graph outputs")
                index += 1
                continue
            }
            var replacement = input
            if let output = exposed.first {
                guard !graph.isGraphInput(input), !graph.isGraphOutput(input) else {
                    result.declined.append("\(node.described): it copies graph \(graph.isGraphInput(input) ? "input" : "output") "
                                           + "'\(input)' to graph output '\(output)'")
                    index += 1
                    continue
                }
                graph.nodes.remove(at: index)
                graph.renameTensor(input, to: output)
                replacement = output
            } else {
                graph.nodes.remove(at: index)
            }
            for output in node.outputs where output != replacement { graph.renameTensor(output, to: replacement) }
            result.rewrites.append("removed \(node.described)")
        }
        result.graph = graph
        return result
    }

    private func isIdentity(_ node: Node, shapes: [String: [Int]]) -> Bool {
        switch node.op {
        case .dropout, .split:
            return true
        case .concat:
            return node.inputs.count == 1
        case .pad(let parameters):
            return (parameters.begin + parameters.end).allSatisfy { $0 == 0 }
        case .upsample(let parameters):
            return parameters.factors.allSatisfy { $0 == 1 }
        case .crop:
            return node.inputs.count == 1 && shapes[node.inputs[0]] == shapes[node.outputs[0]]
        default:
            return false
        }
    }
}
