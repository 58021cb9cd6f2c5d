import PZGraph

/// Packs and plans an (optimized) graph into a `.pz` file for the fast executor.
public enum Exporter {
    /// The plan for `graph` on `isa` at `lanes` = S (8 or 16; default: what
    /// `KernelTuning` chooses for the graph); with `winograd` false every
    /// convolution runs on the direct kernel (the PZnet paper's algorithm);
    /// `referenceNodes` run on the reference kernel (for bisecting a kernel);
    /// `winograd3x3Outputs` (2 or 4) overrides the tuning's variant for 3×3 kernels.
    public static func plan(_ graph: Graph, isa: InstructionSet, lanes: Int? = nil, winograd: Bool = true,
                            winograd3x3Outputs: Int? = nil, referenceNodes: Set<String> = []) throws -> ExecutionPlan {
        let shapes = try graph.validate()
        let tuning = KernelTuning.of(isa)
        let lanes = lanes ?? tuning.lanes(for: graph)
        var steps: [PlannedStep] = []
        for node in graph.nodes {
            if case .input = node.op { continue }
            steps.append(KernelSelection.step(for: node, shapes: shapes, lanes: lanes, winograd: winograd, tuning: tuning,
                                              reference: referenceNodes.contains(node.name)))
        }
        let byNode = Dictionary(uniqueKeysWithValues: steps.map { ($0.node, $0) })
        let (buffers, placements) = BufferAssignment.assign(graph, shapes: shapes, steps: byNode, lanes: lanes)
        return ExecutionPlan(isa: isa, lanes: lanes, winograd3x3Outputs: winograd3x3Outputs ?? tuning.winogradOutputsFor3x3,
                             buffers: buffers, placements: placements, steps: steps)
    }

    /// The bytes of the `.pz` file. `sourceModelSHA256` identifies the `.pzir`.
    public static func encode(_ graph: Graph, plan: ExecutionPlan, sourceModelSHA256: String) throws -> [UInt8] {
        let shapes = try graph.validate()
        let stepsByNode = Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.node, $0) })
        var blobs: [[Float]] = []
        var packings: [(node: Int, role: WeightRole, packing: Packing)] = []
        for (index, node) in graph.nodes.enumerated() {
            for role in node.weights.keys.sorted() {
                let (values, packing) = pack(node, role: role, step: stepsByNode[node.name], shapes: shapes, lanes: plan.lanes)
                blobs.append(values)
                packings.append((index, role, packing))
            }
        }
        return try SectionedFile.encode(magic: PackedModelFile.magic, version: PackedModelFile.formatVersion, blobs: blobs) { locations in
            var entries = [[String: WeightEntry]](repeating: [:], count: graph.nodes.count)
            for (location, placed) in zip(locations, packings) {
                let tensor = graph.nodes[placed.node].weights[placed.role]!
                entries[placed.node][placed.role.rawValue] = WeightEntry(shape: tensor.shape, offset: location.offset,
                                                                         bytes: location.bytes, crc32: location.crc32,
                                                                         packing: placed.packing.rawValue)
            }
            let nodes = graph.nodes.enumerated().map { index, node in
                NodeDocument(name: node.name, op: node.op, inputs: node.inputs, outputs: node.outputs, weights: entries[index],
                             sourceLayers: node.sourceLayers, fusions: node.fusions, inPlace: node.inPlace)
            }
            let document = GraphDocument(format: "pzir", version: Int(PZIRFile.formatVersion), producer: PZConvVersion.producer,
                                         name: graph.name, source: graph.source,
                                         outputs: graph.outputs.map { OutputDocument(tensor: $0.tensor, layout: $0.sourceLayout) },
                                         nodes: nodes, verification: graph.verification)
            return try PZIRFile.encodeJSON(PackedModelDocument(sourceModelSHA256: sourceModelSHA256, graph: document, plan: plan))
        }
    }

    /// A weight in the layout its node's kernel reads.
    private static func pack(_ node: Node, role: WeightRole, step: PlannedStep?, shapes: [String: [Int]],
                             lanes: Int) -> ([Float], Packing) {
        let tensor = node.weights[role]!
        guard let step, [.convolution, .winograd, .deconvolution, .depthwise].contains(step.kernel),
              let parameters = node.op.convolutionParameters else { return (tensor.values, .plain) }
        guard role == .weight else { return (WeightPacking.padChannels(tensor.values, lanes: lanes), .channels) }
        let isDeconvolution = if case .deconvolution = node.op { true } else { false }
        let output = shapes[node.outputs[0]]!
        let result = (0..<3).map { output[2 + $0] - parameters.epilogue.outputPadBegin[$0] - parameters.epilogue.outputPadEnd[$0] }
        let packing = ConvolutionPacking(parameters: parameters, isDeconvolution: isDeconvolution,
                                         inputChannels: shapes[node.inputs[0]]![1], result: result, lanes: lanes,
                                         chunks: step.chunks ?? [])
        return (packing.pack(tensor), packing.packing)
    }
}
