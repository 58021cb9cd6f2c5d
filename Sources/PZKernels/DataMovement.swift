import PZGraph
import PZPack

/// Copies a box of channels × positions between blocked tensors: channels
/// `channels` of `source` starting at spatial `from` (d, h, w) go to channels
/// starting at `toChannel` of `target` at spatial `to`, for `extent` positions
/// per axis, for `batches` batch items from `fromBatch` to `toBatch` on. Whole
/// blocks are copied row by row when both channel offsets are block-aligned;
/// otherwise, position by position, each run of channels that stays within one
/// source and one target block.
func copyBox(from source: UnsafePointer<Float>, _ sourceShape: BlockedShape, channels: Range<Int>, at from: [Int],
             to target: UnsafeMutablePointer<Float>, _ targetShape: BlockedShape, toChannel: Int, at to: [Int],
             extent: [Int], batches: Int? = nil, fromBatch: Int = 0, toBatch batchOffset: Int = 0, threads: Int) {
    let s = sourceShape.lanes
    let aligned = channels.lowerBound % s == 0 && toChannel % s == 0
        && (channels.upperBound == sourceShape.channels || channels.count % s == 0)
    // Runs of channels within one source block and one target block: (first source channel, length).
    var channelRuns: [(Int, Int)] = []
    var channel = channels.lowerBound
    while channel < channels.upperBound {
        let out = toChannel + channel - channels.lowerBound
        let length = min(s - channel % s, s - out % s, channels.upperBound - channel)
        channelRuns.append((channel, length))
        channel += length
    }
    let runs = channelRuns
    let rows = (batches ?? sourceShape.n) * extent[0] * extent[1]
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
                    let from = src.pointer + sourceShape.offset(n + fromBatch, sb, from[0] + d, from[1] + h, from[2])
                    let into = dst.pointer + targetShape.offset(n + batchOffset, tb, to[0] + d, to[1] + h, to[2])
                    into.update(from: from, count: extent[2] * s)
                }
            } else {
                for (channel, length) in runs {
                    let out = toChannel + channel - channels.lowerBound
                    let from = src.pointer + sourceShape.offset(n + fromBatch, channel / s, from[0] + d, from[1] + h, from[2])
                        + channel % s
                    let into = dst.pointer + targetShape.offset(n + batchOffset, out / s, to[0] + d, to[1] + h, to[2]) + out % s
                    for w in 0..<extent[2] {
                        for lane in 0..<length { into[w * s + lane] = from[w * s + lane] }
                    }
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
                    toChannel: toChannel, at: to, extent: [shape.d, shape.h, shape.w], toBatch: batchOffset,
                    threads: threads)
            offset += shape.shape[axis]
        }
    }

    /// Crop of any axis: batch, channels and spatial offsets (NCDHW).
    static func crop(_ input: UnsafePointer<Float>, _ inputShape: BlockedShape, offsets: [Int],
                     output: UnsafeMutablePointer<Float>, _ outputShape: BlockedShape, threads: Int) {
        copyBox(from: input, inputShape, channels: offsets[1]..<(offsets[1] + outputShape.channels),
                at: Array(offsets[2...]), to: output, outputShape, toChannel: 0, at: [0, 0, 0],
                extent: [outputShape.d, outputShape.h, outputShape.w], batches: outputShape.n, fromBatch: offsets[0],
                threads: threads)
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

/// Conversion between NCDHW tensors and the blocked layout, in runs of 64
/// positions per block (reads contiguous per channel, writes within a few KiB),
/// the runs split among threads.
enum BlockedLayout {
    static let run = 64

    /// Writes an NCDHW tensor into a blocked buffer of `shape` (padding lanes get 0).
    static func toBlocked(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, shape: BlockedShape, threads: Int) {
        let (source, target) = (Shared(UnsafeMutablePointer(mutating: source)), Shared(target))
        convert(shape, threads: threads) { n, block, first, count in
            let s = shape.lanes, positions = shape.d * shape.h * shape.w
            let into = target.pointer + n * shape.batchStride + block * shape.blockStride + first * s
            let channels = min(s, shape.channels - block * s)
            if channels < s { into.update(repeating: 0, count: count * s) }
            for lane in 0..<channels {
                let from = source.pointer + (n * shape.channels + block * s + lane) * positions + first
                for p in 0..<count { into[p * s + lane] = from[p] }
            }
        }
    }

    /// Reads a blocked buffer of `shape` back into an NCDHW tensor.
    static func fromBlocked(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, shape: BlockedShape,
                            threads: Int) {
        let (source, target) = (Shared(UnsafeMutablePointer(mutating: source)), Shared(target))
        convert(shape, threads: threads) { n, block, first, count in
            let s = shape.lanes, positions = shape.d * shape.h * shape.w
            let from = source.pointer + n * shape.batchStride + block * shape.blockStride + first * s
            for lane in 0..<min(s, shape.channels - block * s) {
                let into = target.pointer + (n * shape.channels + block * s + lane) * positions + first
                for p in 0..<count { into[p] = from[p * s + lane] }
            }
        }
    }

    /// Calls `body(n, block, first position, positions)` for every run of every block.
    private static func convert(_ shape: BlockedShape, threads: Int,
                                _ body: @escaping @Sendable (Int, Int, Int, Int) -> Void) {
        let positions = shape.d * shape.h * shape.w
        let runs = (positions + run - 1) / run
        parallelRanges(shape.n * shape.blocks * runs, threads: threads) { range in
            for index in range {
                let first = (index % runs) * run
                body(index / (runs * shape.blocks), (index / runs) % shape.blocks, first, min(run, positions - first))
            }
        }
    }
}
