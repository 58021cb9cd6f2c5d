import PZGraph

/// PZnet §3.4, activation fusion: a ReLU (leaky), PReLU, ELU, Sigmoid or TanH
/// right after a convolution is applied in the convolution's epilogue, before
/// the store (a PReLU's per-channel slopes move into the convolution). The same
/// after a GroupNorm / InstanceNorm (not PReLU): applied in its last pass.
public struct ActivationFusion: GraphPass {
    public let name = "activation-fusion"
    public let summary = "apply ReLU/PReLU/ELU/Sigmoid/TanH in the preceding convolution's epilogue (PZnet 3.4)"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        result.visitNodes { index, graph in
            let node = graph.nodes[index]
            guard case .activation(let activation) = node.op else { return .skip }
            if let producerIndex = graph.writer(of: node.inputs[0]), case .groupNorm(var parameters) = graph.nodes[producerIndex].op {
                guard parameters.activation == nil, activation != .prelu, graph.hasSingleReader(node.inputs[0]) else {
                    return .declined("\(node.described): '\(graph.nodes[producerIndex].name)' already applies an activation, "
                                     + "its output has other readers, or the activation is a PReLU")
                }
                parameters.activation = activation
                let producer = graph.nodes[producerIndex].name
                FusionSite.absorb(index, into: producerIndex, in: &graph, op: .groupNorm(parameters), fusion: "activation")
                return .rewritten("fused \(node.described) into '\(producer)'", resume: index)
            }
            switch FusionSite.find(for: node, in: graph) {
            case .failure(let declined):
                return .declined(declined.reason)
            case .success(let site):
                let producer = graph.nodes[site.producerIndex]
                let parameters = site.parameters.withEpilogue { $0.activation = activation }
                graph.nodes[site.producerIndex].weights[.slope] = node.weights[.slope]
                FusionSite.absorb(index, into: site.producerIndex, in: &graph,
                                  op: producer.op.replacingConvolutionParameters(parameters), fusion: "activation")
                return .rewritten("fused \(node.described) into '\(producer.name)'", resume: index)
            }
        }
        return result
    }
}
