import PZGraph
import PZReference
import Testing

@Suite struct PoolingReferenceTests {
    private func caffe(_ method: PoolingParameters.Method, kernel: Int, stride: Int, pad: Int) -> Op {
        .pooling(PoolingParameters(method: method, kernel: [1, 1, kernel], stride: [1, 1, stride],
                                   padBegin: [0, 0, pad], padEnd: [0, 0, pad], rounding: .caffeCeil,
                                   averageCountsPadding: true))
    }

    /// formats.md §1.5: in 5, k 2, s 2, p 1 → ⌈2.5⌉ + 1 = 4, and the last window
    /// would start at 6 ≥ in + p, so Caffe clips to 3. Windows [−1,1) [1,3) [3,5).
    @Test func caffeCeilWithLastWindowClip() throws {
        let y = try runOp(caffe(.max, kernel: 2, stride: 2, pad: 1), [row([1, 2, 3, 4, 5])])
        #expect(y.values == [1, 3, 5])
    }

    /// Ceil mode without padding keeps the partial last window: in 6, k 3, s 2 →
    /// ⌈1.5⌉ + 1 = 3 windows, the last one [4, 7) clamped to [4, 6).
    @Test func caffeCeilKeepsPartialWindow() throws {
        let y = try runOp(caffe(.max, kernel: 3, stride: 2, pad: 0), [row([1, 5, 2, 8, 3, 9])])
        #expect(y.values == [5, 8, 9])
    }

    /// Caffe AVE divisor: the window clipped to [−p, in + p), padding counted, the
    /// overhang past in + p not. in 6 (1…6), k 3, s 2, p 1 → 4 windows:
    /// [−1,2) sum 3 / 3; [1,4) 9 / 3; [3,6) 15 / 3; [5,8)∩[−1,7) = [5,7): sum 6 / 2.
    @Test func caffeAverageDivisor() throws {
        let y = try runOp(caffe(.average, kernel: 3, stride: 2, pad: 1), [row([1, 2, 3, 4, 5, 6])])
        #expect(y.values == [1, 3, 5, 3])
    }

    /// TF "same" average: padding ignored. in 5, k 2, s 2 → out 3, pad 0 before,
    /// 1 after; the last window holds only x₄, divisor 1 (Caffe would use 2).
    @Test func tfSameAverageIgnoresPadding() throws {
        let op = Op.pooling(PoolingParameters(method: .average, kernel: [1, 1, 2], stride: [1, 1, 2], padEnd: [0, 0, 1],
                                              rounding: .floor, averageCountsPadding: false))
        let y = try runOp(op, [row([1, 2, 3, 4, 5])])
        #expect(y.values == [1.5, 3.5, 5])
    }

    /// TF "valid" is floor mode: in 5, k 2, s 2 → 2 windows, x₄ dropped.
    @Test func floorModeDropsTheRemainder() throws {
        let op = Op.pooling(PoolingParameters(method: .max, kernel: [1, 1, 2], stride: [1, 1, 2], rounding: .floor,
                                              averageCountsPadding: false))
        let y = try runOp(op, [row([1, 2, 3, 4, 5])])
        #expect(y.values == [2, 4])
    }

    /// Max padding never wins, even over negative values.
    @Test func maxIgnoresPaddingForNegativeValues() throws {
        let y = try runOp(caffe(.max, kernel: 3, stride: 1, pad: 1), [row([-5, -7])])
        #expect(y.values == [-5, -5])
    }

    /// The 1×2×2 max pooling of EM U-Nets, on a 2×2×4 volume: D is untouched.
    @Test func anisotropic3DPooling() throws {
        let op = Op.pooling(PoolingParameters(method: .max, kernel: [1, 2, 2], stride: [1, 2, 2], rounding: .caffeCeil,
                                              averageCountsPadding: true))
        let y = try runOp(op, [iota([1, 1, 2, 2, 4])])
        #expect(y.shape == [1, 1, 2, 1, 2])
        #expect(y.values == [5, 7, 13, 15])
    }
}
