import PZVolume

/// A volume held in memory, (C, D, H, W), C-major.
final class MemoryVolume: VolumeReader {
    let path = "memory"
    let shape: [Int]
    let values: [Float]
    private(set) var reads = 0

    init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count)
        self.shape = shape
        self.values = values
    }

    func read(_ box: VolumeBox) throws -> [Float] {
        reads += 1
        var result: [Float] = []
        for c in 0..<shape[0] {
            for d in box.origin[0]..<box.end[0] {
                for h in box.origin[1]..<box.end[1] {
                    for w in box.origin[2]..<box.end[2] {
                        result.append(values[((c * shape[1] + d) * shape[2] + h) * shape[3] + w])
                    }
                }
            }
        }
        return result
    }
}

/// Chunks written to memory, assembled into the whole output.
final class MemoryOutput: VolumeWriter {
    let path = "memory-output"
    let shape: [Int]
    let chunks: ChunkGrid
    var values: [Float]
    var written: [[Int]] = []
    var done: Set<[Int]> = []

    init(shape: [Int], chunkShape: [Int]) throws {
        self.shape = shape
        chunks = try ChunkGrid(volumeShape: Array(shape.dropFirst()), chunkShape: chunkShape)
        values = [Float](repeating: .nan, count: shape.reduce(1, *))
    }

    func isDone(_ position: [Int]) throws -> Bool { done.contains(position) }

    func write(_ position: [Int], values chunk: [Float]) throws {
        precondition(!done.contains(position), "chunk \(position) written twice")
        let box = chunks.box(position)
        var index = 0
        for c in 0..<shape[0] {
            for d in box.origin[0]..<box.end[0] {
                for h in box.origin[1]..<box.end[1] {
                    for w in box.origin[2]..<box.end[2] {
                        values[((c * shape[1] + d) * shape[2] + h) * shape[3] + w] = chunk[index]
                        index += 1
                    }
                }
            }
        }
        written.append(position)
        done.insert(position)
    }

    func finish() throws {}
}

/// Deterministic test values in [0, 1).
func testValues(_ count: Int, seed: UInt64 = 1) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24)
    }
}

/// A same-padded 3×3×3 mean filter with zero padding, over one tile of shape
/// `patch` (one channel in, two out: the mean and the mean squared): a stand-in
/// net whose field of view is 3 voxels.
func meanFilter(_ input: [Float], patch: [Int]) -> [Float] {
    let (depth, height, width) = (patch[0], patch[1], patch[2])
    var output = [Float](repeating: 0, count: 2 * input.count)
    for d in 0..<depth {
        for h in 0..<height {
            for w in 0..<width {
                var sum: Float = 0
                for dd in -1...1 {
                    for dh in -1...1 {
                        for dw in -1...1 {
                            let (z, y, x) = (d + dd, h + dh, w + dw)
                            guard z >= 0, z < depth, y >= 0, y < height, x >= 0, x < width else { continue }
                            sum += input[(z * height + y) * width + x]
                        }
                    }
                }
                let index = (d * height + h) * width + w
                output[index] = sum / 27
                output[input.count + index] = (sum / 27) * (sum / 27)
            }
        }
    }
    return output
}
