import PZGraph

/// PZnet §3.4, activation fusion: a ReLU (leaky), PReLU, ELU, Sigmoid or TanH
/// right after a convolution is applied in the convolution's epilogue, before
/// the store (a PReLU's per-channel slopes move into the convolution).
public struct ActivationFusion: GraphPass {
    public let name = "activation-fusion"
    public let summary = "apply ReLU/PReLU/ELU/Sigmoid/TanH in the preceding convolution's epilogue (PZnet 3.4)"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        result.visitNodes { index, graph in
            let node = graph.nodes[index]
            guard case .activation(let activation) = node.op else { return .skip }
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
