/// Where a 4-D volume keeps its channels: `first` (C, D, H, W) or `last`
/// (D, H, W, C). A 3-D volume is one channel.
public enum ChannelAxis: String, CaseIterable, Sendable {
    case first
    case last

    /// The (C, D, H, W) shape of a stored array of shape `stored`; `path` names
    /// the file in errors.
    public static func volumeShape(_ stored: [Int], channelAxis: ChannelAxis?, path: String) throws -> [Int] {
        guard stored.allSatisfy({ $0 > 0 }) else { throw VolumeError(path, "the array is empty (shape \(stored))") }
        switch (stored.count, channelAxis) {
        case (3, _): return [1] + stored
        case (4, .first?): return stored
        case (4, .last?): return [stored[3]] + stored[0..<3]
        case (4, nil):
            throw VolumeError(path, "a 4-D volume \(stored): say where its channels are with --channel-axis first|last")
        default:
            throw VolumeError(path, "a volume must be 3-D (D, H, W) or 4-D with channels, got shape \(stored)")
        }
    }
}

/// How a volume's (C, D, H, W) voxels lie in a stored C-order array of rank 3
/// (one channel) or 4 (channels first or last): the stored region a box needs,
/// and its values reordered into (C, D, H, W).
public struct StoredVolumeLayout: Sendable {
    public let rank: Int
    public let channels: Int
    public let channelsLast: Bool

    public init(storedShape: [Int], channelAxis: ChannelAxis?) {
        rank = storedShape.count
        channelsLast = storedShape.count == 4 && channelAxis == .last
        channels = storedShape.count == 4 ? (channelsLast ? storedShape[3] : storedShape[0]) : 1
    }

    /// The stored region (origin, size) holding `box` for every channel.
    public func region(_ box: VolumeBox) -> (origin: [Int], size: [Int]) {
        switch (rank, channelsLast) {
        case (3, _): return (box.origin, box.size)
        case (_, false): return ([0] + box.origin, [channels] + box.size)
        default: return (box.origin + [0], box.size + [channels])
        }
    }

    /// The stored region's values (C order) as (C, D, H, W).
    public func volumeOrder(_ values: [Float], box: VolumeBox) -> [Float] {
        guard channelsLast, channels > 1 else { return values }
        var result = [Float](repeating: 0, count: values.count)
        let voxels = box.voxelCount
        for voxel in 0..<voxels {
            for channel in 0..<channels { result[channel * voxels + voxel] = values[voxel * channels + channel] }
        }
        return result
    }
}
