import PZGraph

/// PZnet §3.1, element-wise addition fusion: an Eltwise sum `E = c₁·L1 + c₂·L2`
/// whose input from convolution L1 has no other reader becomes L1's additive
/// base: L1 gets L2's tensor as a second input and computes
/// `c₁·conv(x) + c₁·b + c₂·L2` (its weights and bias scaled by c₁, its
/// `base_scale` set to c₂ when c₂ ≠ 1), and E disappears.
///
/// Guards: two inputs (sum or subtract), the paper's conditions (E is L1's only
/// reader; a topological order puts L2's producer before L1, i.e. L2 does not
/// depend on L1), L1 has no base, activation or padded output yet. When both
/// inputs qualify, the later convolution takes the other as its base.
public struct EltwiseFusion: GraphPass {
    public let name = "eltwise-fusion"
    public let summary = "make an element-wise sum the additive base of the convolution feeding it (PZnet 3.1)"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        result.visitNodes { index, graph in
            let node = graph.nodes[index]
            guard case .eltwise(let parameters) = node.op else { return .skip }
            switch fuse(node, at: index, parameters, in: &graph) {
            case .success(let note): return .rewritten(note, resume: index)
            case .failure(let declined): return .declined(declined.reason)
            }
        }
        if result.changed { result.graph = try result.graph.topologicallySorted() }
        return result
    }

    private func fuse(_ node: Node, at index: Int, _ parameters: EltwiseParameters,
                      in graph: inout Graph) -> Result<String, Declined> {
        let coefficients: [Float]
        switch parameters.operation {
        case .sum: coefficients = parameters.coefficients ?? Array(repeating: 1, count: node.inputs.count)
        case .subtract: coefficients = [1, -1]
        case .product, .max:
            return .failure(Declined("\(node.described): \(parameters.operation.rawValue) is not an addition"))
        }
        guard node.inputs.count == 2 else {
            return .failure(Declined("\(node.described): a sum of \(node.inputs.count) inputs (fusion takes 2)"))
        }
        guard node.inputs[0] != node.inputs[1] else {
            return .failure(Declined("\(node.described): both inputs are the same tensor"))
        }
        var candidates: [(input: Int, site: FusionSite)] = []
        var reasons: [String] = []
        for input in 0..<2 {
            let probe = Node(name: node.name, op: node.op, inputs: [node.inputs[input]], outputs: node.outputs)
            switch FusionSite.find(for: probe, in: graph) {
            case .success(let site) where graph.nodes[site.producerIndex].inputs.count == 1:
                // The paper's order condition: the base must not depend on L1.
                if graph.depends(node.inputs[1 - input], onNode: site.producerIndex) {
                    reasons.append("'\(node.inputs[1 - input])' depends on '\(graph.nodes[site.producerIndex].name)'")
                } else {
                    candidates.append((input, site))
                }
            case .success(let site):
                reasons.append("'\(graph.nodes[site.producerIndex].name)' already has an additive base")
            case .failure(let declined):
                reasons.append(declined.reason.replacingOccurrences(of: "\(node.described): ", with: ""))
            }
        }
        guard let chosen = candidates.max(by: { $0.site.producerIndex < $1.site.producerIndex }) else {
            return .failure(Declined("\(node.described): " + reasons.joined(separator: "; ")))
        }
        let producer = graph.nodes[chosen.site.producerIndex]
        let convolutionCoefficient = coefficients[chosen.input]
        let baseCoefficient = coefficients[1 - chosen.input]
        var weights = producer.weights
        if convolutionCoefficient != 1 {
            for role in [WeightRole.weight, .bias] {
                guard let tensor = weights[role] else { continue }
                weights[role] = Tensor(shape: tensor.shape, values: tensor.values.map { $0 * convolutionCoefficient })
            }
        }
        if baseCoefficient != 1 {
            weights[.baseScale] = Tensor(shape: [chosen.site.parameters.outputChannels],
                                         values: Array(repeating: baseCoefficient, count: chosen.site.parameters.outputChannels))
        }
        graph.nodes[chosen.site.producerIndex].weights = weights
        graph.nodes[chosen.site.producerIndex].inputs.append(node.inputs[1 - chosen.input])
        FusionSite.absorb(index, into: chosen.site.producerIndex, in: &graph, op: producer.op, fusion: "eltwise")
        let scaling = convolutionCoefficient == 1 && baseCoefficient == 1 ? ""
            : " (coefficients \(convolutionCoefficient) on the convolution, \(baseCoefficient) on the base)"
        return .success("fused \(node.described) into '\(producer.name)' with base '\(node.inputs[1 - chosen.input])'\(scaling)")
    }
}
