/// A graph that breaks an IR invariant. The description is one line and names the
/// node (and its op) where one is at fault.
public enum GraphError: Error, CustomStringConvertible, Equatable {
    /// A problem of the graph as a whole (duplicate names, dangling tensors, cycles).
    case invalidGraph(String)
    /// A problem of one node: bad parameters, wrong weights, mismatched shapes.
    case invalidNode(name: String, op: String, detail: String)

    public var description: String {
        switch self {
        case .invalidGraph(let message): message
        case .invalidNode(let name, let op, let detail): "node '\(name)' (\(op)): \(detail)"
        }
    }

    static func node(_ node: Node, _ detail: String) -> GraphError {
        .invalidNode(name: node.name, op: node.op.typeName, detail: detail)
    }
}
