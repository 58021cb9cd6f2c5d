import Foundation
import PZGraph

/// An input normalization made concrete for one volume: x ↦ clamp(x, low, high)
/// · factor + offset (the bounds only for `percentile`). `zscore` and
/// `percentile` take their numbers from a pass over the whole volume.
public struct VolumeNormalization: Equatable, Sendable, CustomStringConvertible {
    public let factor: Float
    public let offset: Float
    public let low: Float
    public let high: Float

    /// Computes the statistics `normalization` needs from `reader` (all
    /// channels together), reading slabs of at most `slabVoxels` voxels.
    public init(_ normalization: InputNormalization, volume reader: VolumeReader, slabVoxels: Int = 1 << 24) throws {
        switch normalization {
        case .scale(let factor):
            self.init(factor: factor, offset: 0)
        case .meanStd(let mean, let std):
            self.init(factor: 1 / std, offset: -mean / std)
        case .zscore:
            var sum = 0.0
            var squares = 0.0
            var count = 0
            try Self.forEachSlab(reader, slabVoxels: slabVoxels) { values in
                for value in values {
                    sum += Double(value)
                    squares += Double(value) * Double(value)
                }
                count += values.count
            }
            let mean = sum / Double(count)
            let std = max((squares / Double(count) - mean * mean).squareRoot(), 1e-8)
            self.init(factor: Float(1 / std), offset: Float(-mean / std))
        case .percentile(let lowPercent, let highPercent):
            var minimum = Float.infinity
            var maximum = -Float.infinity
            try Self.forEachSlab(reader, slabVoxels: slabVoxels) { values in
                for value in values where value.isFinite {
                    minimum = min(minimum, value)
                    maximum = max(maximum, value)
                }
            }
            guard minimum <= maximum else { throw VolumeError(reader.path, "has no finite values to take percentiles of") }
            // A histogram of 65 536 bins over [min, max]: each percentile is the
            // lower edge of the bin where the cumulative count reaches it.
            let bins = 65_536
            let width = Double(maximum - minimum) / Double(bins)
            var histogram = [Int](repeating: 0, count: bins)
            var count = 0
            try Self.forEachSlab(reader, slabVoxels: slabVoxels) { values in
                for value in values where value.isFinite {
                    let bin = width > 0 ? min(bins - 1, Int(Double(value - minimum) / width)) : 0
                    histogram[bin] += 1
                    count += 1
                }
            }
            func percentile(_ percent: Double) -> Float {
                let target = percent / 100 * Double(count)
                var cumulative = 0
                for (bin, number) in histogram.enumerated() {
                    cumulative += number
                    if Double(cumulative) >= target && number > 0 { return minimum + Float(Double(bin) * width) }
                }
                return maximum
            }
            let low = percentile(lowPercent)
            let high = max(percentile(highPercent), low + Float.ulpOfOne)
            self.init(factor: 1 / (high - low), offset: -low / (high - low), low: low, high: high)
        }
    }

    public init(factor: Float, offset: Float, low: Float = -.infinity, high: Float = .infinity) {
        self.factor = factor
        self.offset = offset
        self.low = low
        self.high = high
    }

    /// Reads the whole volume slab by slab along D.
    private static func forEachSlab(_ reader: VolumeReader, slabVoxels: Int, _ body: ([Float]) -> Void) throws {
        let depth = reader.shape[1]
        let plane = reader.shape[0] * reader.shape[2] * reader.shape[3]
        let step = max(1, slabVoxels / max(1, plane))
        for start in stride(from: 0, to: depth, by: step) {
            let size = min(step, depth - start)
            body(try reader.read(VolumeBox(origin: [start, 0, 0], size: [size, reader.shape[2], reader.shape[3]])))
        }
    }

    public func apply(_ values: inout [Float]) {
        for index in values.indices { values[index] = min(max(values[index], low), high) * factor + offset }
    }

    /// x ↦ clamp(x, low, high)·factor + offset, with its numbers (recorded in the
    /// output's run identity).
    public var description: String {
        "x·\(factor) + \(offset)" + (low.isFinite ? " after clamping to [\(low), \(high)]" : "")
    }
}

/// A volume read through a normalization.
public final class NormalizedVolume: VolumeReader {
    public let source: VolumeReader
    public let normalization: VolumeNormalization

    public init(_ source: VolumeReader, _ normalization: VolumeNormalization) {
        self.source = source
        self.normalization = normalization
    }

    public var path: String { source.path }
    public var shape: [Int] { source.shape }

    public func read(_ box: VolumeBox) throws -> [Float] {
        var values = try source.read(box)
        normalization.apply(&values)
        return values
    }
}
