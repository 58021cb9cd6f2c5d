import PZGraph

/// One graph transformation with one job. A pass checks its guards first; where
/// they fail it leaves that part of the graph untouched and says why.
public protocol GraphPass: Sendable {
    /// The name used by `--passes` and in reports, e.g. "linear-fusion".
    var name: String { get }
    /// One line: what the pass does.
    var summary: String { get }
    /// Returns the rewritten graph (or the same graph) and notes on every rewrite
    /// and every declined candidate.
    func apply(to graph: Graph) throws -> PassResult
}

public struct PassResult {
    public var graph: Graph
    /// "fused ReLU 'relu1' into 'conv1'", one per rewrite.
    public var rewrites: [String]
    /// "'bn2' (BatchNorm): its input comes from Concat 'cat', not a convolution", one
    /// per declined candidate.
    public var declined: [String]

    public init(graph: Graph, rewrites: [String] = [], declined: [String] = []) {
        self.graph = graph
        self.rewrites = rewrites
        self.declined = declined
    }

    public var changed: Bool { !rewrites.isEmpty }
}

/// What a pass decided for one node while visiting a graph.
enum NodeVisit {
    /// Not a candidate.
    case skip
    /// A candidate its guards declined, with the reason.
    case declined(String)
    /// Rewritten; visiting resumes at `resume` (the same index when the node was removed).
    case rewritten(String, resume: Int)
}

extension PassResult {
    /// Visits the graph's nodes in order, letting `visit` rewrite the graph; the
    /// rewrites and declined reasons are collected.
    mutating func visitNodes(_ visit: (Int, inout Graph) throws -> NodeVisit) rethrows {
        var index = 0
        while index < graph.nodes.count {
            switch try visit(index, &graph) {
            case .skip:
                index += 1
            case .declined(let reason):
                declined.append(reason)
                index += 1
            case .rewritten(let note, let resume):
                rewrites.append(note)
                index = resume
            }
        }
    }
}

/// Queries and edits shared by the passes.
extension Graph {
    /// The nodes reading `tensor`.
    func readers(of tensor: String) -> [Int] {
        nodes.indices.filter { nodes[$0].inputs.contains(tensor) }
    }

    /// The index of the node writing `tensor`.
    func writer(of tensor: String) -> Int? {
        nodes.firstIndex { $0.outputs.contains(tensor) }
    }

    func isGraphOutput(_ tensor: String) -> Bool { outputs.contains { $0.tensor == tensor } }

    func isGraphInput(_ tensor: String) -> Bool {
        inputNodes.contains { $0.outputs.contains(tensor) }
    }

    /// Whether `tensor` is read by exactly one node, once, and is not a graph output.
    func hasSingleReader(_ tensor: String) -> Bool {
        let readers = readers(of: tensor)
        return readers.count == 1 && nodes[readers[0]].inputs.filter { $0 == tensor }.count == 1 && !isGraphOutput(tensor)
    }

    /// Renames a tensor everywhere it is written or read, and in the outputs.
    mutating func renameTensor(_ old: String, to new: String) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
            nodes[index].outputs = nodes[index].outputs.map { $0 == old ? new : $0 }
        }
        for index in outputs.indices where outputs[index].tensor == old { outputs[index].tensor = new }
    }

    /// Whether `target`'s value depends on node `source`'s outputs.
    func depends(_ target: String, onNode source: Int) -> Bool {
        var frontier = [target]
        var seen = Set<String>()
        let produced = Set(nodes[source].outputs)
        while let tensor = frontier.popLast() {
            if produced.contains(tensor) { return true }
            guard seen.insert(tensor).inserted, let writer = writer(of: tensor) else { continue }
            frontier.append(contentsOf: nodes[writer].inputs)
        }
        return false
    }
}

extension Node {
    /// "'bn1' (BatchNorm)".
    var described: String { label }
}
