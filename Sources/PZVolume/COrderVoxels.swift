/// A (C, D, H, W) volume stored uncompressed in C order, as `.npy` and NIfTI
/// files hold one: channels first ((C, D, H, W): W fastest, C slowest) or last
/// ((D, H, W, C): C fastest), each element `dataType`.
struct COrderVoxels {
    /// (C, D, H, W).
    let shape: [Int]
    let dataType: ArrayDataType
    let channelsLast: Bool

    /// The byte ranges (from element 0) that reading `box` touches: per channel
    /// (channels first) and D slice, the rows from its first to its last.
    func byteRanges(_ box: VolumeBox) -> [Range<Int>] {
        let (depth, height, width) = (shape[1], shape[2], shape[3])
        let channels = shape[0]
        let rowStart = box.origin[1] * width + box.origin[2]
        let rowEnd = (box.end[1] - 1) * width + box.end[2]
        let planes = channelsLast ? [0] : Array(0..<channels)
        let perElement = dataType.size * (channelsLast ? channels : 1)
        return planes.flatMap { channel in
            (box.origin[0]..<box.end[0]).map { d in
                let plane = (channel * depth + d) * height * width
                return ((plane + rowStart) * perElement)..<((plane + rowEnd) * perElement)
            }
        }
    }

    /// The voxels of `box` (inside the volume) for every channel, C-major then
    /// D, H, W, as float32; `bytes` start at element 0 and hold the whole volume.
    func read(_ box: VolumeBox, from bytes: UnsafeRawBufferPointer) -> [Float] {
        let channels = shape[0]
        let (depth, height, width) = (shape[1], shape[2], shape[3])
        var result = [Float](repeating: 0, count: channels * box.voxelCount)
        var target = 0
        for channel in 0..<channels {
            for d in box.origin[0]..<box.end[0] {
                for h in box.origin[1]..<box.end[1] {
                    for w in box.origin[2]..<box.end[2] {
                        let index = channelsLast
                            ? ((d * height + h) * width + w) * channels + channel
                            : ((channel * depth + d) * height + h) * width + w
                        result[target] = dataType.value(bytes, at: index)
                        target += 1
                    }
                }
            }
        }
        return result
    }
}
