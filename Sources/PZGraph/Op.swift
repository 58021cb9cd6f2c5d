/// What a node computes. The fused forms (a convolution with an additive base, an
/// activation and a padded output) are part of `.convolution` / `.deconvolution`
/// through `ConvolutionEpilogue`, so every intermediate graph of the pass pipeline
/// is a valid IR graph that the reference executor can run.
public enum Op: Hashable, Sendable {
    /// A graph input; no inputs, one output.
    case input(InputParameters)
    /// Inputs: data, and optionally an additive base. Weights: weight, bias?, baseScale?.
    case convolution(ConvolutionParameters)
    /// Inputs: data, and optionally an additive base. Weights: weight, bias?, baseScale?.
    case deconvolution(ConvolutionParameters)
    /// Weights: mean, variance, scale?, bias?.
    case batchNorm(BatchNormParameters)
    /// Group (and instance) normalization over the input's own statistics.
    /// Weights: scale?, bias? (per channel).
    case groupNorm(GroupNormParameters)
    /// Per-channel `x · scale + bias` (Caffe Scale and Bias), then the optional
    /// activation (a chain of BatchNorm, Scale and an activation merged by the
    /// channelwise-fusion pass). Weights: scale?, bias? (at least one), slope (PReLU only).
    case scale(ScaleParameters)
    case activation(Activation)
    case softmax(SoftmaxParameters)
    case eltwise(EltwiseParameters)
    /// `x[n, c, …] · s[n, c]`: the first input scaled per batch item and channel by
    /// the second, an activation of shape N × C × 1 × 1 × 1 (squeeze-excitation's
    /// channel-wise multiply with broadcasting).
    case channelScale
    case concat(ConcatParameters)
    case crop(CropParameters)
    case mergeCrop(MergeCropParameters)
    case pad(PadParameters)
    case pooling(PoolingParameters)
    case upsample(UpsampleParameters)
    /// Identity at inference (Caffe TEST phase, Keras `training=False`).
    case dropout
    /// Identity with one or more outputs, each a copy of the input (Caffe Split).
    case split

    /// The op's name in `.pzir` files and listings.
    public var typeName: String {
        switch self {
        case .input: "Input"
        case .convolution: "Convolution"
        case .deconvolution: "Deconvolution"
        case .batchNorm: "BatchNorm"
        case .groupNorm(let parameters): parameters.isInstanceNorm ? "InstanceNorm" : "GroupNorm"
        case .scale: "Scale"
        case .activation(let activation): activation.opName
        case .softmax: "Softmax"
        case .eltwise: "Eltwise"
        case .channelScale: "ChannelScale"
        case .concat: "Concat"
        case .crop: "Crop"
        case .mergeCrop: "MergeCrop"
        case .pad: "Pad"
        case .pooling: "Pooling"
        case .upsample: "Upsample"
        case .dropout: "Dropout"
        case .split: "Split"
        }
    }

    /// The activation the node applies: its own (an activation op, a Scale with
    /// one) or its epilogue's; nil for none.
    public var appliedActivation: Activation? {
        switch self {
        case .activation(let activation): activation
        case .scale(let parameters): parameters.activation
        case .groupNorm(let parameters): parameters.activation
        case .convolution(let parameters), .deconvolution(let parameters): parameters.epilogue.activation
        default: nil
        }
    }

    /// Whether the output keeps the (first) input's shape element by element
    /// (point-wise ops and identities).
    public var keepsLayout: Bool {
        switch self {
        case .batchNorm, .groupNorm, .scale, .activation, .dropout, .split, .eltwise, .channelScale: true
        case .softmax(let parameters): parameters.axis == 1
        default: false
        }
    }

    /// The parameters of a convolution or deconvolution, nil for other ops.
    public var convolutionParameters: ConvolutionParameters? {
        switch self {
        case .convolution(let parameters), .deconvolution(let parameters): parameters
        default: nil
        }
    }
}

/// The role a weight tensor plays in its node (the key it is stored under).
public enum WeightRole: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Convolution kernel.
    case weight
    /// Per-channel additive term.
    case bias
    /// Per-output-channel factor on a fused additive base.
    case baseScale = "base_scale"
    /// BatchNorm running mean (already divided by Caffe's moving-average factor).
    case mean
    /// BatchNorm running variance (already divided by Caffe's moving-average factor).
    case variance
    /// Per-channel multiplier (Scale; BatchNorm gamma).
    case scale
    /// Per-channel PReLU slope (of a PReLU activation, or a fused one).
    case slope

    public static func < (lhs: WeightRole, rhs: WeightRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
