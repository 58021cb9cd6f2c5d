import PZGraph

/// Copies a box of channels × positions between blocked tensors: channels
/// `channels` of `source` starting at spatial `from` (d, h, w) go to channels
/// starting at `toChannel` of `target` at spatial `to`, for `extent` positions
/// per axis, for each batch item. Whole blocks are copied row by row when both
/// channel offsets are block-aligned; otherwise lane by lane.
func copyBox(from source: UnsafePointer<Float>, _ sourceShape: BlockedShape, channels: Range<Int>, at from: [Int],
             to target: UnsafeMutablePointer<Float>, _ targetShape: BlockedShape, toChannel: Int, at to: [Int],
             extent: [Int], batchOffset: Int = 0, threads: Int) {
    let s = sourceShape.lanes
    let aligned = channels.lowerBound % s == 0 && toChannel % s == 0
        && (channels.upperBound == sourceShape.channels || channels.count % s == 0)
    let rows = sourceShape.n * extent[0] * extent[1]
    let src = Shared(UnsafeMutablePointer(mutating: source))
    let dst = Shared(target)
    parallelRanges(rows, threads: threads) { range in
        for row in range {
            let n = row / (extent[0] * extent[1])
            let d = (row / extent[1]) % extent[0]
            let h = row % extent[1]
            if aligned {
                let blocks = (channels.count + s - 1) / s
                for b in 0..<blocks {
                    let sb = channels.lowerBound / s + b, tb = toChannel / s + b
                    let from = src.pointer + sourceShape.offset(n, sb, from[0] + d, from[1] + h, from[2])
                    let into = dst.pointer + targetShape.offset(n + batchOffset, tb, to[0] + d, to[1] + h, to[2])
                    into.update(from: from, count: extent[2] * s)
                }
            } else {
                for (index, channel) in channels.enumerated() {
                    let out = toChannel + index
                    let from = src.pointer + sourceShape.offset(n, channel / s, from[0] + d, from[1] + h, from[2]) + channel % s
                    let into = dst.pointer + targetShape.offset(n + batchOffset, out / s, to[0] + d, to[1] + h, to[2]) + out % s
                    for w in 0..<extent[2] { into[w * s] = from[w * s] }
                }
            }
        }
    }
}

/// Concatenation, crop, padding, nearest up-sampling and MergeCrop on the blocked layout.
enum DataMovement {
    static func concat(_ inputs: [(UnsafePointer<Float>, BlockedShape)], axis: Int, output: UnsafeMutablePointer<Float>,
                       _ outputShape: BlockedShape, threads: Int) {
        var offset = 0
        for (pointer, shape) in inputs {
            var to = [0, 0, 0]
            var toChannel = 0
            var batchOffset = 0
            switch axis {
            case 0: batchOffset = offset
            case 1: toChannel = offset
            default: to[axis - 2] = offset
            }
            copyBox(from: pointer, shape, channels: 0..<shape.channels, at: [0, 0, 0], to: output, outputShape,
                    toChannel: toChannel, at: to, extent: [shape.d, shape.h, shape.w], batchOffset: batchOffset,
                    threads: threads)
            offset += shape.shape[axis]
        }
    }

    /// Crop of spatial axes and channels (the batch offset must be 0).
    static func crop(_ input: UnsafePointer<Float>, _ inputShape: BlockedShape, offsets: [Int],
                     output: UnsafeMutablePointer<Float>, _ outputShape: BlockedShape, threads: Int) {
        copyBox(from: input, inputShape, channels: offsets[1]..<(offsets[1] + outputShape.channels),
                at: Array(offsets[2...]), to: output, outputShape, toChannel: 0, at: [0, 0, 0],
                extent: [outputShape.d, outputShape.h, outputShape.w], threads: threads)
    }

    static func pad(_ input: UnsafePointer<Float>, _ inputShape: BlockedShape, parameters: PadParameters,
                    output: UnsafeMutablePointer<Float>, _ outputShape: BlockedShape, threads: Int) {
        output.update(repeating: parameters.value, count: outputShape.floatCount)
        copyBox(from: input, inputShape, channels: 0..<inputShape.channels, at: [0, 0, 0], to: output, outputShape,
                toChannel: 0, at: parameters.begin, extent: [inputShape.d, inputShape.h, inputShape.w], threads: threads)
    }

    static func upsample(_ input: UnsafePointer<Float>, _ inputShape: BlockedShape, factors: [Int],
                         output: UnsafeMutablePointer<Float>, _ outputShape: BlockedShape, threads: Int) {
        let s = inputShape.lanes
        let rows = outputShape.n * outputShape.blocks * outputShape.d * outputShape.h
        let src = Shared(UnsafeMutablePointer(mutating: input))
        let dst = Shared(output)
        parallelRanges(rows, threads: threads) { range in
            for row in range {
                let h = row % outputShape.h
                let d = (row / outputShape.h) % outputShape.d
                let block = (row / (outputShape.h * outputShape.d)) % outputShape.blocks
                let n = row / (outputShape.h * outputShape.d * outputShape.blocks)
                let from = src.pointer + inputShape.offset(n, block, d / factors[0], h / factors[1], 0)
                let into = dst.pointer + outputShape.offset(n, block, d, h, 0)
                for w in 0..<outputShape.w { (into + w * s).update(from: from + (w / factors[2]) * s, count: s) }
            }
        }
    }

    /// MergeCrop: `b` cropped (centred) to `a`'s spatial size, stacked after `a`'s
    /// channels or added to `a`.
    static func mergeCrop(_ a: UnsafePointer<Float>, _ aShape: BlockedShape, _ b: UnsafePointer<Float>, _ bShape: BlockedShape,
                          operation: MergeCropParameters.Operation, output: UnsafeMutablePointer<Float>,
                          _ outputShape: BlockedShape, threads: Int) {
        let offsets = [(bShape.d - aShape.d) / 2, (bShape.h - aShape.h) / 2, (bShape.w - aShape.w) / 2]
        let extent = [aShape.d, aShape.h, aShape.w]
        switch operation {
        case .stack:
            copyBox(from: a, aShape, channels: 0..<aShape.channels, at: [0, 0, 0], to: output, outputShape, toChannel: 0,
                    at: [0, 0, 0], extent: extent, threads: threads)
            copyBox(from: b, bShape, channels: 0..<bShape.channels, at: offsets, to: output, outputShape,
                    toChannel: aShape.channels, at: [0, 0, 0], extent: extent, threads: threads)
        case .add:
            copyBox(from: b, bShape, channels: 0..<bShape.channels, at: offsets, to: output, outputShape, toChannel: 0,
                    at: [0, 0, 0], extent: extent, threads: threads)
            EltwiseKernel(parameters: EltwiseParameters(operation: .sum), shape: outputShape)
                .run(inputs: [a, UnsafePointer(output)], output: output, threads: threads)
        }
    }
}

/// Conversion between NCDHW tensors and the blocked layout.
enum BlockedLayout {
    /// Writes an NCDHW tensor into a blocked buffer of `shape` (padding lanes get 0).
    static func pack(_ values: [Float], into target: UnsafeMutablePointer<Float>, _ shape: BlockedShape) {
        let s = shape.lanes
        let positions = shape.d * shape.h * shape.w
        target.update(repeating: 0, count: shape.floatCount)
        values.withUnsafeBufferPointer { source in
            for n in 0..<shape.n {
                for c in 0..<shape.channels {
                    let from = source.baseAddress! + (n * shape.channels + c) * positions
                    let into = target + n * shape.batchStride + (c / s) * shape.blockStride + c % s
                    for p in 0..<positions { into[p * s] = from[p] }
                }
            }
        }
    }

    /// Reads a blocked buffer of `shape` back into NCDHW order.
    static func unpack(_ source: UnsafePointer<Float>, _ shape: BlockedShape) -> [Float] {
        let s = shape.lanes
        let positions = shape.d * shape.h * shape.w
        var values = [Float](repeating: 0, count: shape.n * shape.channels * positions)
        values.withUnsafeMutableBufferPointer { target in
            for n in 0..<shape.n {
                for c in 0..<shape.channels {
                    let from = source + n * shape.batchStride + (c / s) * shape.blockStride + c % s
                    let into = target.baseAddress! + (n * shape.channels + c) * positions
                    for p in 0..<positions { into[p] = from[p * s] }
                }
            }
        }
        return values
    }
}
