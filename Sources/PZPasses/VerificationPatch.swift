import PZGraph

/// One input patch for verification, with the source framework's outputs for it
/// when known (golden data).
public struct VerificationPatch: Sendable {
    /// NCDHW inputs by input tensor name.
    public var inputs: [String: Tensor]
    /// NCDHW golden outputs by output tensor name (empty without golden data).
    public var expected: [String: Tensor]

    public init(inputs: [String: Tensor], expected: [String: Tensor] = [:]) {
        self.inputs = inputs
        self.expected = expected
    }

    /// `count` patches of uniform values in [-1, 1] for every input of `graph`,
    /// from a fixed seed: used when no golden data is given (the optimized graph
    /// must still agree with the unfused one).
    public static func random(for graph: Graph, count: Int = 2, seed: UInt64 = 1) -> [VerificationPatch] {
        var generator = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            var inputs: [String: Tensor] = [:]
            for node in graph.inputNodes {
                guard case .input(let parameters) = node.op else { continue }
                let values = (0..<parameters.shape.elementCount).map { _ in Float.random(in: -1...1, using: &generator) }
                inputs[node.outputs[0]] = Tensor(shape: parameters.shape, values: values)
            }
            return VerificationPatch(inputs: inputs)
        }
    }
}
