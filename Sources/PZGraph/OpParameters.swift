/// Parameters of an Input node: the tensor's IR shape and its layout in the source
/// model (what `pzconv run` reads and writes).
public struct InputParameters: Hashable, Sendable, Codable {
    enum CodingKeys: String, CodingKey {
        case shape, sourceLayout = "source_layout", normalization
    }

    /// 5-D NCDHW shape.
    public var shape: [Int]
    public var sourceLayout: DataLayout
    /// How whole volumes are scaled on their way in (`predict`), when the model
    /// states it (`import --normalize`).
    public var normalization: InputNormalization?

    public init(shape: [Int], sourceLayout: DataLayout, normalization: InputNormalization? = nil) {
        self.shape = shape
        self.sourceLayout = sourceLayout
        self.normalization = normalization
    }
}

/// BatchNorm at inference: `y = (x − mean) / √(variance + epsilon)`, then
/// `· scale + bias` when those weights exist (Keras' gamma and beta; Caffe keeps
/// them in a separate Scale layer). Weights `mean`, `variance` (and optionally
/// `scale`, `bias`) have one value per channel; Caffe's moving-average factor is
/// already divided out at import.
public struct BatchNormParameters: Hashable, Sendable, Codable {
    public var epsilon: Float

    public init(epsilon: Float) { self.epsilon = epsilon }
}

/// Group normalization at inference (PyTorch GroupNorm and InstanceNorm, ONNX
/// InstanceNormalization and GroupNormalization, Keras GroupNormalization and
/// keras_contrib InstanceNormalization). For each batch item and each of
/// `groups` groups of `C / groups` consecutive channels, over those channels and
/// every spatial position (the input's own statistics, not running averages):
/// `y = (x − mean) / √(variance + epsilon)` with the biased variance, or, with
/// `epsilonOutsideRoot` (keras_contrib), `y = (x − mean) / (√variance + epsilon)`;
/// then `· scale[c] + bias[c]` when those weights exist, then `activation` (fused
/// by the activation-fusion pass; never PReLU). `groups == C` is instance
/// normalization. Not foldable into a convolution (its statistics depend on the input).
public struct GroupNormParameters: Hashable, Sendable, Codable {
    enum CodingKeys: String, CodingKey {
        case groups, epsilon, epsilonOutsideRoot = "epsilon_outside_root", isInstanceNorm = "instance_norm", activation
    }

    public var groups: Int
    public var epsilon: Float
    public var epsilonOutsideRoot: Bool
    /// Written as InstanceNorm in listings (groups equals the channels).
    public var isInstanceNorm: Bool
    public var activation: Activation?

    public init(groups: Int, epsilon: Float, epsilonOutsideRoot: Bool = false, isInstanceNorm: Bool = false,
                activation: Activation? = nil) {
        self.groups = groups
        self.epsilon = epsilon
        self.epsilonOutsideRoot = epsilonOutsideRoot
        self.isInstanceNorm = isInstanceNorm
        self.activation = activation
    }
}

/// Parameters of a Scale node: the activation applied after `x · scale + bias`
/// (nil for none; `.prelu` takes the node's `slope` weight).
public struct ScaleParameters: Hashable, Sendable, Codable {
    public var activation: Activation?

    public init(activation: Activation? = nil) { self.activation = activation }
}

/// Softmax along one NCDHW axis (1 = channels), `exp(x − max) / Σ exp(x − max)`.
public struct SoftmaxParameters: Hashable, Sendable, Codable {
    public var axis: Int

    public init(axis: Int = 1) { self.axis = axis }
}

/// Element-wise combination of inputs of identical shape (no broadcasting).
public struct EltwiseParameters: Hashable, Sendable, Codable {
    public enum Operation: String, Hashable, Sendable, Codable {
        /// `Σ coefficient[i] · x[i]` (coefficients default to 1).
        case sum
        /// `Π x[i]`.
        case product
        /// `max x[i]`.
        case max
        /// `x[0] − x[1]` (exactly two inputs).
        case subtract
    }

    public var operation: Operation
    /// One per input, only for `.sum`; nil means all 1.
    public var coefficients: [Float]?

    public init(operation: Operation, coefficients: [Float]? = nil) {
        self.operation = operation
        self.coefficients = coefficients
    }
}

/// Concatenation along one NCDHW axis (1 = channels).
public struct ConcatParameters: Hashable, Sendable, Codable {
    public var axis: Int

    public init(axis: Int = 1) { self.axis = axis }
}

/// Crop of the first input, with two forms:
///
/// - Caffe form (two inputs, `referenceAxis` set): every axis ≥ `referenceAxis`
///   takes its size from the second input, whose values are never read;
/// - explicit form (one input, `trimEnd` set): each axis loses `offsets[a]`
///   positions at the start and `trimEnd[a]` at the end (Keras Cropping).
///
/// `offsets` has one start offset per NCDHW axis (5 entries).
public struct CropParameters: Hashable, Sendable, Codable {
    enum CodingKeys: String, CodingKey {
        case offsets, referenceAxis = "reference_axis", trimEnd = "trim_end"
    }

    public var offsets: [Int]
    public var referenceAxis: Int?
    public var trimEnd: [Int]?

    public init(offsets: [Int], referenceAxis: Int? = nil, trimEnd: [Int]? = nil) {
        self.offsets = offsets
        self.referenceAxis = referenceAxis
        self.trimEnd = trimEnd
    }
}

/// MergeCrop (3-D Caffe forks): the second input is cropped, centred, to the
/// first input's spatial size (offset `⌊(b − a) / 2⌋` per axis), then the two are
/// stacked along channels (first input first) or added.
public struct MergeCropParameters: Hashable, Sendable, Codable {
    public enum Operation: String, Hashable, Sendable, Codable {
        case stack
        case add
    }

    public var operation: Operation

    public init(operation: Operation) { self.operation = operation }
}

/// Constant padding of the spatial axes (D, H, W): `begin` and `end` positions per
/// axis, filled with `value`.
public struct PadParameters: Hashable, Sendable, Codable {
    public var begin: [Int]
    public var end: [Int]
    public var value: Float

    public init(begin: [Int], end: [Int], value: Float = 0) {
        self.begin = begin
        self.end = end
        self.value = value
    }
}

/// Up-sampling by whole factors along the spatial axes (D, H, W): output extent
/// `in · factors[a]`.
///
/// - Nearest (`linear` nil): output position o takes input `⌊o / f⌋` (each input
///   position repeated f times).
/// - Linear (trilinear in 3-D, as PyTorch's `Upsample(mode="trilinear")` and ONNX
///   Resize `mode=linear`): separable, per axis the source coordinate `x` of output
///   o is, by `coordinates`: half_pixel `(o + ½)/f − ½`; align_corners
///   `o·(in − 1)/(out − 1)` (0 when out is 1); asymmetric `o/f`; clamped to
///   `[0, in − 1]`; the value is `(1 − t)·v[⌊x⌋] + t·v[min(⌊x⌋ + 1, in − 1)]`,
///   `t = x − ⌊x⌋`.
public struct UpsampleParameters: Hashable, Sendable, Codable {
    public enum Coordinates: String, Hashable, Sendable, Codable {
        case halfPixel = "half_pixel"
        case alignCorners = "align_corners"
        case asymmetric
    }

    public var factors: [Int]
    /// nil for nearest; the coordinate rule of linear interpolation otherwise.
    public var linear: Coordinates?

    public init(factors: [Int], linear: Coordinates? = nil) {
        self.factors = factors
        self.linear = linear
    }

    /// The two source positions and the second one's weight of output position
    /// `o` along an axis of input extent `input` (linear interpolation only).
    public func linearSource(_ o: Int, input: Int, axis: Int) -> (Int, Int, Double) {
        let output = input * factors[axis]
        var x: Double
        switch linear ?? .asymmetric {
        case .halfPixel: x = (Double(o) + 0.5) / Double(factors[axis]) - 0.5
        case .alignCorners: x = output > 1 ? Double(o) * Double(input - 1) / Double(output - 1) : 0
        case .asymmetric: x = Double(o) / Double(factors[axis])
        }
        x = min(max(x, 0), Double(input - 1))
        let first = Int(x.rounded(.down))
        return (first, min(first + 1, input - 1), x - Double(first))
    }
}
