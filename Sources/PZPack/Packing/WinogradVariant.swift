/// A Winograd minimal-filtering algorithm F(m×m, r×r) in the H×W plane
/// (Lavin & Gray 2016): m×m outputs of an r×r kernel from an α×α input tile,
/// α = m + r − 1, with α² products instead of m²r². α = 4 uses the points
/// 0, 1, −1, ∞; α = 6 the points 0, 1, −1, 2, −2, ∞ (more savings, somewhat more
/// rounding: the transforms scale by up to 8 and 1/24).
///
/// | variant | α | products per output (direct: r²) | for |
/// |---|---|---|---|
/// | F(2×2, 3×3) | 4 | 4 (9) | 3×3 kernels |
/// | F(4×4, 3×3) | 6 | 2.25 (9) | 3×3 kernels, where KernelTuning chooses it |
/// | F(3×3, 2×2) | 4 | 1.78 (4) | the 2×2 phases of kernel-4 stride-2 deconvolutions |
/// | F(3×3, 4×4) | 6 | 4 (16) | 4×4 kernels |
/// | F(2×2, 5×5) | 6 | 9 (25) | V-Net's 5×5×5 |
public struct WinogradVariant: Hashable, Sendable, CustomStringConvertible {
    /// m: outputs per tile along H and W.
    public let outputs: Int
    /// r: the kernel's size along H and W.
    public let kernel: Int

    public init(outputs: Int, kernel: Int) {
        self.outputs = outputs
        self.kernel = kernel
    }

    /// α = m + r − 1: the input tile's size, and the transform positions per axis.
    public var alpha: Int { outputs + kernel - 1 }

    public var description: String { "F(\(outputs)×\(outputs), \(kernel)×\(kernel))" }

    /// The variant for an r×r kernel in H×W: 3×3 takes `outputsFor3x3` (2 or 4,
    /// per instruction set); nil for sizes without one.
    public static func forKernel(_ r: Int, outputsFor3x3: Int) -> WinogradVariant? {
        switch r {
        case 2: WinogradVariant(outputs: 3, kernel: 2)
        case 3: WinogradVariant(outputs: outputsFor3x3, kernel: 3)
        case 4: WinogradVariant(outputs: 3, kernel: 4)
        case 5: WinogradVariant(outputs: 2, kernel: 5)
        default: nil
        }
    }

    /// The kernel transform G (α × r): for each finite point p with scale c,
    /// the row c·(1, p, p², …); the row of ∞ is (0, …, 0, 1). U = G g Gᵀ.
    public var kernelTransform: [[Double]] {
        let (points, scales): ([Double], [Double]) = alpha == 4
            ? ([0, 1, -1], [1, 0.5, 0.5]) : ([0, 1, -1, 2, -2], [0.25, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24])
        let finite = zip(points, scales).map { point, scale in (0..<kernel).map { scale * pow(point, $0) } }
        return finite + [(0..<kernel).map { $0 == kernel - 1 ? 1 : 0 }]
    }

    private func pow(_ base: Double, _ exponent: Int) -> Double {
        (0..<exponent).reduce(1) { product, _ in product * base }
    }
}
