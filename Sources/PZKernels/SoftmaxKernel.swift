import PZPack

/// Softmax along one axis of a blocked tensor, `exp(x − max) / Σ exp(x − max)`,
/// with the vector exponential (relative error about 2e-7).
///
/// - Channels (axis 1), at most S of them (segmentation heads: 2 to 4 classes):
///   S positions at a time, one vector per channel across those positions, so
///   the maximum, exponentials and sum are lane-wise (C exponentials per S
///   positions); padding lanes get 0.
/// - More channels: per position, the blocks' vectors give the maximum and the
///   sum across lanes (the last block's padding lanes left out). Positions are
///   split among threads.
/// - Any other axis: the lanes are independent channels, so S lines along the
///   axis are done at once, one vector per position; lines are split among threads.
struct SoftmaxKernel: StepKernel, @unchecked Sendable {
    let axis: Int
    let shape: BlockedShape

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let source = Shared(UnsafeMutablePointer(mutating: inputs[0])), target = Shared(outputs[0])
        let lines = axis == 1 ? shape.n * shape.d * shape.h * shape.w : shape.floatCount / shape.lanes / shape.shape[axis]
        parallelRanges(lines, threads: threads) { range in
            switch (self.axis, self.shape.lanes) {
            case (1, 16): self.fewChannels(range, source.pointer, target.pointer, as: SIMD16<Float>.self)
            case (1, _): self.fewChannels(range, source.pointer, target.pointer, as: SIMD8<Float>.self)
            case (_, 16): self.lines(range, source.pointer, target.pointer, as: SIMD16<Float>.self)
            default: self.lines(range, source.pointer, target.pointer, as: SIMD8<Float>.self)
            }
        }
    }

    /// Positions `range` when the channels fit one block (whose positions are then
    /// S floats apart across batch items too); the others and the remainder by `channels`.
    private func fewChannels<V: KernelVector>(_ range: Range<Int>, _ input: UnsafePointer<Float>,
                                              _ output: UnsafeMutablePointer<Float>, as _: V.Type) {
        let s = shape.lanes, count = shape.channels
        guard shape.blocks == 1 else { return channels(range, input, output, as: V.self) }
        let values = UnsafeMutablePointer<V>.allocate(capacity: count)
        defer { values.deallocate() }
        var line = range.lowerBound
        while line + s <= range.upperBound {
            let base = line * s
            for c in 0..<count {
                var vector = V()
                for j in 0..<s { vector[j] = input[base + j * s + c] }
                values[c] = vector
            }
            var maximum = values[0]
            for c in 1..<count { maximum = V.maximum(maximum, values[c]) }
            var total = V()
            for c in 0..<count {
                values[c] = vectorExp(values[c] - maximum)
                total += values[c]
            }
            let scale = V(repeating: 1) / total
            for c in 0..<count {
                let vector = values[c] * scale
                for j in 0..<s { output[base + j * s + c] = vector[j] }
            }
            for j in 0..<s { (output + base + j * s + count).update(repeating: 0, count: s - count) }
            line += s
        }
        if line < range.upperBound { channels(line..<range.upperBound, input, output, as: V.self) }
    }

    private func channels<V: KernelVector>(_ range: Range<Int>, _ input: UnsafePointer<Float>,
                                           _ output: UnsafeMutablePointer<Float>, as _: V.Type) {
        let s = shape.lanes, blocks = shape.blocks
        let positions = shape.d * shape.h * shape.w
        // Padding lanes of the last block: −∞ before the maximum, 0 after the exponential.
        var realLanes = V(repeating: 0)
        for lane in 0..<shape.lastBlockChannels { realLanes[lane] = 1 }
        let lowest = V(repeating: -Float.greatestFiniteMagnitude)
        for line in range {
            let base = (line / positions) * shape.batchStride + (line % positions) * s
            var maximum = lowest
            for block in 0..<blocks {
                var value = UnsafeRawPointer(input + base + block * shape.blockStride).load(as: V.self)
                if block == blocks - 1 { value = value * realLanes + lowest * (V(repeating: 1) - realLanes) }
                maximum = V.maximum(maximum, value)
            }
            let largest = V(repeating: maximum.maximumLane())
            var total = V()
            for block in 0..<blocks {
                var value = vectorExp(UnsafeRawPointer(input + base + block * shape.blockStride).load(as: V.self) - largest)
                if block == blocks - 1 { value *= realLanes }
                total += value
                UnsafeMutableRawPointer(output + base + block * shape.blockStride).storeBytes(of: value, as: V.self)
            }
            let scale = V(repeating: 1 / total.lanesSum())
            for block in 0..<blocks {
                let pointer = output + base + block * shape.blockStride
                UnsafeMutableRawPointer(pointer).storeBytes(of: UnsafeRawPointer(pointer).load(as: V.self) * scale, as: V.self)
            }
        }
    }

    private func lines<V: KernelVector>(_ range: Range<Int>, _ input: UnsafePointer<Float>,
                                        _ output: UnsafeMutablePointer<Float>, as _: V.Type) {
        // Floats between consecutive positions along the axis, and the lines'
        // layout: `inner` lines per outer index, each `stride` apart in memory.
        let strides = [shape.batchStride, shape.blockStride, shape.planeStride, shape.rowStride, shape.lanes]
        let extent = shape.shape[axis], stride = strides[axis]
        let inner = stride / shape.lanes
        for line in range {
            let base = (line / inner) * stride * extent + (line % inner) * shape.lanes
            var maximum = V(repeating: -Float.greatestFiniteMagnitude)
            for k in 0..<extent { maximum = V.maximum(maximum, UnsafeRawPointer(input + base + k * stride).load(as: V.self)) }
            var total = V()
            for k in 0..<extent {
                let value = vectorExp(UnsafeRawPointer(input + base + k * stride).load(as: V.self) - maximum)
                total += value
                UnsafeMutableRawPointer(output + base + k * stride).storeBytes(of: value, as: V.self)
            }
            let scale = V(repeating: 1) / total
            for k in 0..<extent {
                let pointer = output + base + k * stride
                UnsafeMutableRawPointer(pointer).storeBytes(of: UnsafeRawPointer(pointer).load(as: V.self) * scale, as: V.self)
            }
        }
    }
}
