import PZGraph

/// How one (de)convolution's kernel is packed for its planned step, in parts:
/// a convolution has one part (itself); a deconvolution has one per output phase
/// (`DeconvolutionPhase`), each the sub-convolution with its sub-kernel. Every
/// part is packed as `WeightPacking.packKernel` chunks (the same chunks for every
/// part) and the parts follow one another; a depthwise step packs
/// [block][tap][S] instead. The layout is an exact permutation of the IR weight
/// (plus zeros), so `unpack` restores it bit for bit.
public struct ConvolutionPacking: Sendable {
    /// One packed sub-convolution.
    public struct Part: Sendable {
        /// Its parameters (stride 1 and the phase's dilation and padding for a
        /// phase; the node's epilogue).
        public var parameters: ConvolutionParameters
        /// The phase it computes (deconvolutions only).
        public var phase: DeconvolutionPhase?
        /// Where its packed floats start, and where each chunk's start within them.
        public var offset: Int
        public var chunkOffsets: [Int]
        public var floats: Int
    }

    public let parameters: ConvolutionParameters
    public let isDeconvolution: Bool
    public let inputChannels: Int
    public let lanes: Int
    public let groupLayout: GroupLayout
    public let chunks: [WeightPacking.Chunk]
    public let parts: [Part]

    /// The packing of a node's kernel: `parameters` of a convolution or
    /// deconvolution (`isDeconvolution`) reading `inputChannels` channels, whose
    /// result (output without its border) has spatial extent `result`.
    public init(parameters: ConvolutionParameters, isDeconvolution: Bool, inputChannels: Int, result: [Int], lanes: Int,
                chunks: [WeightPacking.Chunk]) {
        self.parameters = parameters
        self.isDeconvolution = isDeconvolution
        self.inputChannels = inputChannels
        self.lanes = lanes
        self.chunks = chunks
        groupLayout = parameters.groupLayout(inputChannels: inputChannels, lanes: lanes, deconvolution: isDeconvolution)
        let geometries: [(ConvolutionParameters, DeconvolutionPhase?)] = isDeconvolution
            ? DeconvolutionPhase.phases(of: parameters, result: result).map { ($0.convolutionParameters(of: parameters), $0) }
            : [(parameters, nil)]
        let inputBlocks = Self.chunkInputBlocks(inputChannels: inputChannels, groups: parameters.groups, lanes: lanes,
                                                layout: groupLayout)
        let outputBlocks = (parameters.outputChannels + lanes - 1) / lanes
        var parts: [Part] = []
        var offset = 0
        for (subParameters, phase) in geometries {
            let taps = subParameters.kernel.reduce(1, *)
            var chunkOffsets: [Int] = []
            var floats = 0
            if groupLayout == .depthwise {
                floats = outputBlocks * taps * lanes
            } else {
                for chunk in chunks {
                    chunkOffsets.append(floats)
                    floats += inputBlocks * taps * lanes * chunk.blocks * lanes
                }
            }
            parts.append(Part(parameters: subParameters, phase: phase, offset: offset, chunkOffsets: chunkOffsets, floats: floats))
            offset += floats
        }
        self.parts = parts
    }

    /// Input blocks one chunk reads: its group's for whole-block groups, all of them otherwise.
    public var chunkInputBlocks: Int {
        Self.chunkInputBlocks(inputChannels: inputChannels, groups: parameters.groups, lanes: lanes, layout: groupLayout)
    }

    private static func chunkInputBlocks(inputChannels: Int, groups: Int, lanes: Int, layout: GroupLayout) -> Int {
        layout == .wholeBlocks ? inputChannels / groups / lanes : (inputChannels + lanes - 1) / lanes
    }

    /// Packed floats in all.
    public var floats: Int { parts.reduce(0) { $0 + $1.floats } }

    /// How the packed values are labelled in the file.
    public var packing: Packing {
        groupLayout == .depthwise ? .depthwiseBlocks : (isDeconvolution ? .phaseChunks : .kernelChunks)
    }

    /// The packed kernel, from the node's IR weight.
    public func pack(_ weight: Tensor) -> [Float] {
        var packed: [Float] = []
        packed.reserveCapacity(floats)
        for part in parts {
            let kernel = part.phase.map { $0.convolutionWeight(from: weight, groups: parameters.groups) } ?? weight
            if groupLayout == .depthwise {
                packed += WeightPacking.packDepthwise(kernel, lanes: lanes)
                continue
            }
            let dense = groupLayout == .expanded ? WeightPacking.blockDiagonal(kernel, groups: parameters.groups) : kernel
            let outputBlocks = (parameters.outputChannels + lanes - 1) / lanes
            let blocksPerGroup = groupLayout == .wholeBlocks ? outputBlocks / parameters.groups : outputBlocks
            for chunk in chunks {
                packed += WeightPacking.packKernel(dense, chunk: chunk, lanes: lanes, inputBlocks: chunkInputBlocks,
                                                   groupOfChunk: chunk.firstBlock / blocksPerGroup,
                                                   outputsPerGroup: groupLayout == .wholeBlocks
                                                       ? parameters.outputChannels / parameters.groups : parameters.outputChannels)
            }
        }
        return packed
    }

    /// The IR weight back from its packed form (`floats` values): the inverse of `pack`.
    public func unpack(_ packed: UnsafeBufferPointer<Float>, irShape: [Int]) -> Tensor {
        var weight = Tensor(zeros: irShape)
        for part in parts {
            let subShape = [parameters.outputChannels, irShape[isDeconvolution ? 0 : 1] / (isDeconvolution ? parameters.groups : 1)]
                + part.parameters.kernel
            var kernel: Tensor
            if groupLayout == .depthwise {
                kernel = WeightPacking.unpackDepthwise(UnsafeBufferPointer(rebasing: packed[part.offset..<(part.offset + part.floats)]),
                                                       shape: subShape, lanes: lanes)
            } else {
                let expandedShape = groupLayout == .expanded ? [subShape[0], subShape[1] * parameters.groups] + subShape[2...]
                    : subShape
                var dense = Tensor(zeros: expandedShape)
                let outputBlocks = (parameters.outputChannels + lanes - 1) / lanes
                let blocksPerGroup = groupLayout == .wholeBlocks ? outputBlocks / parameters.groups : outputBlocks
                for (chunk, chunkOffset) in zip(chunks, part.chunkOffsets) {
                    WeightPacking.unpackKernel(packed.baseAddress! + part.offset + chunkOffset, into: &dense, chunk: chunk,
                                               lanes: lanes, inputBlocks: chunkInputBlocks,
                                               groupOfChunk: chunk.firstBlock / blocksPerGroup,
                                               outputsPerGroup: groupLayout == .wholeBlocks
                                                   ? parameters.outputChannels / parameters.groups : parameters.outputChannels)
                }
                kernel = groupLayout == .expanded ? WeightPacking.groupsOfBlockDiagonal(dense, groups: parameters.groups) : dense
            }
            if let phase = part.phase {
                phase.scatter(kernel, into: &weight, groups: parameters.groups)
            } else {
                weight = kernel
            }
        }
        return weight
    }
}
