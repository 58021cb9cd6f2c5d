import PZGraph
import PZReference

/// Runs one op on the given inputs through a two-layer graph (Inputs → op).
func runOp(_ op: Op, _ inputs: [Tensor], weights: [WeightRole: Tensor] = [:]) throws -> Tensor {
    var nodes: [Node] = []
    var feeds: [String: Tensor] = [:]
    for (index, tensor) in inputs.enumerated() {
        let name = "x\(index)"
        nodes.append(Node(name: name, op: .input(InputParameters(shape: tensor.shape, sourceLayout: .ncdhw)),
                          inputs: [], outputs: [name]))
        feeds[name] = tensor
    }
    nodes.append(Node(name: "op", op: op, inputs: feeds.keys.sorted(), outputs: ["y"], weights: weights))
    let graph = Graph(name: "single", nodes: nodes, outputs: [GraphOutput(tensor: "y", sourceLayout: .ncdhw)])
    return try ReferenceExecutor(graph: graph).run(inputs: feeds)["y"]!
}

/// A tensor from literal values.
func tensor(_ shape: [Int], _ values: [Float]) -> Tensor { Tensor(shape: shape, values: values) }

/// A 1×1×1×1×W row.
func row(_ values: [Float]) -> Tensor { tensor([1, 1, 1, 1, values.count], values) }

/// `0, 1, 2, …` in the given shape.
func iota(_ shape: [Int]) -> Tensor { tensor(shape, (0..<shape.elementCount).map(Float.init)) }

/// Whether two arrays agree within `tolerance` everywhere.
func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}
