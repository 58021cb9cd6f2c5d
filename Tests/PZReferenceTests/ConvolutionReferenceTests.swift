import PZGraph
import PZReference
import Testing

@Suite struct ConvolutionReferenceTests {
    /// [1 2 3 4] ⋆ [1 −1] with one zero of padding each side, bias 0.5:
    /// (0·1 + 1·−1), (1 − 2), (2 − 3), (3 − 4), (4·1 + 0) → −1 −1 −1 −1 4, plus 0.5.
    @Test func paddedRowWithBias() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 2], padBegin: [0, 0, 1], padEnd: [0, 0, 1])
        let y = try runOp(.convolution(parameters), [row([1, 2, 3, 4])],
                          weights: [.weight: tensor([1, 1, 1, 1, 2], [1, -1]), .bias: tensor([1], [0.5])])
        #expect(y.shape == [1, 1, 1, 1, 5])
        #expect(y.values == [-0.5, -0.5, -0.5, -0.5, 4.5])
    }

    /// Stride 2 and dilation 2 on 0…8: taps at 2o and 2o+2 → (0+2), (2+4), (4+6), (6+8).
    @Test func strideAndDilation() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 2], stride: [1, 1, 2], dilation: [1, 1, 2])
        let y = try runOp(.convolution(parameters), [iota([1, 1, 1, 1, 9])],
                          weights: [.weight: tensor([1, 1, 1, 1, 2], [1, 1])])
        #expect(y.shape == [1, 1, 1, 1, 4])
        #expect(y.values == [2, 6, 10, 14])
    }

    /// An all-ones 1×3×3 kernel (anisotropic, as in EM U-Nets) on 0…17 laid out
    /// 2×3×3 sums each D-slice: 0+…+8 = 36 and 9+…+17 = 117.
    @Test func anisotropicKernelSumsEachSlice() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 3, 3])
        let y = try runOp(.convolution(parameters), [iota([1, 1, 2, 3, 3])],
                          weights: [.weight: tensor([1, 1, 1, 3, 3], Array(repeating: 1, count: 9))])
        #expect(y.shape == [1, 1, 2, 1, 1])
        #expect(y.values == [36, 117])
    }

    /// Two groups with weights 1 and 10: each output channel sees only its group's channel.
    @Test func groupsKeepChannelsApart() throws {
        let parameters = ConvolutionParameters(outputChannels: 2, kernel: [1, 1, 1], groups: 2)
        let y = try runOp(.convolution(parameters), [tensor([1, 2, 1, 1, 2], [1, 2, 3, 4])],
                          weights: [.weight: tensor([2, 1, 1, 1, 1], [1, 10])])
        #expect(y.values == [1, 2, 30, 40])
    }

    /// Channels are summed: out = 1·x₀ + 2·x₁.
    @Test func sumsOverInputChannels() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 1])
        let y = try runOp(.convolution(parameters), [tensor([1, 2, 1, 1, 2], [1, 2, 3, 4])],
                          weights: [.weight: tensor([1, 2, 1, 1, 1], [1, 2])])
        #expect(y.values == [7, 10])
    }

    /// TF-style asymmetric "same" padding (odd pixel at the end): in 4, k 2, s 1
    /// → pad 0 before, 1 after; the last output sees x₃ and a zero.
    @Test func asymmetricSamePadding() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 2], padEnd: [0, 0, 1])
        let y = try runOp(.convolution(parameters), [row([1, 2, 3, 4])],
                          weights: [.weight: tensor([1, 1, 1, 1, 2], [1, 10])])
        #expect(y.values == [21, 32, 43, 4])
    }

    /// The fused epilogue: sum + bias, then + baseScale · base, then the
    /// activation, then a zero border. Row: x·2 + 1 = [3, −5]; base [1, 1] with
    /// scale 0.5 → [3.5, −4.5]; ReLU → [3.5, 0]; border 1 before, 2 after.
    @Test func fusedEpilogueOrder() throws {
        var parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 1])
        parameters.epilogue = ConvolutionEpilogue(activation: .relu(negativeSlope: 0), outputPadBegin: [0, 0, 1],
                                                  outputPadEnd: [0, 0, 2])
        let y = try runOp(.convolution(parameters), [row([1, -3]), row([1, 1])],
                          weights: [.weight: tensor([1, 1, 1, 1, 1], [2]), .bias: tensor([1], [1]),
                                    .baseScale: tensor([1], [0.5])])
        #expect(y.shape == [1, 1, 1, 1, 5])
        #expect(y.values == [0, 3.5, 0, 0, 0])
    }

    @Test func outputSizeFormula() throws {
        // Caffe: out = ⌊(in + 2p − (d(k−1)+1)) / s⌋ + 1 = ⌊(10 + 2 − 5) / 3⌋ + 1 = 3.
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 3], stride: [1, 1, 3], dilation: [1, 1, 2],
                                               padBegin: [0, 0, 1], padEnd: [0, 0, 1])
        let y = try runOp(.convolution(parameters), [iota([1, 1, 1, 1, 10])],
                          weights: [.weight: tensor([1, 1, 1, 1, 3], [0, 1, 0])])
        // Taps at 3o − 1 + 2: x₁, x₄, x₇.
        #expect(y.values == [1, 4, 7])
    }
}

@Suite struct DeconvolutionReferenceTests {
    /// [1 2] through kernel [1 10 100] at stride 2: full result
    /// 1, 10, 100+2, 20, 200 (length (2−1)·2 + 3 = 5).
    @Test func scatterAtStride() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 3], stride: [1, 1, 2])
        let y = try runOp(.deconvolution(parameters), [row([1, 2])],
                          weights: [.weight: tensor([1, 1, 1, 1, 3], [1, 10, 100])])
        #expect(y.values == [1, 10, 102, 20, 200])
    }

    /// Caffe pad p trims p positions at each end: s(in−1) + k − 2p = 3.
    @Test func paddingTrimsBothEnds() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 3], stride: [1, 1, 2],
                                               padBegin: [0, 0, 1], padEnd: [0, 0, 1])
        let y = try runOp(.deconvolution(parameters), [row([1, 2])],
                          weights: [.weight: tensor([1, 1, 1, 1, 3], [1, 10, 100]), .bias: tensor([1], [0.5])])
        #expect(y.values == [10.5, 102.5, 20.5])
    }

    /// Negative padding extends the result; the extra position gets only the bias
    /// (Keras output_padding).
    @Test func negativePaddingExtendsWithBias() throws {
        let parameters = ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 2], stride: [1, 1, 2], padEnd: [0, 0, -1])
        let y = try runOp(.deconvolution(parameters), [row([1, 2])],
                          weights: [.weight: tensor([1, 1, 1, 1, 2], [1, 3]), .bias: tensor([1], [-1])])
        #expect(y.values == [0, 2, 1, 5, -1])
    }

    /// The 2×2 stride-2 up-sampling of U-Nets: every input pixel becomes a block of
    /// kernel × value, no overlap. Weight layout is C × F × k: channel 0 → output 1.
    @Test func upsamplingBlocksAndChannelLayout() throws {
        let parameters = ConvolutionParameters(outputChannels: 2, kernel: [1, 2, 2], stride: [1, 2, 2])
        let kernel: [Float] = [0, 0, 0, 0, /* c0→f1 */ 1, 2, 3, 4]
        let y = try runOp(.deconvolution(parameters), [tensor([1, 1, 1, 1, 2], [1, 10])],
                          weights: [.weight: tensor([1, 2, 1, 2, 2], kernel)])
        #expect(y.shape == [1, 2, 1, 2, 4])
        #expect(y.values == [0, 0, 0, 0, 0, 0, 0, 0, /* f1 */ 1, 2, 10, 20, 3, 4, 30, 40])
    }

    /// Groups: input channel c feeds only output channels of its group.
    @Test func groups() throws {
        let parameters = ConvolutionParameters(outputChannels: 2, kernel: [1, 1, 1], groups: 2)
        let y = try runOp(.deconvolution(parameters), [tensor([1, 2, 1, 1, 1], [3, 5])],
                          weights: [.weight: tensor([2, 1, 1, 1, 1], [2, 7])])
        #expect(y.values == [6, 35])
    }
}
