import PZGraph
import PZPasses
import PZTestSupport
import Testing

/// The reduced input shapes passes are verified at: as small as the budget asks,
/// never so small that some kernel tap meets only padding.
struct VerificationShapesTests {
    /// V-Net's shape: four stride-2 down-samplings, then a 5×5×5 convolution with
    /// pad 2. Its taps all meet data once the bottom is 3 positions wide (the
    /// centre ±2), so a 64³ input can go down to 48³, not only to 80³ as a rule of
    /// "at least the kernel's extent" would keep it.
    @Test func paddedKernelsNeedOnlyTheirReach() throws {
        var b = GraphBuilder()
        var x = b.input("x", shape: [1, 1, 64, 64, 64])
        var channels = 1
        for level in 0..<4 {
            x = b.convolution("down\(level)", x, inputChannels: channels,
                              ConvolutionParameters(outputChannels: 2, kernel: [2, 2, 2], stride: [2, 2, 2]))
            channels = 2
        }
        let bottom = b.convolution("bottom", x, inputChannels: 2, ConvolutionParameters(
            outputChannels: 2, kernel: [5, 5, 5], padBegin: [2, 2, 2], padEnd: [2, 2, 2]))
        b.output(bottom)
        let small = try b.graph.reducedForVerification(flopBudget: 1)
        let shapes = try small.inferShapes()
        #expect(shapes["x"] == [1, 1, 48, 48, 48])
        #expect(shapes[x] == [1, 2, 3, 3, 3])
    }

    /// An unpadded 3×3×3 convolution reads all its taps only where its input has
    /// at least 3 positions; a deconvolution's taps all write inside the output
    /// from one input position on.
    @Test func unpaddedKernelsKeepTheirExtent() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 1, 32, 32, 32])
        let valid = b.convolution("valid", x, inputChannels: 1, ConvolutionParameters(outputChannels: 2, kernel: [3, 3, 3]))
        b.output(valid)
        let small = try b.graph.reducedForVerification(flopBudget: 1)
        #expect(try small.inferShapes()["x"] == [1, 1, 3, 3, 3])
    }
}
