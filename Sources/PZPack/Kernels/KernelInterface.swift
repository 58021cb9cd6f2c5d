import PZGraph

/// The contract between a checked plan and a build of the kernels
/// (`PZKernelsAVX2`, `PZKernelsAVX512`: one source compiled per instruction set).
/// The loader checks a plan and resolves its weights, then describes each step
/// with a `KernelSpec`; the kernel build turns that into a `StepKernel`. Every
/// pointer in a spec stays valid while the model is loaded; every shape and
/// size in it has been checked, so the kernels (compiled `-Ounchecked`) need
/// not check again.
public protocol KernelLibrary {
    /// The instruction set this build was compiled for.
    static var instructionSet: InstructionSet { get }

    /// The kernel that runs one step.
    static func make(_ spec: KernelSpec) -> any StepKernel

    /// NCDHW floats → the blocked layout of `shape` (padding lanes get 0).
    static func toBlocked(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, shape: BlockedShape,
                          threads: Int)
    /// The blocked layout of `shape` → NCDHW floats.
    static func fromBlocked(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, shape: BlockedShape,
                            threads: Int)

    /// FLOP/s of the build's FMA micro-kernel at `lanes` on `threads` threads
    /// (median of `repeats` timed runs).
    static func peakFLOPs(threads: Int, lanes: Int, repeats: Int) -> Double

    /// FLOP/s of one register tile (S lanes, `blocks` output blocks, the last one
    /// half when `halfLast`, `width` positions) on one thread, on data in cache;
    /// nil when the build has no such tile.
    static func tileFLOPs(lanes: Int, blocks: Int, width: Int, halfLast: Bool) -> Double?

    /// The largest tile width the build uses for S lanes and `blocks` output blocks.
    static func maximumTileWidth(lanes: Int, blocks: Int, halfLast: Bool) -> Int
}

/// A step ready to run on its buffers (blocked layout; the output of a padded
/// convolution includes its border).
public protocol StepKernel: Sendable {
    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int)
}

/// One step, described for a kernel build.
public enum KernelSpec: @unchecked Sendable {
    case convolution(ConvolutionSpec)
    /// Winograd (the chunk weights are U of the variant).
    case winograd(ConvolutionSpec, WinogradVariant)
    /// Output phases, each a convolution (direct, or Winograd where `winograd`)
    /// of the same input into a strided subset of the same output.
    case transposedConvolution(phases: [PhaseSpec])
    case depthwise(DepthwiseSpec)
    case pooling(PoolingParameters, input: BlockedShape, output: BlockedShape)
    case channelwise(ChannelwiseSpec)
    case groupNorm(GroupNormSpec)
    case eltwise(EltwiseParameters, shape: BlockedShape)
    /// The first input (`shape`) times the second's per-channel values (N × C × 1 × 1 × 1, blocked).
    case channelScale(shape: BlockedShape)
    case concat(axis: Int, inputs: [BlockedShape], output: BlockedShape)
    /// Spatial, channel and batch offsets (NCDHW).
    case crop(offsets: [Int], input: BlockedShape, output: BlockedShape)
    case pad(PadParameters, input: BlockedShape, output: BlockedShape)
    case upsample(factors: [Int], input: BlockedShape, output: BlockedShape)
    /// Linear up-sampling (`UpsampleParameters.linear` set).
    case linearUpsample(UpsampleParameters, input: BlockedShape, output: BlockedShape)
    case softmax(axis: Int, shape: BlockedShape)
    case mergeCrop(MergeCropParameters.Operation, first: BlockedShape, second: BlockedShape, output: BlockedShape)
    /// The input copied to every output (Dropout, Split).
    case copy(shape: BlockedShape)
}

/// What the epilogue of a (de)convolution needs besides its parameters: the
/// per-channel vectors, each padded to whole blocks of S (nil when absent).
public struct EpilogueVectors: @unchecked Sendable {
    public var bias: UnsafePointer<Float>?
    public var baseScale: UnsafePointer<Float>?
    /// PReLU slopes, when the epilogue's activation is `.prelu`.
    public var slopes: UnsafePointer<Float>?

    public init(bias: UnsafePointer<Float>? = nil, baseScale: UnsafePointer<Float>? = nil, slopes: UnsafePointer<Float>? = nil) {
        self.bias = bias
        self.baseScale = baseScale
        self.slopes = slopes
    }
}

/// A direct or Winograd convolution, or one phase of a transposed convolution.
public struct ConvolutionSpec: @unchecked Sendable {
    public struct Chunk: @unchecked Sendable {
        public var firstBlock: Int
        public var blocks: Int
        /// The chunk's packed kernel (direct layout, or Winograd's U for Winograd steps).
        public var weights: UnsafePointer<Float>

        public init(firstBlock: Int, blocks: Int, weights: UnsafePointer<Float>) {
            self.firstBlock = firstBlock
            self.blocks = blocks
            self.weights = weights
        }
    }

    /// The convolution computed (for a phase: its sub-convolution; padding may be
    /// negative there), with the node's epilogue.
    public var parameters: ConvolutionParameters
    public var input: BlockedShape
    /// The physical output: with the epilogue's padded border.
    public var output: BlockedShape
    public var chunks: [Chunk]
    /// Input blocks each chunk reads, and output blocks per group: whole-block
    /// groups only (otherwise all input blocks and all output blocks).
    public var groupInputBlocks: Int
    public var outputBlocksPerGroup: Int
    public var vectors: EpilogueVectors
    /// The positions computed, per spatial axis (D, H, W): result position u is
    /// stored at result position `first + u·step` (a plain convolution computes
    /// the whole result with first 0 and step 1).
    public var extent: [Int]
    public var first: [Int]
    public var step: [Int]

    public init(parameters: ConvolutionParameters, input: BlockedShape, output: BlockedShape, chunks: [Chunk],
                groupInputBlocks: Int, outputBlocksPerGroup: Int, vectors: EpilogueVectors, extent: [Int],
                first: [Int] = [0, 0, 0], step: [Int] = [1, 1, 1]) {
        self.parameters = parameters
        self.input = input
        self.output = output
        self.chunks = chunks
        self.groupInputBlocks = groupInputBlocks
        self.outputBlocksPerGroup = outputBlocksPerGroup
        self.vectors = vectors
        self.extent = extent
        self.first = first
        self.step = step
    }
}

/// One output phase of a transposed convolution.
public struct PhaseSpec: @unchecked Sendable {
    public var convolution: ConvolutionSpec
    /// The Winograd variant the phase runs on (its chunk weights are then U); nil: direct.
    public var winograd: WinogradVariant?

    public init(convolution: ConvolutionSpec, winograd: WinogradVariant?) {
        self.convolution = convolution
        self.winograd = winograd
    }
}

/// A depthwise convolution: output channel c reads input channel c only.
public struct DepthwiseSpec: @unchecked Sendable {
    public var parameters: ConvolutionParameters
    public var input: BlockedShape
    public var output: BlockedShape
    /// [block][tap][lane] (see `WeightPacking.packDepthwise`).
    public var weights: UnsafePointer<Float>
    public var vectors: EpilogueVectors

    public init(parameters: ConvolutionParameters, input: BlockedShape, output: BlockedShape, weights: UnsafePointer<Float>,
                vectors: EpilogueVectors) {
        self.parameters = parameters
        self.input = input
        self.output = output
        self.weights = weights
        self.vectors = vectors
    }
}

/// `activation(x · multiplier + addend)` per channel (BatchNorm, Scale,
/// activations, PReLU); each vector padded to blocks × S, nil when absent.
/// Group normalization of a blocked tensor (see `GroupNormParameters`); `scale`
/// and `bias` padded to whole blocks (nil when absent).
public struct GroupNormSpec: Sendable {
    public var shape: BlockedShape
    public var parameters: GroupNormParameters
    public var scale: [Float]?
    public var bias: [Float]?

    public init(shape: BlockedShape, parameters: GroupNormParameters, scale: [Float]?, bias: [Float]?) {
        self.shape = shape
        self.parameters = parameters
        self.scale = scale
        self.bias = bias
    }
}

public struct ChannelwiseSpec: Sendable {
    public var shape: BlockedShape
    public var multiplier: [Float]?
    public var addend: [Float]?
    public var activation: Activation?
    /// PReLU slopes, when `activation` is `.prelu`.
    public var slopes: [Float]?

    public init(shape: BlockedShape, multiplier: [Float]?, addend: [Float]?, activation: Activation?, slopes: [Float]?) {
        self.shape = shape
        self.multiplier = multiplier
        self.addend = addend
        self.activation = activation
        self.slopes = slopes
    }
}
