import PZGraph

/// The largest absolute difference between two equally long arrays.
public func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Whether `actual` matches `expected` within `tolerance × max(1, |expected|max)`:
/// the acceptance rule for comparisons against golden outputs (the bound is
/// inclusive).
public func matchesGolden(_ actual: [Float], _ expected: [Float], tolerance: Float) -> Bool {
    let scale = max(1, expected.map(abs).max() ?? 0)
    return actual.count == expected.count && maxAbsoluteDifference(actual, expected) <= tolerance * scale
}
