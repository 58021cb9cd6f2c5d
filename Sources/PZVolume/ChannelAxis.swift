/// Where a 4-D volume keeps its channels: `first` (C, D, H, W) or `last`
/// (D, H, W, C). A 3-D volume is one channel.
public enum ChannelAxis: String, CaseIterable, Sendable {
    case first
    case last

    /// The (C, D, H, W) shape of a stored array of shape `stored`; `path` names
    /// the file in errors.
    static func volumeShape(_ stored: [Int], channelAxis: ChannelAxis?, path: String) throws -> [Int] {
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
