/// A volume pzconv reads by region: `channels` × D × H × W voxels, converted to
/// float32 whatever the stored type. Readers check their file's header before
/// anything is read, and read only the chunks or rows a region needs.
public protocol VolumeReader: AnyObject {
    /// The file (or directory) named in errors.
    var path: String { get }
    /// (C, D, H, W).
    var shape: [Int] { get }
    /// The voxels of `box` (inside the volume) for every channel: C-major, then
    /// D, H, W.
    func read(_ box: VolumeBox) throws -> [Float]
}

/// Where a prediction goes: a volume of `shape` (C, D, H, W) written chunk by
/// chunk. Each chunk is written once, atomically, and recorded as done, so a
/// killed run resumes from what is recorded and ends byte-identical.
public protocol VolumeWriter: AnyObject {
    var path: String { get }
    /// (C, D, H, W) of the output.
    var shape: [Int] { get }
    /// The chunk grid it writes.
    var chunks: ChunkGrid { get }
    /// Whether the chunk at `position` is already written (by an earlier run).
    func isDone(_ position: [Int]) throws -> Bool
    /// Writes the chunk at `position`: `values` are C-major float32 over the
    /// chunk's box, converted to the output's type here.
    func write(_ position: [Int], values: [Float]) throws
    /// Completes the output once this process has written its chunks.
    func finish() throws
}

/// How a tile's input is filled where it reaches past the volume.
public enum VolumePadding: String, CaseIterable, Sendable {
    /// Reflect at the border without repeating the edge voxel (NumPy's `reflect`).
    case mirror
    /// Zeros.
    case zero

    /// The voxel index inside `0..<length` that coordinate `index` reads.
    func sourceIndex(_ index: Int, length: Int) -> Int? {
        if index >= 0 && index < length { return index }
        switch self {
        case .zero: return nil
        case .mirror:
            guard length > 1 else { return 0 }
            let period = 2 * (length - 1)
            var folded = index % period
            if folded < 0 { folded += period }
            return folded < length ? folded : period - folded
        }
    }
}

extension VolumeReader {
    /// The voxels of `box` for every channel (C-major, D, H, W); where `box`
    /// reaches past the volume they are filled by `padding`.
    public func read(_ box: VolumeBox, padding: VolumePadding) throws -> [Float] {
        let spatial = Array(shape.dropFirst())
        if box.clamped(to: spatial) == box { return try read(box) }
        let channels = shape[0]
        // Per axis: the source index each coordinate reads, and the range read.
        let sources = (0..<3).map { axis in
            (0..<box.size[axis]).map { padding.sourceIndex(box.origin[axis] + $0, length: spatial[axis]) }
        }
        var result = [Float](repeating: 0, count: channels * box.voxelCount)
        let lower = (0..<3).map { axis in sources[axis].compactMap { $0 }.min() }
        let upper = (0..<3).map { axis in sources[axis].compactMap { $0 }.max() }
        guard let lowD = lower[0], let lowH = lower[1], let lowW = lower[2],
              let highD = upper[0], let highH = upper[1], let highW = upper[2] else { return result }
        let region = VolumeBox(origin: [lowD, lowH, lowW], size: [highD - lowD + 1, highH - lowH + 1, highW - lowW + 1])
        let values = try read(region)
        let regionVoxels = region.voxelCount
        var target = 0
        for channel in 0..<channels {
            for d in sources[0] {
                for h in sources[1] {
                    for w in sources[2] {
                        if let d, let h, let w {
                            result[target] = values[channel * regionVoxels
                                + ((d - lowD) * region.size[1] + (h - lowH)) * region.size[2] + (w - lowW)]
                        }
                        target += 1
                    }
                }
            }
        }
        return result
    }
}
