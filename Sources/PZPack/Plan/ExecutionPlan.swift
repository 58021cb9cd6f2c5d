import PZGraph

/// How a `.pz` model runs: the instruction set and SIMD width it was planned
/// for, one step per node (after the Inputs), and where each tensor lives.
/// Written by the exporter, checked by the loader; a loader on a CPU with another
/// instruction set re-plans (see `PackedModel`).
public struct ExecutionPlan: Codable, Equatable, Sendable {
    /// The kernels' instruction set the plan's chunks and kernel choices were made for.
    public var isa: InstructionSet
    /// S: 8 or 16 float lanes per channel block.
    public var lanes: Int
    /// The Winograd variant of 3×3 kernels: F(m×m, 3×3) with m = 2 or 4.
    public var winograd3x3Outputs: Int
    /// Size of each activation buffer, in floats. Buffers are reused by tensors
    /// whose lifetimes do not overlap, and in-place nodes write over their input.
    public var buffers: [Int]
    /// The buffer of every tensor.
    public var placements: [String: Int]
    public var steps: [PlannedStep]

    enum CodingKeys: String, CodingKey {
        case isa, lanes, winograd3x3Outputs = "winograd_3x3_outputs", buffers, placements, steps
    }

    public init(isa: InstructionSet, lanes: Int, winograd3x3Outputs: Int, buffers: [Int], placements: [String: Int],
                steps: [PlannedStep]) {
        self.isa = isa
        self.lanes = lanes
        self.winograd3x3Outputs = winograd3x3Outputs
        self.buffers = buffers
        self.placements = placements
        self.steps = steps
    }

    /// The Winograd variant this plan runs a (sub-)convolution on, nil when none fits.
    public func winogradVariant(_ parameters: ConvolutionParameters) -> WinogradVariant? {
        guard parameters.fitsWinograd else { return nil }
        return WinogradVariant.forKernel(parameters.kernel[1], outputsFor3x3: winograd3x3Outputs)
    }

    /// Bytes of activation memory the plan allocates.
    public var activationBytes: Int { [buffers.saturatingSum, 4].saturatingElementCount }
}

/// The kernel that runs one node, and its tiling.
public struct PlannedStep: Codable, Equatable, Sendable {
    public var node: String
    public var kernel: KernelKind
    /// Convolutions (direct and Winograd) and deconvolutions: output blocks per
    /// chunk (a deconvolution uses the same chunks for each of its phases).
    public var chunks: [WeightPacking.Chunk]?

    public init(node: String, kernel: KernelKind, chunks: [WeightPacking.Chunk]? = nil) {
        self.node = node
        self.kernel = kernel
        self.chunks = chunks
    }
}

public enum KernelKind: String, Codable, Sendable, CaseIterable {
    /// Direct convolution on register tiles.
    case convolution
    /// Convolution by Winograd F(2×2, 3×3) in H×W (kernels Kd×3×3, unit stride in
    /// H and W); also a stride-1 deconvolution, as the convolution with its flipped kernel.
    case winograd
    /// Transposed convolution split into output phases, each a direct convolution
    /// with its sub-kernel (`DeconvolutionPhase`).
    case deconvolution
    /// Depthwise convolution (one input channel per group, one output per input).
    case depthwise
    case pooling
    /// BatchNorm, Scale or an activation (PReLU too): `activation(x·m + a)` per channel.
    case channelwise
    /// Group and instance normalization: statistics, then `x·m + a` per channel.
    case groupNorm = "group-norm"
    case eltwise
    /// `x · s[n, c]` (squeeze-excitation).
    case channelScale = "channel-scale"
    case concat
    case crop
    case pad
    case upsample
    /// Softmax along any axis.
    case softmax
    case mergeCrop = "merge-crop"
    /// Dropout and Split (identities that survived the passes).
    case copy
    /// Computed by the reference implementation on NCDHW copies: only where the
    /// exporter was asked to (`export --reference-kernel`, for bisecting a kernel).
    case reference
}

/// How a weight's values are stored in a `.pz` file.
public enum Packing: String, Sendable {
    /// Convolution kernel per chunk (`WeightPacking.packKernel`), chunks one after
    /// the other; direct and Winograd steps (Winograd transforms it at load).
    case kernelChunks = "kernel-chunks"
    /// A deconvolution: each phase's sub-kernel packed as `kernelChunks`, the
    /// phases one after the other in `DeconvolutionPhase.phases` order.
    case phaseChunks = "phase-chunks"
    /// Depthwise kernel: [block][tap][S] (zero past the channels).
    case depthwiseBlocks = "depthwise-blocks"
    /// Per-channel vector padded to whole blocks.
    case channels
    /// The IR shape in C order.
    case plain
}
