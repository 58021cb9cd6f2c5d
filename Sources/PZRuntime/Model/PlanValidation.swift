import PZGraph
import PZPack

/// Checks an execution plan against its graph and file, and builds the steps:
/// one step per non-Input node in order, a kernel the node's op allows, chunks
/// that cover the output blocks, packed weights of exactly the expected size,
/// buffers large enough for their tensors, no two live tensors in one buffer
/// (except an in-place node, on a kernel that may run in place, writing over its
/// dying input).
struct PlanValidation {
    let graph: Graph
    let shapes: [String: [Int]]
    let plan: ExecutionPlan
    let storage: ModelBytes
    let locations: [String: [WeightRole: (entry: WeightEntry, packing: Packing)]]

    private func fail(_ message: String) -> PackedModelError { PackedModelError(storage.name, message) }

    func blocked(_ tensor: String) -> BlockedShape { BlockedShape(shapes[tensor]!, lanes: plan.lanes) }

    /// The nodes the plan runs (all but the Inputs), each with its planned step.
    func plannedNodes() throws -> [(Node, PlannedStep)] {
        let computed = graph.nodes.filter { if case .input = $0.op { false } else { true } }
        guard plan.steps.count == computed.count else {
            throw fail("the plan has \(plan.steps.count) steps for \(computed.count) nodes")
        }
        for (node, planned) in zip(computed, plan.steps) where planned.node != node.name {
            throw fail("plan step for '\(planned.node)' where node '\(node.name)' comes next")
        }
        return Array(zip(computed, plan.steps))
    }

    /// Checks everything and describes every step for `library`.
    func buildSteps(library: any KernelLibrary.Type, derived: DerivedWeights) throws -> [RuntimeStep] {
        try checkBuffers()
        let statistics = graph.statistics(shapes: shapes)
        let flopsByNode = Dictionary(uniqueKeysWithValues: zip(graph.nodes.map(\.name), statistics.map(\.flops)))
        return try plannedNodes().map { node, planned in
            let work: RuntimeStep.Work
            if planned.kernel == .reference {
                guard locations[node.name]?.values.allSatisfy({ $0.packing == .plain }) ?? true else {
                    throw fail("node '\(node.name)' runs on the reference kernel but its weights are packed")
                }
                work = .reference(node)
            } else {
                work = .kernel(library.make(try spec(node, planned, derived: derived)))
            }
            return RuntimeStep(node: node.name, kind: planned.kernel, work: work, inputs: node.inputs.map { plan.placements[$0]! },
                               inputShapes: node.inputs.map(blocked), outputs: node.outputs.map { plan.placements[$0]! },
                               outputShapes: node.outputs.map(blocked), flops: flopsByNode[node.name] ?? 0)
        }
    }

    /// Every tensor placed, every buffer as large as its largest tensor (no
    /// larger: the executor allocates them), no overlapping lifetimes, in
    /// execution order (every Input first).
    private func checkBuffers() throws {
        let order = graph.executionOrder
        var lastUse: [String: Int] = [:]
        for (index, node) in order.enumerated() {
            for input in node.inputs { lastUse[input] = index }
        }
        for output in graph.outputNames { lastUse[output] = order.count }
        let kinds = Dictionary(plan.steps.map { ($0.node, $0.kernel) }, uniquingKeysWith: { first, _ in first })
        var holder: [Int: (tensor: String, until: Int)] = [:]
        var largest = [Int](repeating: 0, count: plan.buffers.count)
        for (index, node) in order.enumerated() {
            for input in node.inputs {
                guard let buffer = plan.placements[input], holder[buffer]?.tensor == input else {
                    throw fail("node '\(node.name)' reads '\(input)' from a buffer that no longer holds it")
                }
            }
            for (position, output) in node.outputs.enumerated() {
                guard let buffer = plan.placements[output], plan.buffers.indices.contains(buffer) else {
                    throw fail("tensor '\(output)' has no valid buffer in the plan")
                }
                guard plan.buffers[buffer] >= blocked(output).floatCount else {
                    throw fail("buffer \(buffer) is too small for tensor '\(output)'")
                }
                largest[buffer] = max(largest[buffer], blocked(output).floatCount)
                if let current = holder[buffer], current.until >= index {
                    let inPlace = node.inPlace && position == 0 && node.inputs.first == current.tensor && current.until == index
                        && kinds[node.name].map(KernelSelection.inPlaceCapable.contains) == true
                    guard inPlace else {
                        throw fail("tensor '\(output)' would overwrite '\(current.tensor)' in buffer \(buffer) while it is still needed")
                    }
                }
                holder[buffer] = (output, lastUse[output] ?? index)
            }
        }
        for (buffer, floats) in plan.buffers.enumerated() where floats > largest[buffer] {
            throw fail("buffer \(buffer) (\(floats) floats) is larger than any tensor placed in it (\(largest[buffer]))")
        }
    }

    /// The packed weight of `role`, checked to be `packing` of `floats` floats.
    private func packed(_ node: Node, _ role: WeightRole, floats: Int, packing: Packing) throws -> UnsafePointer<Float>? {
        guard let location = locations[node.name]?[role] else { return nil }
        guard location.packing == packing, location.entry.bytes == floats * 4 else {
            throw fail("weight '\(role.rawValue)' of node '\(node.name)' is not packed as the plan needs "
                       + "(\(location.packing.rawValue), \(location.entry.bytes) bytes; expected \(packing.rawValue), \(floats * 4))")
        }
        return storage.floats(at: location.entry.offset)
    }

    /// The packing a (de)convolution step's weight must have (checked chunks).
    func convolutionPacking(_ node: Node, _ planned: PlannedStep) throws -> ConvolutionPacking {
        func refuse() -> PackedModelError { fail("kernel '\(planned.kernel.rawValue)' cannot run node \(node.label)") }
        guard let parameters = node.op.convolutionParameters, let inputName = node.inputs.first else { throw refuse() }
        let input = blocked(inputName), output = blocked(node.outputs[0])
        let isDeconvolution: Bool
        if case .deconvolution = node.op { isDeconvolution = true } else { isDeconvolution = false }
        let layout = parameters.groupLayout(inputChannels: input.channels, lanes: plan.lanes, deconvolution: isDeconvolution)
        switch (planned.kernel, isDeconvolution) {
        case (.convolution, false): guard layout != .depthwise else { throw refuse() }
        case (.winograd, false): guard layout == .single, parameters.fitsWinograd else { throw refuse() }
        case (.depthwise, false): guard layout == .depthwise else { throw refuse() }
        case (.deconvolution, true): break
        case (.winograd, true): guard layout == .single, parameters.deconvolutionFitsWinograd else { throw refuse() }
        default: throw refuse()
        }
        let outputBlocks = output.blocks
        var chunks: [WeightPacking.Chunk] = []
        if planned.kernel == .depthwise {
            guard planned.chunks == nil else { throw fail("the depthwise step of node '\(node.name)' has chunks") }
        } else {
            let blocksPerGroup = layout == .wholeBlocks ? outputBlocks / parameters.groups : outputBlocks
            guard let planned = planned.chunks, Self.chunksValid(planned, outputBlocks: outputBlocks, blocksPerGroup: blocksPerGroup) else {
                throw fail("the chunks planned for node '\(node.name)' do not cover its output blocks")
            }
            chunks = planned
        }
        let result = (0..<3).map { output.shape[2 + $0] - parameters.epilogue.outputPadBegin[$0] - parameters.epilogue.outputPadEnd[$0] }
        return ConvolutionPacking(parameters: parameters, isDeconvolution: isDeconvolution, inputChannels: input.channels,
                                  result: result, lanes: plan.lanes, chunks: chunks)
    }

    private func spec(_ node: Node, _ planned: PlannedStep, derived: DerivedWeights) throws -> KernelSpec {
        let s = plan.lanes
        let input = node.inputs.first.map(blocked)
        func refuse() -> PackedModelError { fail("kernel '\(planned.kernel.rawValue)' cannot run node \(node.label)") }
        switch planned.kernel {
        case .convolution, .deconvolution, .winograd, .depthwise:
            let packing = try convolutionPacking(node, planned)
            let output = blocked(node.outputs[0])
            let weights = try packed(node, .weight, floats: packing.floats, packing: packing.packing)!
            let outputBlocks = output.blocks
            let vectors = EpilogueVectors(bias: try packed(node, .bias, floats: outputBlocks * s, packing: .channels),
                                          baseScale: try packed(node, .baseScale, floats: outputBlocks * s, packing: .channels),
                                          slopes: try packed(node, .slope, floats: outputBlocks * s, packing: .channels))
            if planned.kernel == .depthwise {
                return .depthwise(DepthwiseSpec(parameters: packing.parameters, input: input!, output: output, weights: weights,
                                                vectors: vectors))
            }
            let wholeBlocks = packing.groupLayout == .wholeBlocks
            let groups = packing.parameters.groups
            // A Winograd step runs every part that fits Winograd on it (a deconvolution's
            // other phases on the direct kernel).
            let winograd = packing.parts.map { planned.kernel == .winograd ? plan.winogradVariant($0.parameters) : nil }
            let specs = zip(packing.parts, winograd).map { part, winograd -> ConvolutionSpec in
                var resolved: [ConvolutionSpec.Chunk] = []
                for (chunk, offset) in zip(packing.chunks, part.chunkOffsets) {
                    var chunkWeights = weights + part.offset + offset
                    if let winograd {
                        chunkWeights = derived.keep(WeightPacking.winograd(fromKernelChunk: chunkWeights, blocks: chunk.blocks,
                                                                           lanes: s, inputBlocks: packing.chunkInputBlocks,
                                                                           depth: part.parameters.kernel[0], variant: winograd))
                    }
                    resolved.append(.init(firstBlock: chunk.firstBlock, blocks: chunk.blocks, weights: chunkWeights))
                }
                var parameters = part.parameters
                if packing.groupLayout == .expanded { parameters.groups = 1 }
                let phase = part.phase
                return ConvolutionSpec(parameters: parameters, input: input!, output: output, chunks: resolved,
                                       groupInputBlocks: packing.chunkInputBlocks,
                                       outputBlocksPerGroup: wholeBlocks ? outputBlocks / groups : outputBlocks,
                                       vectors: vectors, extent: phase?.count ?? (0..<3).map {
                                           output.shape[2 + $0] - parameters.epilogue.outputPadBegin[$0]
                                               - parameters.epilogue.outputPadEnd[$0]
                                       },
                                       first: phase?.first ?? [0, 0, 0],
                                       step: phase == nil ? [1, 1, 1] : packing.parameters.stride)
            }
            if case .deconvolution = node.op {
                return .transposedConvolution(phases: zip(specs, winograd).map { PhaseSpec(convolution: $0, winograd: $1) })
            }
            if planned.kernel == .winograd, let variant = winograd[0] { return .winograd(specs[0], variant) }
            return .convolution(specs[0])
        case .pooling:
            guard case .pooling(let parameters) = node.op, let input else { throw refuse() }
            return .pooling(parameters, input: input, output: blocked(node.outputs[0]))
        case .channelwise:
            guard let input else { throw refuse() }
            return .channelwise(try channelwise(node, shape: input))
        case .groupNorm:
            guard case .groupNorm(let parameters) = node.op, let input else { throw refuse() }
            let padded = { (role: WeightRole) in node.weights[role].map { WeightPacking.padChannels($0.values, lanes: plan.lanes, fill: 0) } }
            return .groupNorm(GroupNormSpec(shape: input, parameters: parameters, scale: padded(.scale), bias: padded(.bias)))
        case .channelScale:
            guard case .channelScale = node.op, let input else { throw refuse() }
            return .channelScale(shape: input)
        case .eltwise:
            guard case .eltwise(let parameters) = node.op, let input else { throw refuse() }
            return .eltwise(parameters, shape: input)
        case .concat:
            guard case .concat(let parameters) = node.op else { throw refuse() }
            return .concat(axis: parameters.axis, inputs: node.inputs.map(blocked), output: blocked(node.outputs[0]))
        case .crop:
            guard case .crop(let parameters) = node.op, let input else { throw refuse() }
            return .crop(offsets: parameters.offsets, input: input, output: blocked(node.outputs[0]))
        case .pad:
            guard case .pad(let parameters) = node.op, let input else { throw refuse() }
            return .pad(parameters, input: input, output: blocked(node.outputs[0]))
        case .upsample:
            guard case .upsample(let parameters) = node.op, let input else { throw refuse() }
            if parameters.linear != nil { return .linearUpsample(parameters, input: input, output: blocked(node.outputs[0])) }
            return .upsample(factors: parameters.factors, input: input, output: blocked(node.outputs[0]))
        case .softmax:
            guard case .softmax(let parameters) = node.op, let input else { throw refuse() }
            return .softmax(axis: parameters.axis, shape: input)
        case .mergeCrop:
            guard case .mergeCrop(let parameters) = node.op else { throw refuse() }
            return .mergeCrop(parameters.operation, first: blocked(node.inputs[0]), second: blocked(node.inputs[1]),
                              output: blocked(node.outputs[0]))
        case .copy:
            switch node.op {
            case .dropout, .split: return .copy(shape: input!)
            default: throw refuse()
            }
        case .reference:
            throw refuse()
        }
    }

    /// Multiplier, addend, activation and slopes of a BatchNorm, Scale or
    /// activation node, padded to whole blocks.
    private func channelwise(_ node: Node, shape: BlockedShape) throws -> ChannelwiseSpec {
        let s = plan.lanes
        func padded(_ values: [Float]?, fill: Float = 0) -> [Float]? {
            values.map { WeightPacking.padChannels($0, lanes: s, fill: fill) }
        }
        let slopes = padded(node.weights[.slope]?.values)
        switch node.op {
        case .scale(let parameters):
            return ChannelwiseSpec(shape: shape, multiplier: padded(node.weights[.scale]?.values, fill: 1),
                                   addend: padded(node.weights[.bias]?.values), activation: parameters.activation, slopes: slopes)
        case .batchNorm:
            let transform = LinearTransform(node)!
            return ChannelwiseSpec(shape: shape, multiplier: padded(transform.multiplier.map(Float.init), fill: 1),
                                   addend: padded(transform.addend.map(Float.init)), activation: nil, slopes: nil)
        case .activation(let activation):
            return ChannelwiseSpec(shape: shape, multiplier: nil, addend: nil, activation: activation, slopes: slopes)
        default:
            throw fail("kernel 'channelwise' cannot run node \(node.label)")
        }
    }

    static func chunksValid(_ chunks: [WeightPacking.Chunk], outputBlocks: Int, blocksPerGroup: Int) -> Bool {
        var next = 0
        for chunk in chunks {
            guard chunk.firstBlock == next, (1...WeightPacking.maximumChunkBlocks).contains(chunk.blocks), blocksPerGroup > 0,
                  chunk.firstBlock / blocksPerGroup == (chunk.firstBlock + chunk.blocks - 1) / blocksPerGroup else { return false }
            next += chunk.blocks
        }
        return next == outputBlocks
    }
}

/// Weights derived at load (Winograd's transformed kernels), in 64-byte aligned
/// memory that lives as long as the model.
final class DerivedWeights: @unchecked Sendable {
    private var buffers: [UnsafeMutablePointer<Float>] = []

    /// A copy of `values` that stays valid until the model is released.
    func keep(_ values: [Float]) -> UnsafePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, values.count) * 4, alignment: 64)
        let pointer = raw.bindMemory(to: Float.self, capacity: max(1, values.count))
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: values.count) }
        buffers.append(pointer)
        return UnsafePointer(pointer)
    }

    deinit { for pointer in buffers { pointer.deallocate() } }
}
