import PZGraph

/// How a `.pz` model runs: the SIMD width, one step per node (after the Inputs),
/// and where each tensor lives. Written by the exporter, checked by the loader.
public struct ExecutionPlan: Codable, Equatable, Sendable {
    /// S: 8 or 16 float lanes per channel block.
    public var lanes: Int
    /// Size of each activation buffer, in floats. Buffers are reused by tensors
    /// whose lifetimes do not overlap, and in-place nodes write over their input.
    public var buffers: [Int]
    /// The buffer of every tensor.
    public var placements: [String: Int]
    public var steps: [PlannedStep]

    enum CodingKeys: String, CodingKey { case lanes, buffers, placements, steps }

    public init(lanes: Int, buffers: [Int], placements: [String: Int], steps: [PlannedStep]) {
        self.lanes = lanes
        self.buffers = buffers
        self.placements = placements
        self.steps = steps
    }

    /// Bytes of activation memory the plan allocates.
    public var activationBytes: Int { buffers.reduce(0, +) * 4 }
}

/// The kernel that runs one node, and its tiling.
public struct PlannedStep: Codable, Equatable, Sendable {
    public var node: String
    public var kernel: KernelKind
    /// Convolutions (direct and Winograd) and deconvolutions: output blocks per chunk.
    public var chunks: [WeightPacking.Chunk]?

    public init(node: String, kernel: KernelKind, chunks: [WeightPacking.Chunk]? = nil) {
        self.node = node
        self.kernel = kernel
        self.chunks = chunks
    }
}

public enum KernelKind: String, Codable, Sendable, CaseIterable {
    case convolution
    /// Convolution by Winograd F(2×2, 3×3) in H×W (kernels Kd×3×3, unit stride in H, W).
    case winograd
    /// Kernel = stride transposed convolution (the sub-pixel form).
    case deconvolution
    case pooling
    /// BatchNorm, Scale or an activation: `activation(x·m + a)` per channel.
    case channelwise
    case eltwise
    case concat
    case crop
    case pad
    case upsample
    /// Softmax over channels.
    case softmax
    case mergeCrop = "merge-crop"
    /// Dropout and Split (identities that survived the passes).
    case copy
    /// Any other case, computed by the reference implementation on NCDHW copies.
    case reference
}

/// How a weight's values are stored in a `.pz` file.
public enum Packing: String, Sendable {
    /// Convolution kernel per chunk (see WeightPacking), chunks one after the other.
    case kernelChunks = "kernel-chunks"
    /// Winograd-transformed kernel per chunk (see WeightPacking.packWinograd).
    case winogradChunks = "winograd-chunks"
    /// Per-channel vector padded to whole blocks.
    case channels
    /// The IR shape in C order.
    case plain
}
