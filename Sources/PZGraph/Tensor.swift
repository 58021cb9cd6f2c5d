/// A dense float32 tensor in C (row-major) order.
///
/// Activations in the IR are always 5-D, NCDHW (a 2-D model has D = 1); weights
/// keep the rank their op defines (a convolution kernel is F × C/groups × Kd × Kh × Kw).
/// Invariant: `values.count == shape.product`.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var values: [Float]

    /// Creates a tensor; `values.count` must equal the product of `shape`
    /// (callers holding untrusted data check that first, see `Tensor.checked`).
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.elementCount == values.count,
                     "tensor of shape \(shape) cannot hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.elementCount))
    }

    /// Creates a tensor from untrusted data, or returns nil when the count does not
    /// fill the shape.
    public static func checked(shape: [Int], values: [Float]) -> Tensor? {
        guard shape.allSatisfy({ $0 >= 0 }), let count = shape.checkedElementCount, count == values.count else {
            return nil
        }
        return Tensor(shape: shape, values: values)
    }

    public var elementCount: Int { values.count }

    /// The same values viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: values)
    }
}

extension Array where Element == Int {
    /// Product of the dimensions (1 for a scalar shape).
    public var elementCount: Int { reduce(1, *) }

    /// Product of the dimensions, or nil on overflow or a negative dimension.
    public var checkedElementCount: Int? {
        var product = 1
        for dim in self {
            guard dim >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// Product of the dimensions of a shape of non-negative sizes, `Int.max` where
    /// it would overflow: for statistics, never for an allocation.
    public var saturatingElementCount: Int {
        var product = 1
        for dim in self {
            let (next, overflow) = product.multipliedReportingOverflow(by: Swift.max(dim, 0))
            if overflow { return Int.max }
            product = next
        }
        return product
    }

    /// `[1, 2, 3]` → `"1×2×3"`, for messages.
    public var shapeDescription: String { map(String.init).joined(separator: "×") }
}
