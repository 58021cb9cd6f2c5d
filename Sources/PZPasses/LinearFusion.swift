import Foundation
import PZGraph

/// PZnet §3.3, linear-transformation fusion: a BatchNorm or Scale after a
/// convolution, `y = M ⊙ x + A` per channel, is folded into the convolution:
/// `K' = K·M`, `B' = B·M + A`, and, when element-wise addition fusion already gave
/// the convolution an additive base, `baseScale' = baseScale·M`, so that
/// `y = conv'(x) + B' + M ⊙ base`. Chains (BatchNorm then Scale) fold one after
/// the other. M and A are computed in double precision.
public struct LinearFusion: GraphPass {
    public let name = "linear-fusion"
    public let summary = "fold BatchNorm and Scale into the preceding convolution's weights (PZnet 3.3)"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        result.visitNodes { index, graph in
            let node = graph.nodes[index]
            guard let transform = LinearTransform(node) else { return .skip }
            let (multiplier, addend) = (transform.multiplier, transform.addend)
            switch FusionSite.find(for: node, in: graph) {
            case .failure(let declined):
                return .declined(declined.reason)
            case .success(let site):
                let producer = graph.nodes[site.producerIndex]
                graph.nodes[site.producerIndex].weights = folded(producer, multiplier: multiplier, addend: addend)
                FusionSite.absorb(index, into: site.producerIndex, in: &graph, op: producer.op,
                                  fusion: node.op.typeName == "BatchNorm" ? "batchnorm" : "scale")
                // The producer may now be followed by another linear node: revisit from it.
                return .rewritten("folded \(node.described) into '\(producer.name)'", resume: site.producerIndex)
            }
        }
        return result
    }

    /// The producer's weights with the transform folded in.
    private func folded(_ producer: Node, multiplier: [Double], addend: [Double]) -> [WeightRole: Tensor] {
        var weights = producer.weights
        let kernel = producer.weights[.weight]!
        let parameters = producer.op.convolutionParameters!
        let outputsPerGroup = parameters.outputChannels / parameters.groups
        var values = kernel.values
        let perRow = kernel.shape.dropFirst(2).reduce(1, *)
        for a in 0..<kernel.shape[0] {
            for b in 0..<kernel.shape[1] {
                // Convolution: F × C/g × k…; Deconvolution: C × F/g × k… (group of c is c / (C/g)).
                let channel: Int
                if case .deconvolution = producer.op {
                    channel = (a / (kernel.shape[0] / parameters.groups)) * outputsPerGroup + b
                } else {
                    channel = a
                }
                let start = (a * kernel.shape[1] + b) * perRow
                for position in start..<(start + perRow) {
                    values[position] = Float(Double(values[position]) * multiplier[channel])
                }
            }
        }
        weights[.weight] = Tensor(shape: kernel.shape, values: values)
        let bias = producer.weights[.bias]?.values.map(Double.init) ?? Array(repeating: 0, count: multiplier.count)
        weights[.bias] = Tensor(shape: [multiplier.count],
                                values: multiplier.indices.map { Float(bias[$0] * multiplier[$0] + addend[$0]) })
        if producer.inputs.count > 1 {
            let baseScale = producer.weights[.baseScale]?.values.map(Double.init) ?? Array(repeating: 1, count: multiplier.count)
            weights[.baseScale] = Tensor(shape: [multiplier.count],
                                         values: multiplier.indices.map { Float(baseScale[$0] * multiplier[$0]) })
        }
        return weights
    }
}
