/// The axis order of a tensor in the source model, e.g. `NCDHW` (Caffe, Keras
/// channels_first 3-D), `NDHWC` (Keras channels_last 3-D), `NCHW` / `NHWC` (2-D).
///
/// The IR itself is always NCDHW; a layout maps between the two. Axes a layout
/// leaves out (D for a 2-D model) have size 1 in the IR.
/// Invariants: the letters are a subset of N, C, D, H, W without repeats, include
/// N and C, and keep the spatial letters in D, H, W order.
public struct DataLayout: Hashable, Sendable, CustomStringConvertible {
    public let axes: String

    public static let ncdhw = DataLayout(uncheckedAxes: "NCDHW")
    public static let ndhwc = DataLayout(uncheckedAxes: "NDHWC")
    public static let nchw = DataLayout(uncheckedAxes: "NCHW")
    public static let nhwc = DataLayout(uncheckedAxes: "NHWC")

    private static let canonicalAxes: [Character] = ["N", "C", "D", "H", "W"]

    private init(uncheckedAxes: String) { axes = uncheckedAxes }

    /// Parses a layout string, or returns nil when it breaks the invariants.
    public init?(_ axes: String) {
        let letters = Array(axes)
        let positions = letters.compactMap { DataLayout.canonicalAxes.firstIndex(of: $0) }
        guard positions.count == letters.count, Set(positions).count == positions.count,
              positions.contains(0), positions.contains(1) else { return nil }
        let spatial = positions.filter { $0 >= 2 }
        guard spatial == spatial.sorted() else { return nil }
        self.axes = axes
    }

    public var description: String { axes }

    /// For each source axis, the index of the matching NCDHW axis.
    public var canonicalIndices: [Int] {
        axes.map { DataLayout.canonicalAxes.firstIndex(of: $0)! }
    }

    /// The source-layout shape of a tensor whose IR shape is `canonical` (5-D NCDHW).
    public func sourceShape(fromCanonical canonical: [Int]) -> [Int] {
        canonicalIndices.map { canonical[$0] }
    }

    /// The IR shape (5-D NCDHW) of a tensor whose source-layout shape is `source`;
    /// nil when the rank does not match the layout.
    public func canonicalShape(fromSource source: [Int]) -> [Int]? {
        guard source.count == axes.count else { return nil }
        var canonical = [1, 1, 1, 1, 1]
        for (sourceAxis, canonicalAxis) in canonicalIndices.enumerated() {
            canonical[canonicalAxis] = source[sourceAxis]
        }
        return canonical
    }

    /// Reorders source-layout values into NCDHW order. `canonicalShape` is the IR
    /// shape; `values` must hold its element count.
    public func toCanonical(_ values: [Float], canonicalShape: [Int]) -> [Float] {
        permute(values, canonicalShape: canonicalShape, intoCanonical: true)
    }

    /// Reorders NCDHW values into this layout's order.
    public func fromCanonical(_ values: [Float], canonicalShape: [Int]) -> [Float] {
        permute(values, canonicalShape: canonicalShape, intoCanonical: false)
    }

    private func permute(_ values: [Float], canonicalShape shape: [Int], intoCanonical: Bool) -> [Float] {
        precondition(shape.count == 5 && shape.elementCount == values.count)
        if axes == "NCDHW" || values.isEmpty { return values }
        // Strides of each NCDHW axis inside the source layout (0 for absent axes of size 1).
        var sourceStrides = [0, 0, 0, 0, 0]
        var stride = 1
        for canonicalAxis in canonicalIndices.reversed() {
            sourceStrides[canonicalAxis] = stride
            stride *= shape[canonicalAxis]
        }
        var result = [Float](repeating: 0, count: values.count)
        var canonicalOffset = 0
        for n in 0..<shape[0] {
            for c in 0..<shape[1] {
                for d in 0..<shape[2] {
                    for h in 0..<shape[3] {
                        let rowBase = n * sourceStrides[0] + c * sourceStrides[1] + d * sourceStrides[2]
                            + h * sourceStrides[3]
                        for w in 0..<shape[4] {
                            let sourceOffset = rowBase + w * sourceStrides[4]
                            if intoCanonical {
                                result[canonicalOffset] = values[sourceOffset]
                            } else {
                                result[sourceOffset] = values[canonicalOffset]
                            }
                            canonicalOffset += 1
                        }
                    }
                }
            }
        }
        return result
    }
}
