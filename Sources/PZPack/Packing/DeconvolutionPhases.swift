import PZGraph

/// A transposed convolution split into output phases, each a dense, stride-1
/// convolution of the input with a sub-kernel (no multiplications by the zeros a
/// naive transposed convolution inserts).
///
/// Along one axis (stride s, dilation δ, kernel K, begin padding p), output `o`
/// sits at `q = o + p` of the full result, which receives input `i` through tap
/// `k` when `q = i·s + k·δ`. Outputs with `q ≡ r (mod s)` form phase r; they are
/// reached by the taps with `k·δ ≡ r (mod s)`, `k_0 < k_1 < …`, spaced `s/g`
/// apart (g = gcd(s, δ)), whose input offsets `e_j = (k_j·δ − r)/s` are spaced
/// `δ' = δ/g` apart. Output `o_u = first + u·s` of the phase is then the
/// correlation `Σ_t x[u − P + t·δ'] · w[k_(T−1−t)]` with the taps flipped and
/// `P = e_0 + (T−1)·δ' − m_0` (`m_0` the phase's first q divided by s). Stride 1
/// is one phase: the convolution with the flipped kernel and pad `δ(K−1) − p`;
/// kernel = stride gives s phases of one tap each (the sub-pixel form). A phase
/// that no tap reaches (r not a multiple of g, or padding that extends the
/// output) has no taps on that axis: its outputs receive the bias alone.
public struct DeconvolutionPhase: Equatable, Sendable {
    /// Per spatial axis (D, H, W): the original kernel index of each sub-kernel
    /// tap, in the sub-kernel's order (may be empty).
    public var taps: [[Int]]
    /// Per axis: the sub-convolution's dilation δ' and begin padding P (any sign).
    public var dilation: [Int]
    public var padBegin: [Int]
    /// Per axis: the first output position of the phase, and how many it has
    /// (every stride-th position from `first`; 0 when the output is shorter).
    public var first: [Int]
    public var count: [Int]

    /// Whether some output of the phase exists.
    public var hasOutputs: Bool { count.allSatisfy { $0 > 0 } }
    /// Taps per axis of the sub-kernel.
    public var kernel: [Int] { taps.map(\.count) }
    public var tapCount: Int { kernel.reduce(1, *) }

    /// The sub-kernels of every phase a deconvolution can have (the phases'
    /// geometry without their output counts), as convolution parameters.
    public static func subKernels(of parameters: ConvolutionParameters) -> [ConvolutionParameters] {
        phases(of: parameters, result: parameters.stride).map { $0.convolutionParameters(of: parameters) }
    }

    /// The sub-convolution's parameters: the deconvolution's channels, groups and
    /// epilogue, the sub-kernel's size, stride 1, dilation δ' and padding P.
    /// `padEnd` is not used: the phase's extent is `count`.
    public func convolutionParameters(of deconvolution: ConvolutionParameters) -> ConvolutionParameters {
        ConvolutionParameters(outputChannels: deconvolution.outputChannels, kernel: kernel, stride: [1, 1, 1],
                              dilation: dilation, padBegin: padBegin, padEnd: [0, 0, 0], groups: deconvolution.groups,
                              epilogue: deconvolution.epilogue)
    }

    /// The phases of a transposed convolution with `parameters` whose result (the
    /// output without its padded border) has spatial extent `result`, in order of
    /// their residues (D slowest). Phases without outputs are left out.
    public static func phases(of parameters: ConvolutionParameters, result: [Int]) -> [DeconvolutionPhase] {
        let axes = (0..<3).map { AxisPhase.all(stride: parameters.stride[$0], dilation: parameters.dilation[$0],
                                               kernel: parameters.kernel[$0], padBegin: parameters.padBegin[$0],
                                               extent: result[$0]) }
        var phases: [DeconvolutionPhase] = []
        for d in axes[0] {
            for h in axes[1] {
                for w in axes[2] {
                    let parts = [d, h, w]
                    let phase = DeconvolutionPhase(taps: parts.map(\.taps), dilation: parts.map(\.dilation),
                                                   padBegin: parts.map(\.padBegin), first: parts.map(\.first),
                                                   count: parts.map(\.count))
                    if phase.hasOutputs { phases.append(phase) }
                }
            }
        }
        return phases
    }

    /// The sub-kernel as a convolution weight `F × C/groups × T_d × T_h × T_w`,
    /// from the deconvolution's IR weight `C × F/groups × K_d × K_h × K_w`.
    public func convolutionWeight(from weight: Tensor, groups: Int) -> Tensor {
        let (inputs, outputsPerGroup) = (weight.shape[0], weight.shape[1])
        let inputsPerGroup = inputs / groups
        let outputs = outputsPerGroup * groups
        let k = Array(weight.shape[2...])
        let t = kernel
        var values = [Float](repeating: 0, count: outputs * inputsPerGroup * tapCount)
        for f in 0..<outputs {
            let group = f / outputsPerGroup
            for c in 0..<inputsPerGroup {
                let source = ((group * inputsPerGroup + c) * outputsPerGroup + f % outputsPerGroup) * k.reduce(1, *)
                let target = (f * inputsPerGroup + c) * tapCount
                var index = 0
                for kd in taps[0] {
                    for kh in taps[1] {
                        for kw in taps[2] {
                            values[target + index] = weight.values[source + (kd * k[1] + kh) * k[2] + kw]
                            index += 1
                        }
                    }
                }
            }
        }
        return Tensor(shape: [outputs, inputsPerGroup] + t, values: values)
    }

    /// Writes a sub-kernel (as `convolutionWeight` gives it) back into the
    /// deconvolution's IR weight: the phases partition the taps, so writing every
    /// phase restores the whole weight.
    public func scatter(_ convolution: Tensor, into weight: inout Tensor, groups: Int) {
        let (inputs, outputsPerGroup) = (weight.shape[0], weight.shape[1])
        let inputsPerGroup = inputs / groups
        let k = Array(weight.shape[2...])
        for f in 0..<(outputsPerGroup * groups) {
            let group = f / outputsPerGroup
            for c in 0..<inputsPerGroup {
                let target = ((group * inputsPerGroup + c) * outputsPerGroup + f % outputsPerGroup) * k.reduce(1, *)
                let source = (f * inputsPerGroup + c) * tapCount
                var index = 0
                for kd in taps[0] {
                    for kh in taps[1] {
                        for kw in taps[2] {
                            weight.values[target + (kd * k[1] + kh) * k[2] + kw] = convolution.values[source + index]
                            index += 1
                        }
                    }
                }
            }
        }
    }
}

/// One axis of one phase (see `DeconvolutionPhase`).
struct AxisPhase: Equatable {
    var taps: [Int]
    var dilation: Int
    var padBegin: Int
    var first: Int
    var count: Int

    /// The s phases of one axis, by residue r = 0..<s.
    static func all(stride s: Int, dilation δ: Int, kernel: Int, padBegin p: Int, extent: Int) -> [AxisPhase] {
        (0..<s).map { r in
            // Outputs o with (o + p) ≡ r (mod s): from `first`, every s-th.
            let first = ((r - p) % s + s) % s
            let count = first < extent ? (extent - first + s - 1) / s : 0
            let reaching = (0..<kernel).filter { ($0 * δ) % s == r }
            guard !reaching.isEmpty else {
                return AxisPhase(taps: [], dilation: 1, padBegin: 0, first: first, count: count)
            }
            let offsets = reaching.map { ($0 * δ - r) / s }
            let subDilation = offsets.count > 1 ? offsets[1] - offsets[0] : 1
            let m0 = (first + p - r) / s  // exact: first + p ≡ r (mod s)
            return AxisPhase(taps: Array(reaching.reversed()), dilation: subDilation,
                             padBegin: offsets[0] + (offsets.count - 1) * subDilation - m0, first: first, count: count)
        }
    }
}
