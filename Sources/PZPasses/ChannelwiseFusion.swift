import PZGraph

/// Merges a chain of per-channel steps that no convolution could absorb — a
/// BatchNorm, Scale and activation after a Concat, a pooling or a sum, as in the
/// pre-activation blocks of DenseNets and ResNets (BN → Scale → ReLU → Conv) —
/// into one Scale node with an activation: `activation(x · M + A)`, M and A the
/// composed affine maps (in Double), one pass over the tensor instead of one per
/// step. Runs after linear and activation fusion, so it only sees what they
/// declined. A chain continues only through tensors with a single reader that
/// are not graph outputs; an activation ends it.
public struct ChannelwiseFusion: GraphPass {
    public let name = "channelwise-fusion"
    public let summary = "merge BatchNorm/Scale/activation chains that no convolution absorbs into one per-channel step"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        result.visitNodes { index, graph in
            let first = graph.nodes[index]
            guard LinearTransform(first) != nil, case nil = first.op.appliedActivation else { return .skip }
            // The chain: linear steps, then at most one activation.
            var chain = [index]
            var transform = LinearTransform(first)!
            var activation: Activation?
            var slopes: Tensor?
            while let last = chain.last, graph.hasSingleReader(graph.nodes[last].outputs[0]),
                  let next = graph.readers(of: graph.nodes[last].outputs[0]).first, activation == nil {
                let node = graph.nodes[next]
                if let linear = LinearTransform(node), node.op.appliedActivation == nil {
                    transform = transform.followed(by: linear)
                } else if case .activation(let applied) = node.op {
                    activation = applied
                    slopes = node.weights[.slope]
                } else if case .scale(let parameters) = node.op, let applied = parameters.activation {
                    transform = transform.followed(by: LinearTransform(node, ignoringActivation: true)!)
                    activation = applied
                    slopes = node.weights[.slope]
                } else {
                    break
                }
                chain.append(next)
            }
            guard chain.count > 1 else {
                return .declined("\(first.described): nothing to merge it with (its output is not read by one BatchNorm, "
                                 + "Scale or activation alone)")
            }
            let last = graph.nodes[chain.last!]
            var merged = first
            merged.op = .scale(ScaleParameters(activation: activation))
            merged.weights = [.scale: Tensor(shape: [transform.multiplier.count], values: transform.multiplier.map(Float.init)),
                              .bias: Tensor(shape: [transform.addend.count], values: transform.addend.map(Float.init))]
            if let slopes { merged.weights[.slope] = slopes }
            merged.outputs = last.outputs
            merged.sourceLayers = chain.flatMap { graph.nodes[$0].sourceLayers }
            merged.fusions = chain.flatMap { graph.nodes[$0].fusions } + ["channelwise"]
            let names = chain.map { graph.nodes[$0].described }.joined(separator: " → ")
            for removed in chain.dropFirst().reversed() { graph.nodes.remove(at: removed) }
            graph.nodes[index] = merged
            return .rewritten("merged \(names) into one per-channel step", resume: index + 1)
        }
        return result
    }
}
