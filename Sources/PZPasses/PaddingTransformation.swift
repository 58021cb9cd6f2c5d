import PZGraph

/// PZnet §3.5, padding transformation: when every reader of a convolution's
/// output needs the same zero padding, the convolution writes an already padded
/// output (a zero border, `output_pad_begin/end`) and the readers' padding goes
/// away. Readers are Convolutions reading the tensor as data (not as a base)
/// with identical padding, or one zero-valued Pad node, which is removed.
public struct PaddingTransformation: GraphPass {
    public let name = "padding-transformation"
    public let summary = "make convolutions write padded outputs so their readers need no padding (PZnet 3.5)"

    public init() {}

    public func apply(to graph: Graph) throws -> PassResult {
        var result = PassResult(graph: graph)
        result.visitNodes { index, graph in
            guard let parameters = graph.nodes[index].op.convolutionParameters else { return .skip }
            switch transform(producer: index, parameters, in: &graph) {
            case .success(let note?): return .rewritten(note, resume: index + 1)
            case .success(nil): return .skip
            case .failure(let declined): return .declined(declined.reason)
            }
        }
        return result
    }

    /// The rewrite made (nil: not a candidate), or why the guards declined.
    private func transform(producer index: Int, _ parameters: ConvolutionParameters,
                           in graph: inout Graph) -> Result<String?, Declined> {
        let producer = graph.nodes[index]
        let output = producer.outputs[0]
        let readers = graph.readers(of: output)
        guard !readers.isEmpty, !graph.isGraphOutput(output), !parameters.epilogue.hasOutputPadding else { return .success(nil) }
        // One zero Pad: absorb it.
        if readers.count == 1, case .pad(let pad) = graph.nodes[readers[0]].op {
            guard pad.value == 0 else {
                return .failure(Declined("\(producer.described): its reader \(graph.nodes[readers[0]].described) pads with "
                                         + "\(pad.value), not 0"))
            }
            let padNode = graph.nodes[readers[0]]
            let padded = parameters.withEpilogue {
                $0.outputPadBegin = pad.begin
                $0.outputPadEnd = pad.end
            }
            FusionSite.absorb(readers[0], into: index, in: &graph, op: producer.op.replacingConvolutionParameters(padded),
                              fusion: "padding")
            return .success("\(producer.described) writes the padding of \(padNode.described)")
        }
        var pads: [([Int], [Int])] = []
        for reader in readers {
            let node = graph.nodes[reader]
            guard case .convolution(let consumer) = node.op, node.inputs[0] == output, !node.inputs.dropFirst().contains(output) else {
                if readers.contains(where: { graph.nodes[$0].op.convolutionParameters?.padBegin.contains(where: { $0 > 0 }) ?? false }) {
                    return .failure(Declined("\(producer.described): its output is also read by \(node.described), "
                                             + "which needs it unpadded"))
                }
                return .success(nil)
            }
            pads.append((consumer.padBegin, consumer.padEnd))
        }
        guard let first = pads.first, (first.0 + first.1).contains(where: { $0 > 0 }) else { return .success(nil) }
        guard pads.allSatisfy({ $0 == first }) else {
            return .failure(Declined("\(producer.described): its readers need different padding"))
        }
        let padded = parameters.withEpilogue {
            $0.outputPadBegin = first.0
            $0.outputPadEnd = first.1
        }
        graph.nodes[index].op = producer.op.replacingConvolutionParameters(padded)
        graph.nodes[index].fusions.append("padding")
        for reader in readers {
            guard case .convolution(var consumer) = graph.nodes[reader].op else { continue }
            consumer.padBegin = [0, 0, 0]
            consumer.padEnd = [0, 0, 0]
            graph.nodes[reader].op = .convolution(consumer)
        }
        let names = readers.map { "'\(graph.nodes[$0].name)'" }.joined(separator: ", ")
        return .success("\(producer.described) writes its output padded by \(first.0)/\(first.1) for \(names)")
    }
}
