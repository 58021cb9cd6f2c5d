import Foundation

/// How a volume's voxels are scaled before they enter the model, stated at
/// import (kept in the `.pzir` and `.pz`) or on `predict`'s command line:
/// a model is useless if its users must guess how its inputs were scaled.
///
/// Written as text, which is also how it is stored:
/// - `scale:A` — x·A (`scale:1/255` for 8-bit EM);
/// - `meanstd:M,S` — (x − M) / S (fixed statistics, e.g. a training set's);
/// - `zscore` — (x − mean) / std of the whole input volume (nnU-Net's MR scheme);
/// - `percentile:L,H` — clipped to the volume's L-th and H-th percentiles, then
///   mapped linearly to [0, 1] (nnU-Net clips CT to 0.5 and 99.5).
/// `zscore` and `percentile` need a pass over the volume first (`predict` makes it).
public enum InputNormalization: Hashable, Sendable, Codable, CustomStringConvertible {
    case scale(Float)
    case meanStd(mean: Float, std: Float)
    case zscore
    case percentile(low: Double, high: Double)

    /// Parses the text form; the error says what is accepted.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let numbers = parts.count == 2 ? parts[1].split(separator: ",").map { Self.number(String($0)) } : []
        switch (parts.first, numbers.count) {
        case ("scale", 1) where numbers[0].map({ $0.isFinite && $0 != 0 }) == true:
            self = .scale(Float(numbers[0]!))
        case ("meanstd", 2) where numbers.allSatisfy({ $0?.isFinite == true }) && numbers[1]! > 0:
            self = .meanStd(mean: Float(numbers[0]!), std: Float(numbers[1]!))
        case ("zscore", 0) where parts.count == 1:
            self = .zscore
        case ("percentile", 2) where numbers.allSatisfy({ $0 != nil }) && 0 <= numbers[0]! && numbers[0]! < numbers[1]!
                                        && numbers[1]! <= 100:
            self = .percentile(low: numbers[0]!, high: numbers[1]!)
        default:
            throw InputNormalizationError("normalization '\(text)': expected scale:A (e.g. scale:1/255), meanstd:M,S "
                                          + "(S > 0), zscore, or percentile:L,H (0 ≤ L < H ≤ 100)")
        }
    }

    /// A decimal number or a fraction `a/b`.
    private static func number(_ text: String) -> Double? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard let numerator = parts.first.flatMap({ Double($0) }) else { return nil }
        guard parts.count == 2 else { return parts.count == 1 ? numerator : nil }
        guard let denominator = Double(parts[1]), denominator != 0 else { return nil }
        return numerator / denominator
    }

    public var description: String {
        switch self {
        case .scale(let factor): "scale:\(factor)"
        case .meanStd(let mean, let std): "meanstd:\(mean),\(std)"
        case .zscore: "zscore"
        case .percentile(let low, let high): "percentile:\(low),\(high)"
        }
    }

    /// Whether the volume's statistics are needed first.
    public var needsVolumeStatistics: Bool {
        switch self {
        case .zscore, .percentile: true
        case .scale, .meanStd: false
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A normalization that does not parse.
public struct InputNormalizationError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
