import Foundation
import PZPack
import Testing
#if PZCONV_AVX512
@testable import PZKernelsAVX512
#else
@testable import PZKernelsAVX2
#endif

/// The epilogue math against Double: exp, ELU, sigmoid and tanh within their
/// stated errors over the whole useful range, and min/max exact. These files
/// are compiled into one test target per kernel build (PZKernelsAVX2Tests,
/// PZKernelsAVX512Tests: Tests/PZKernelsAVX512Tests links here), and the
/// AVX-512 one runs only on a CPU that has AVX-512.
@Suite(.enabled(if: KernelBuild.instructionSet <= InstructionSet.detected, "this CPU lacks the build's instruction set"))
struct VectorMathTests {
    /// Points from −100 to 100, denser near 0.
    static let points: [Float] = stride(from: -100.0, through: 100.0, by: 0.37).map { Float($0) }
        + stride(from: -2.0, through: 2.0, by: 0.001).map { Float($0) } + [0, -0.0, 1e-30, -1e-30]

    func lanes(_ function: (SIMD16<Float>) -> SIMD16<Float>) -> [Float] {
        var results: [Float] = []
        var index = 0
        while index < Self.points.count {
            var vector = SIMD16<Float>()
            for lane in 0..<16 { vector[lane] = Self.points[min(index + lane, Self.points.count - 1)] }
            let result = function(vector)
            for lane in 0..<16 where index + lane < Self.points.count { results.append(result[lane]) }
            index += 16
        }
        return results
    }

    @Test func expRelativeError() {
        for (x, value) in zip(Self.points, lanes(vectorExp)) where x > -87 && x < 88 {
            let exact = Foundation.exp(Double(x))
            #expect(abs(Double(value) - exact) <= 4e-7 * exact, "exp(\(x)) = \(value), expected \(exact)")
        }
        for (x, value) in zip(Self.points, lanes(vectorExp)) {
            #expect(value.isFinite && value >= 0, "exp(\(x)) = \(value)")
        }
    }

    @Test func activationsAgainstDouble() {
        let elu = lanes { vectorELU($0, alpha: 0.7) }
        let sigmoid = lanes(vectorSigmoid)
        let tanh = lanes(vectorTanh)
        let relu = lanes { vectorReLU($0, slope: 0.1) }
        for (index, x) in Self.points.enumerated() {
            let d = Double(x)
            #expect(abs(Double(elu[index]) - (d > 0 ? d : 0.7 * expm1(d))) <= 1e-6 * max(1, abs(d)), "ELU(\(x))")
            #expect(abs(Double(sigmoid[index]) - 1 / (1 + Foundation.exp(-d))) <= 2e-7, "sigmoid(\(x))")
            #expect(abs(Double(tanh[index]) - Foundation.tanh(d)) <= 3e-7, "tanh(\(x))")
            #expect(relu[index] == (x > 0 ? x : x * 0.1), "leaky ReLU(\(x))")
        }
    }

    @Test func minimumAndMaximumAreExact() {
        let subnormal = Float.leastNormalMagnitude / 4
        let values: [Float] = [-.infinity, -3, -subnormal, -0.0, 0, subnormal, 2, .greatestFiniteMagnitude, .infinity,
                               -.greatestFiniteMagnitude]
        for a in values {
            for b in values {
                let maximum = SIMD8<Float>.maximum(SIMD8(repeating: a), SIMD8(repeating: b))[0]
                let minimum = SIMD16<Float>.minimum(SIMD16(repeating: a), SIMD16(repeating: b))[0]
                #expect(maximum == Swift.max(a, b) && minimum == Swift.min(a, b), "max/min of \(a), \(b)")
                if a == 0 && b == 0 && a.sign != b.sign {
                    #expect(maximum.sign == .plus && minimum.sign == .minus, "signed zeros \(a), \(b)")
                }
            }
        }
        #expect(SIMD16<Float>.positivePart(SIMD16(repeating: -0.0))[0].sign == .plus)
        #expect(SIMD8<Float>.negativePart(SIMD8(repeating: 3))[0] == 0)
    }

    @Test func laneReductions() {
        let values = SIMD16<Float>((0..<16).map { Float(($0 * 7) % 16) - 3.5 })
        #expect(values.maximumLane() == 11.5)
        #expect(values.lanesSum() == values.indices.reduce(0) { $0 + values[$1] })
        #expect(values.lowHalf.maximumLane() == values.indices.prefix(8).map { values[$0] }.max())
    }

    @Test func peakMicroKernelRuns() {
        let flops = PeakThroughput.measure(threads: 2, lanes: KernelBuild.instructionSet == .avx512 ? 16 : 8, rounds: 10_000,
                                           repeats: 3)
        #expect(flops > 1e9)
    }
}
