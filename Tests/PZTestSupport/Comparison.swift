import PZGraph

/// The largest absolute difference between two equally long arrays.
public func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Whether `actual` matches `expected` within `tolerance × max(1, |expected|max)`:
/// the package's one acceptance rule (`ErrorFigures.isWithin`, inclusive).
public func matchesGolden(_ actual: [Float], _ expected: [Float], tolerance: Float) -> Bool {
    actual.count == expected.count && ErrorFigures(actual: actual, reference: expected).isWithin(Double(tolerance))
}
