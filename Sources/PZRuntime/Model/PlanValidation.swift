import PZGraph

/// Checks an execution plan against its graph and file, and builds the steps:
/// one step per non-Input node in order, a kernel the node's op allows, chunks
/// that cover the output blocks, packed weights of exactly the expected size,
/// buffers large enough for their tensors, and no two live tensors in one buffer
/// (except a node marked in place writing over its dying input).
struct PlanValidation {
    let graph: Graph
    let shapes: [String: [Int]]
    let plan: ExecutionPlan
    let file: MappedFile
    let locations: [String: [WeightRole: (entry: WeightEntry, packing: Packing)]]
    let path: String

    private func fail(_ message: String) -> PackedModelError { PackedModelError(path, message) }

    func blocked(_ tensor: String) -> BlockedShape { BlockedShape(shapes[tensor]!, lanes: plan.lanes) }

    func buildSteps(derived: inout [[Float]]) throws -> [RuntimeStep] {
        try checkBuffers()
        let computed = graph.nodes.filter { if case .input = $0.op { false } else { true } }
        guard plan.steps.count == computed.count else {
            throw fail("the plan has \(plan.steps.count) steps for \(computed.count) nodes")
        }
        let shapes = self.shapes
        let statistics = graph.statistics(shapes: shapes)
        let flopsByNode = Dictionary(uniqueKeysWithValues: zip(graph.nodes.map(\.name), statistics.map(\.flops)))
        var steps: [RuntimeStep] = []
        for (node, planned) in zip(computed, plan.steps) {
            guard planned.node == node.name else {
                throw fail("plan step for '\(planned.node)' where node '\(node.name)' comes next")
            }
            let kernel = try makeKernel(node, planned, derived: &derived)
            steps.append(RuntimeStep(node: node.name, kernel: kernel, inputs: node.inputs.map { plan.placements[$0]! },
                                     inputShapes: node.inputs.map(blocked), outputs: node.outputs.map { plan.placements[$0]! },
                                     outputShapes: node.outputs.map(blocked), flops: flopsByNode[node.name] ?? 0))
        }
        return steps
    }

    /// Every tensor placed, every buffer as large as its largest tensor (no
    /// larger: the executor allocates them), no overlapping lifetimes.
    private func checkBuffers() throws {
        var lastUse: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs { lastUse[input] = index }
        }
        for output in graph.outputNames { lastUse[output] = graph.nodes.count }
        var holder: [Int: (tensor: String, until: Int)] = [:]
        var largest = [Int](repeating: 0, count: plan.buffers.count)
        for (index, node) in graph.nodes.enumerated() {
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

    private func packed(_ node: Node, _ role: WeightRole, expectedFloats: Int, packing: Packing) throws -> UnsafePointer<Float>? {
        guard let location = locations[node.name]?[role] else { return nil }
        guard location.packing == packing, location.entry.bytes == expectedFloats * 4 else {
            throw fail("weight '\(role.rawValue)' of node '\(node.name)' is not packed as the plan needs "
                       + "(\(location.packing.rawValue), \(location.entry.bytes) bytes; expected \(packing.rawValue), \(expectedFloats * 4))")
        }
        return file.floats(at: location.entry.offset)
    }

    private func makeKernel(_ node: Node, _ planned: PlannedStep, derived: inout [[Float]]) throws -> RuntimeStep.Kernel {
        let s = plan.lanes
        let input = node.inputs.first.map(blocked)
        func expect(_ allowed: Bool) throws {
            guard allowed else { throw fail("kernel '\(planned.kernel.rawValue)' cannot run node \(node.label)") }
        }
        switch planned.kernel {
        case .convolution, .deconvolution, .winograd:
            guard let parameters = node.op.convolutionParameters, let input else { throw fail("kernel '\(planned.kernel.rawValue)' cannot run node \(node.label)") }
            let isDeconvolution = planned.kernel == .deconvolution
            let isWinograd = planned.kernel == .winograd
            if case .deconvolution = node.op { try expect(isDeconvolution && parameters.fitsSubPixelDeconvolution) } else {
                try expect(!isDeconvolution && parameters.fitsBlockedConvolution(inputChannels: input.channels, lanes: s)
                           && (!isWinograd || parameters.fitsWinograd))
            }
            let output = blocked(node.outputs[0])
            let outputBlocks = output.blocks
            let blocksPerGroup = isDeconvolution ? outputBlocks : outputBlocks / parameters.groups
            let inputBlocks = isDeconvolution ? input.blocks : input.blocks / parameters.groups
            guard let chunks = planned.chunks, Self.chunksValid(chunks, outputBlocks: outputBlocks, blocksPerGroup: blocksPerGroup) else {
                throw fail("the chunks planned for node '\(node.name)' do not cover its output blocks")
            }
            // Floats per output block of a chunk: every tap (or Winograd position and D-tap).
            let taps = isWinograd ? 16 * parameters.kernel[0] : parameters.kernel.reduce(1, *)
            let total = chunks.reduce(0) { $0 + inputBlocks * taps * s * $1.blocks * s }
            let weights = try packed(node, .weight, expectedFloats: total, packing: isWinograd ? .winogradChunks : .kernelChunks)!
            var offset = 0
            var resolved: [ConvolutionKernel.Chunk] = []
            for chunk in chunks {
                resolved.append(.init(firstBlock: chunk.firstBlock, blocks: chunk.blocks, weights: weights + offset))
                offset += inputBlocks * taps * s * chunk.blocks * s
            }
            let bias = try packed(node, .bias, expectedFloats: outputBlocks * s, packing: .channels)
            let baseScale = try packed(node, .baseScale, expectedFloats: outputBlocks * s, packing: .channels)
            if isDeconvolution {
                return .deconvolution(DeconvolutionKernel(parameters: parameters, inputShape: input, outputShape: output,
                                                          chunks: resolved, bias: bias, baseScale: baseScale))
            }
            if isWinograd {
                return .winograd(WinogradKernel(parameters: parameters, inputShape: input, outputShape: output, chunks: resolved,
                                                bias: bias, baseScale: baseScale))
            }
            return .convolution(ConvolutionKernel(parameters: parameters, inputShape: input, outputShape: output, chunks: resolved,
                                                  groupInputBlocks: inputBlocks, outputBlocksPerGroup: blocksPerGroup,
                                                  bias: bias, baseScale: baseScale))
        case .pooling:
            guard case .pooling(let parameters) = node.op, let input else { throw fail("kernel 'pooling' cannot run node \(node.label)") }
            return .pooling(PoolingKernel(parameters: parameters, inputShape: input, outputShape: blocked(node.outputs[0])))
        case .channelwise:
            guard let input else { throw fail("kernel 'channelwise' cannot run node \(node.label)") }
            let (multiplier, addend, activation) = try channelwise(node)
            let padded = (multiplier.map { WeightPacking.padChannels($0, lanes: s, fill: 1) },
                          addend.map { WeightPacking.padChannels($0, lanes: s) })
            derived += [padded.0, padded.1].compactMap { $0 }
            return .channelwise(ChannelwiseKernel(shape: input, multiplier: padded.0, addend: padded.1, activation: activation))
        case .eltwise:
            guard case .eltwise(let parameters) = node.op, let input else { throw fail("kernel 'eltwise' cannot run node \(node.label)") }
            return .eltwise(EltwiseKernel(parameters: parameters, shape: input))
        case .concat:
            guard case .concat(let parameters) = node.op else { throw fail("kernel 'concat' cannot run node \(node.label)") }
            return .concat(axis: parameters.axis)
        case .crop:
            guard case .crop(let parameters) = node.op, parameters.offsets[0] == 0 else {
                throw fail("kernel 'crop' cannot run node \(node.label)")
            }
            return .crop(offsets: parameters.offsets)
        case .pad:
            guard case .pad(let parameters) = node.op else { throw fail("kernel 'pad' cannot run node \(node.label)") }
            return .pad(parameters)
        case .upsample:
            guard case .upsample(let parameters) = node.op else { throw fail("kernel 'upsample' cannot run node \(node.label)") }
            return .upsample(factors: parameters.factors)
        case .softmax:
            guard case .softmax(let parameters) = node.op, parameters.axis == 1, let input else {
                throw fail("kernel 'softmax' cannot run node \(node.label)")
            }
            return .softmax(SoftmaxKernel(shape: input))
        case .mergeCrop:
            guard case .mergeCrop(let parameters) = node.op else { throw fail("kernel 'merge-crop' cannot run node \(node.label)") }
            return .mergeCrop(parameters.operation)
        case .copy:
            switch node.op {
            case .dropout, .split: return .copy
            default: throw fail("kernel 'copy' cannot run node \(node.label)")
            }
        case .reference:
            guard locations[node.name]?.values.allSatisfy({ $0.packing == .plain }) ?? true else {
                throw fail("node '\(node.name)' runs on the reference kernel but its weights are packed")
            }
            return .reference(node)
        }
    }

    /// Multiplier, addend and activation of a BatchNorm, Scale or activation node.
    private func channelwise(_ node: Node) throws -> ([Float]?, [Float]?, Activation?) {
        if case .scale = node.op {
            return (node.weights[.scale]?.values, node.weights[.bias]?.values, nil)
        }
        if let transform = LinearTransform(node) {
            return (transform.multiplier.map(Float.init), transform.addend.map(Float.init), nil)
        }
        switch node.op {
        case .activation(let activation):
            return (nil, nil, activation)
        default:
            throw fail("kernel 'channelwise' cannot run node \(node.label)")
        }
    }

    static func chunksValid(_ chunks: [WeightPacking.Chunk], outputBlocks: Int, blocksPerGroup: Int) -> Bool {
        var next = 0
        for chunk in chunks {
            guard chunk.firstBlock == next, (1...4).contains(chunk.blocks), blocksPerGroup > 0,
                  chunk.firstBlock / blocksPerGroup == (chunk.firstBlock + chunk.blocks - 1) / blocksPerGroup else { return false }
            next += chunk.blocks
        }
        return next == outputBlocks
    }
}
