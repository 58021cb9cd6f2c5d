/// Parameters of a Convolution or Deconvolution node.
///
/// Every spatial list has three entries, for (D, H, W); a 2-D model has kernel,
/// stride and dilation 1 and zero padding along D.
///
/// Convolution (correlation, as Caffe, Keras and PyTorch compute it):
/// weight `F × C/groups × Kd × Kh × Kw`, optional bias `F`;
/// `out = ⌊(in + padBegin + padEnd − dilation·(K−1) − 1) / stride⌋ + 1`,
/// input position `o·stride − padBegin + k·dilation`, zeros outside the input.
///
/// Deconvolution (transposed convolution, the adjoint of the above):
/// weight `C × F/groups × Kd × Kh × Kw` (Caffe's layout), optional bias `F`;
/// the full result has `(in − 1)·stride + dilation·(K−1) + 1` positions, of which
/// `padBegin` are trimmed at the start and `padEnd` at the end. Negative values
/// extend the result instead; extended positions receive only the bias (this
/// expresses Keras' `output_padding` and its "same" padding when K < stride).
public struct ConvolutionParameters: Hashable, Sendable, Codable {
    enum CodingKeys: String, CodingKey {
        case outputChannels = "output_channels", kernel, stride, dilation, padBegin = "pad_begin", padEnd = "pad_end"
        case groups, epilogue
    }

    public var outputChannels: Int
    public var kernel: [Int]
    public var stride: [Int]
    public var dilation: [Int]
    public var padBegin: [Int]
    public var padEnd: [Int]
    public var groups: Int
    /// Work fused into the convolution by the pass pipeline; empty after import.
    public var epilogue: ConvolutionEpilogue

    public init(outputChannels: Int, kernel: [Int], stride: [Int] = [1, 1, 1], dilation: [Int] = [1, 1, 1],
                padBegin: [Int] = [0, 0, 0], padEnd: [Int] = [0, 0, 0], groups: Int = 1,
                epilogue: ConvolutionEpilogue = ConvolutionEpilogue()) {
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBegin = padBegin
        self.padEnd = padEnd
        self.groups = groups
        self.epilogue = epilogue
    }

    /// The dilated kernel extent per spatial axis: `dilation·(K−1) + 1`.
    public var kernelExtent: [Int] { (0..<3).map { dilation[$0] * (kernel[$0] - 1) + 1 } }
}

/// What a convolution does after the sum of products, in this order (the PZnet
/// sub-image primitive's epilogue):
///
/// 1. `y = Σ + bias` (bias from the `bias` weight, if any);
/// 2. additive base (element-wise addition fusion): when the node has a second
///    input, `y += baseScale[f] · base` (`baseScale` weight, per output channel;
///    1 when absent);
/// 3. `y = activation(y)` (activation fusion);
/// 4. the output is written with a zero border of `outputPadBegin` / `outputPadEnd`
///    positions per spatial axis (padding transformation), so the output tensor is
///    larger than the convolution result by that border.
public struct ConvolutionEpilogue: Hashable, Sendable, Codable {
    enum CodingKeys: String, CodingKey {
        case activation, outputPadBegin = "output_pad_begin", outputPadEnd = "output_pad_end"
    }

    public var activation: Activation?
    public var outputPadBegin: [Int]
    public var outputPadEnd: [Int]

    public init(activation: Activation? = nil, outputPadBegin: [Int] = [0, 0, 0], outputPadEnd: [Int] = [0, 0, 0]) {
        self.activation = activation
        self.outputPadBegin = outputPadBegin
        self.outputPadEnd = outputPadEnd
    }

    /// Whether the output carries a padded border.
    public var hasOutputPadding: Bool { (outputPadBegin + outputPadEnd).contains { $0 != 0 } }
}
