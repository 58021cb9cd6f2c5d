import PZGraph

/// The convolution that a following node could be fused into, after the guards
/// every fusion shares: the node's first input is written by a Convolution or
/// Deconvolution, that tensor has no other reader and is not a graph output, and
/// the convolution's epilogue does not yet apply an activation or pad its
/// output (work fused later must come after those, and cannot).
struct FusionSite {
    let producerIndex: Int
    let parameters: ConvolutionParameters

    /// The site, or the reason the guards decline.
    static func find(for node: Node, in graph: Graph) -> Result<FusionSite, Declined> {
        let input = node.inputs[0]
        guard let producerIndex = graph.writer(of: input) else {
            return .failure(Declined("\(node.described): its input '\(input)' has no producer"))
        }
        let producer = graph.nodes[producerIndex]
        guard let parameters = producer.op.convolutionParameters else {
            return .failure(Declined("\(node.described): its input comes from \(producer.op.typeName) '\(producer.name)', "
                                     + "not a convolution"))
        }
        guard graph.hasSingleReader(input) else {
            let others = graph.readers(of: input).map { graph.nodes[$0].name }.filter { $0 != node.name }
            let detail = graph.isGraphOutput(input) ? "is a graph output" : "is also read by " + others.map { "'\($0)'" }.joined(separator: ", ")
            return .failure(Declined("\(node.described): the output of '\(producer.name)' \(detail)"))
        }
        if let activation = parameters.epilogue.activation {
            return .failure(Declined("\(node.described): '\(producer.name)' already applies \(activation.opName)"))
        }
        guard !parameters.epilogue.hasOutputPadding else {
            return .failure(Declined("\(node.described): '\(producer.name)' already writes a padded output"))
        }
        return .success(FusionSite(producerIndex: producerIndex, parameters: parameters))
    }

    /// Moves `consumer` into the producer: the producer takes over the consumer's
    /// outputs and provenance, records `fusion`, and the consumer is removed.
    static func absorb(_ consumerIndex: Int, into producerIndex: Int, in graph: inout Graph, op: Op, fusion: String) {
        let consumer = graph.nodes[consumerIndex]
        graph.nodes[producerIndex].op = op
        graph.nodes[producerIndex].outputs = consumer.outputs
        graph.nodes[producerIndex].sourceLayers += consumer.sourceLayers
        graph.nodes[producerIndex].fusions.append(fusion)
        graph.nodes.remove(at: consumerIndex)
    }
}

/// A guard's reason for leaving a candidate alone.
struct Declined: Error {
    let reason: String

    init(_ reason: String) { self.reason = reason }
}

extension ConvolutionParameters {
    func withEpilogue(_ change: (inout ConvolutionEpilogue) -> Void) -> ConvolutionParameters {
        var copy = self
        change(&copy.epilogue)
        return copy
    }
}

extension Op {
    /// The same kind of convolution with new parameters.
    func replacingConvolutionParameters(_ parameters: ConvolutionParameters) -> Op {
        if case .deconvolution = self { return .deconvolution(parameters) }
        return .convolution(parameters)
    }
}
