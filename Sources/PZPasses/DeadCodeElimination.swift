import PZGraph

/// Removes nodes none of whose outputs reach a graph output. Input nodes stay:
/// they are the model's interface.
public struct DeadCodeElimination: GraphPass {
    public let name = "dead-code-elimination"
    public let summary = "remove nodes whose results no graph output uses"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var live = Set(graph.outputNames)
        for node in graph.nodes.reversed() where node.outputs.contains(where: live.contains) {
            live.formUnion(node.inputs)
        }
        var result = PassResult(graph: graph)
        result.graph.nodes = graph.nodes.filter { node in
            if case .input = node.op { return true }
            guard node.outputs.contains(where: live.contains) else {
                result.rewrites.append("removed \(node.described): no graph output uses its result")
                return false
            }
            return true
        }
        return result
    }
}
