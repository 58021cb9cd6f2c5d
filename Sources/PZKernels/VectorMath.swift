/// The vector types the kernels use: S = 8 (ymm) or 16 (zmm) float lanes.
protocol KernelVector: SIMD where Scalar == Float {
    /// 2ⁿ for integral n in [−126, 127], built in the exponent bits.
    static func powerOfTwo(_ n: Self) -> Self
    /// Lane-wise maximum and minimum (see `selectBySign`).
    static func maximum(_ a: Self, _ b: Self) -> Self
    static func minimum(_ a: Self, _ b: Self) -> Self
    /// `max(x, 0)` and `min(x, 0)` by masking with the sign (−0 gives +0 and −0).
    static func positivePart(_ x: Self) -> Self
    static func negativePart(_ x: Self) -> Self
    /// The largest lane and the sum of the lanes (pairwise halving: single
    /// instructions per step, not a scalar loop).
    func maximumLane() -> Float
    func lanesSum() -> Float
}

// The math below uses only operations the compiler turns into single vector
// instructions in generic code: arithmetic, bit operations and integer shifts
// on a bit-cast. The standard library's generic `clamped`, `rounded`, float-to-
// integer conversions and lane comparisons (`.<`, which builds a mask lane by
// lane) compile to scalar loops there; profiled, they took two thirds of a
// U-Net's time in fused ELU epilogues. Hence no branches and no masks.

extension SIMD8: KernelVector where Scalar == Float {
    @inline(__always)
    func maximumLane() -> Float {
        let four = SIMD4<Float>.maximum(lowHalf, highHalf)
        let two = SIMD4<Float>.maximum(four, SIMD4(lowHalf: four.highHalf, highHalf: four.highHalf))
        return Swift.max(two[0], two[1])
    }

    @inline(__always)
    func lanesSum() -> Float {
        let four = lowHalf + highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    @inline(__always)
    static func powerOfTwo(_ n: SIMD8<Float>) -> SIMD8<Float> {
        // n + 2²³ + 127 has the biased exponent n + 127 in its low mantissa bits.
        let biased = unsafeBitCast(n + SIMD8(repeating: 8_388_608 + 127), to: SIMD8<UInt32>.self) &- 0x4B00_0000
        return unsafeBitCast(biased &<< 23, to: SIMD8<Float>.self)
    }

    @inline(__always)
    static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        selectBySign(a, b, difference: a - b, bits: SIMD8<Int32>.self)
    }

    @inline(__always)
    static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        selectBySign(a, b, difference: b - a, bits: SIMD8<Int32>.self)
    }

    @inline(__always)
    static func positivePart(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        return unsafeBitCast(bits & ~(bits &>> 31), to: SIMD8<Float>.self)
    }

    @inline(__always)
    static func negativePart(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        return unsafeBitCast(bits & (bits &>> 31), to: SIMD8<Float>.self)
    }
}

extension SIMD16: KernelVector where Scalar == Float {
    @inline(__always)
    func maximumLane() -> Float { SIMD8<Float>.maximum(lowHalf, highHalf).maximumLane() }

    @inline(__always)
    func lanesSum() -> Float { (lowHalf + highHalf).lanesSum() }

    @inline(__always)
    static func powerOfTwo(_ n: SIMD16<Float>) -> SIMD16<Float> {
        let biased = unsafeBitCast(n + SIMD16(repeating: 8_388_608 + 127), to: SIMD16<UInt32>.self) &- 0x4B00_0000
        return unsafeBitCast(biased &<< 23, to: SIMD16<Float>.self)
    }

    @inline(__always)
    static func maximum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        selectBySign(a, b, difference: a - b, bits: SIMD16<Int32>.self)
    }

    @inline(__always)
    static func minimum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        selectBySign(a, b, difference: b - a, bits: SIMD16<Int32>.self)
    }

    @inline(__always)
    static func positivePart(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(x, to: SIMD16<Int32>.self)
        return unsafeBitCast(bits & ~(bits &>> 31), to: SIMD16<Float>.self)
    }

    @inline(__always)
    static func negativePart(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(x, to: SIMD16<Int32>.self)
        return unsafeBitCast(bits & (bits &>> 31), to: SIMD16<Float>.self)
    }
}

extension SIMD4 where Scalar == Float {
    @inline(__always)
    static func maximum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        selectBySign(a, b, difference: a - b, bits: SIMD4<Int32>.self)
    }
}

/// `b < a ? b : a` (minimum) or `a < b ? b : a` (maximum), lane-wise, as a bit
/// select on the sign of the difference: exact for every non-NaN input (the
/// difference's sign is right even when it overflows or underflows; with equal
/// infinities it is NaN and either operand is the answer), and −0 < +0 as in IEEE
/// maxNum. Only subtraction, shifts and bit operations: single instructions.
@inline(__always)
func selectBySign<V: SIMD, B: SIMD>(_ a: V, _ b: V, difference: V, bits _: B.Type) -> V
    where V.Scalar == Float, B.Scalar == Int32 {
    let (x, y) = (unsafeBitCast(a, to: B.self), unsafeBitCast(b, to: B.self))
    let takeB = unsafeBitCast(difference, to: B.self) &>> 31
    return unsafeBitCast(x ^ ((x ^ y) & takeB), to: V.self)
}

/// `eˣ`, Cephes-style: x = n·ln2 + r with |r| ≤ ln2/2 (n rounded to nearest with
/// the 1.5·2²³ trick), a degree-6 polynomial in r (relative error about 2e-7),
/// times 2ⁿ. Inputs are clamped to [−87.3, 88.37] (n ≤ 127): results flush to about 1e-38
/// at the low end and reach 2.4e38 (not ∞) at the high end.
@inline(__always)
func vectorExp<V: KernelVector>(_ x: V) -> V {
    let clamped = V.minimum(V.maximum(x, V(repeating: -87.3)), V(repeating: 88.37))
    let n = (clamped * V(repeating: 1.442_695_04) + V(repeating: 12_582_912)) - V(repeating: 12_582_912)
    var r = clamped.addingProduct(n, V(repeating: -0.693_359_375))
    r = r.addingProduct(n, V(repeating: 2.121_944_4e-4))
    var p = V(repeating: 1.987_569_1e-4) * r + V(repeating: 1.398_199_9e-3)
    p = p * r + V(repeating: 8.333_451_9e-3)
    p = p * r + V(repeating: 4.166_579_6e-2)
    p = p * r + V(repeating: 1.666_666_6e-1)
    p = p * r + V(repeating: 5.000_000_1e-1)
    let polynomial = (p * r * r + r) + V(repeating: 1)
    return polynomial * V.powerOfTwo(n)
}

/// ELU: `x > 0 ? x : α(eˣ − 1)`, computed as `max(x, 0) + α(e^min(x, 0) − 1)`
/// (the same values: one term is 0 on each side).
@inline(__always)
func vectorELU<V: KernelVector>(_ x: V, alpha: Float) -> V {
    let negative = vectorExp(V.negativePart(x)) - V(repeating: 1)
    return V.positivePart(x).addingProduct(negative, V(repeating: alpha))
}

/// Leaky ReLU: `x > 0 ? x : slope·x` as `max(x, 0) + slope·min(x, 0)`.
@inline(__always)
func vectorReLU<V: KernelVector>(_ x: V, slope: Float) -> V {
    slope == 0 ? V.positivePart(x) : V.positivePart(x).addingProduct(V.negativePart(x), V(repeating: slope))
}

/// `1 / (1 + e⁻ˣ)`.
@inline(__always)
func vectorSigmoid<V: KernelVector>(_ x: V) -> V {
    V(repeating: 1) / (V(repeating: 1) + vectorExp(-x))
}

/// `tanh(x) = 1 − 2 / (e²ˣ + 1)`: absolute error about 1e-7 (relative error grows
/// near 0, where the values are small); saturates exactly to ±1.
@inline(__always)
func vectorTanh<V: KernelVector>(_ x: V) -> V {
    V(repeating: 1) - V(repeating: 2) / (vectorExp(x * V(repeating: 2)) + V(repeating: 1))
}
