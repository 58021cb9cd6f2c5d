import Foundation

/// What the verified pass pipeline did to a graph and how far each step moved
/// its outputs, stored in the optimized `.pzir` (and later the `.pz`).
///
/// Errors are measured with the reference executor on the same patches: against
/// the unfused graph (the import) and, when golden data was given, against the
/// source framework's outputs. A relative error is `max |a − b| / max(1, |b|max)`.
public struct VerificationRecord: Codable, Equatable, Sendable {
    /// The accepted relative error; a pass above it is rolled back.
    public var tolerance: Double
    /// Which patches were used, e.g. "golden patches from Golden/caffe/x" or
    /// "2 random patches (seed 1)".
    public var patches: String
    /// The unfused graph against the golden outputs (nil without golden data).
    public var baseline: ErrorFigures?
    public var passes: [PassRecord]

    enum CodingKeys: String, CodingKey { case tolerance, patches, baseline, passes }

    public init(tolerance: Double, patches: String, baseline: ErrorFigures?, passes: [PassRecord]) {
        self.tolerance = tolerance
        self.patches = patches
        self.baseline = baseline
        self.passes = passes
    }

    /// Whether every kept pass and the baseline are within the tolerance and no
    /// pass was rolled back.
    public var holds: Bool {
        (baseline?.isWithin(tolerance) ?? true) && passes.allSatisfy { $0.outcome != .rolledBack }
            && passes.allSatisfy { ($0.versusGolden?.isWithin(tolerance) ?? true) }
    }
}

/// A largest absolute and relative error.
public struct ErrorFigures: Codable, Equatable, Sendable {
    public var maxAbsoluteError: Double
    public var maxRelativeError: Double

    enum CodingKeys: String, CodingKey {
        case maxAbsoluteError = "max_abs_error", maxRelativeError = "max_rel_error"
    }

    public init(maxAbsoluteError: Double, maxRelativeError: Double) {
        self.maxAbsoluteError = maxAbsoluteError
        self.maxRelativeError = maxRelativeError
    }

    public static let zero = ErrorFigures(maxAbsoluteError: 0, maxRelativeError: 0)

    /// The error of `actual` against `reference` (equally long): the largest
    /// absolute difference, and that difference over `max(1, |reference|max)`.
    /// NaN counts as an infinite error.
    public init(actual: [Float], reference: [Float]) {
        precondition(actual.count == reference.count, "compared tensors differ in size")
        var worst = 0.0
        var magnitude = 0.0
        for (a, r) in zip(actual, reference) {
            let difference = abs(Double(a) - Double(r))
            worst = difference.isNaN ? .infinity : max(worst, difference)
            magnitude = max(magnitude, abs(Double(r)))
        }
        self.init(maxAbsoluteError: worst, maxRelativeError: worst / max(1, magnitude))
    }

    /// The larger of two figures, field by field.
    public func combined(with other: ErrorFigures) -> ErrorFigures {
        ErrorFigures(maxAbsoluteError: max(maxAbsoluteError, other.maxAbsoluteError),
                     maxRelativeError: max(maxRelativeError, other.maxRelativeError))
    }

    /// Relative error within `tolerance` (inclusive).
    public func isWithin(_ tolerance: Double) -> Bool { maxRelativeError <= tolerance }
}

/// One pass of the pipeline.
public struct PassRecord: Codable, Equatable, Sendable {
    public enum Outcome: String, Codable, Sendable {
        /// The pass changed the graph and the result is within the tolerance.
        case applied
        /// The pass found nothing it may change (its guards said no everywhere).
        case declined
        /// The pass changed the graph beyond the tolerance; the change was undone.
        case rolledBack = "rolled_back"
    }

    public var pass: String
    public var outcome: Outcome
    public var nodesBefore: Int
    public var nodesAfter: Int
    /// Each rewrite made, and each place a guard declined with its reason.
    public var notes: [String]
    /// The candidate graph against the unfused graph (nil when nothing changed).
    public var versusUnfused: ErrorFigures?
    /// The candidate graph against the golden outputs (nil without golden data or changes).
    public var versusGolden: ErrorFigures?
    /// For a rolled-back pass: the first tensor, in graph order, beyond the tolerance.
    public var firstDivergence: Divergence?

    enum CodingKeys: String, CodingKey {
        case pass, outcome, nodesBefore = "nodes_before", nodesAfter = "nodes_after", notes
        case versusUnfused = "versus_unfused", versusGolden = "versus_golden", firstDivergence = "first_divergence"
    }

    public init(pass: String, outcome: Outcome, nodesBefore: Int, nodesAfter: Int, notes: [String],
                versusUnfused: ErrorFigures? = nil, versusGolden: ErrorFigures? = nil, firstDivergence: Divergence? = nil) {
        self.pass = pass
        self.outcome = outcome
        self.nodesBefore = nodesBefore
        self.nodesAfter = nodesAfter
        self.notes = notes
        self.versusUnfused = versusUnfused
        self.versusGolden = versusGolden
        self.firstDivergence = firstDivergence
    }

    public var nodesRemoved: Int { nodesBefore - nodesAfter }
}

/// Where two graphs first disagree: a tensor, the node that writes it, and the
/// source-model layers that node computes.
public struct Divergence: Codable, Equatable, Sendable, CustomStringConvertible {
    public var tensor: String
    public var node: String
    public var sourceLayers: [String]
    public var error: ErrorFigures

    enum CodingKeys: String, CodingKey { case tensor, node, sourceLayers = "source_layers", error }

    public init(tensor: String, node: String, sourceLayers: [String], error: ErrorFigures) {
        self.tensor = tensor
        self.node = node
        self.sourceLayers = sourceLayers
        self.error = error
    }

    public var description: String {
        "tensor '\(tensor)' of node '\(node)' (source layers \(sourceLayers.joined(separator: ", "))): "
            + "max abs error \(formatError(error.maxAbsoluteError)), rel \(formatError(error.maxRelativeError))"
    }
}

/// Errors in a short scientific form: `3.1e-07`.
public func formatError(_ value: Double) -> String {
    if value == 0 { return "0" }
    if !value.isFinite { return "\(value)" }
    let exponent = Int(floor(log10(abs(value))))
    let mantissa = value / pow(10, Double(exponent))
    let digits = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
    return "\((mantissa * 10).rounded() / 10)e\(exponent < 0 ? "-" : "+")\(digits)"
}
