import PZGraph

/// Direct convolution on the blocked layout with register tiles (generated, see
/// ConvolutionTiles): for each output row (n, d, h), taps whose input row lies
/// outside the input are dropped, interior W positions run in tiles of RW
/// positions × OCB output blocks, and border W positions (where some taps fall in
/// the padding) run one at a time with their own tap lists — so padding needs no
/// copy. Rows are split among threads.
///
/// Weights are packed per chunk of OCB output blocks as
/// [input block][kd][kh][kw][input lane][OCB × S] (see WeightPacking).
struct ConvolutionKernel: EpilogueRowKernel, @unchecked Sendable {
    struct Chunk {
        var firstBlock: Int
        var blocks: Int
        var weights: UnsafePointer<Float>
    }

    let parameters: ConvolutionParameters
    let inputShape: BlockedShape
    /// Physical output (with the output padding border).
    let outputShape: BlockedShape
    let chunks: [Chunk]
    /// Input blocks per group (groups > 1 only when both channel counts per group
    /// are whole blocks; see WeightPacking).
    let groupInputBlocks: Int
    let outputBlocksPerGroup: Int
    let bias: UnsafePointer<Float>?
    let baseScale: UnsafePointer<Float>?

    var lanes: Int { inputShape.lanes }

    func rows<V: KernelVector>(_ range: Range<Int>, result: [Int], input: UnsafePointer<Float>,
                               store: EpilogueStore, as vector: V.Type) {
        let p = parameters
        let (kd, kh, kw) = (p.kernel[0], p.kernel[1], p.kernel[2])
        let s = lanes
        let tapCapacity = kd * kh * kw
        let taps = UnsafeMutablePointer<Int>.allocate(capacity: tapCapacity)
        let tapIndices = UnsafeMutablePointer<Int>.allocate(capacity: tapCapacity)
        let tapWeights = UnsafeMutablePointer<Int>.allocate(capacity: tapCapacity)
        let edgeTaps = UnsafeMutablePointer<Int>.allocate(capacity: tapCapacity)
        let edgeWeights = UnsafeMutablePointer<Int>.allocate(capacity: tapCapacity)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: 24 * 16)
        defer {
            for pointer in [taps, tapIndices, tapWeights, edgeTaps, edgeWeights] { pointer.deallocate() }
            tile.deallocate()
        }
        let inW = inputShape.w
        // Interior output columns: every kw tap inside the input.
        let firstInterior = min(result[2], (p.padBegin[2] + p.stride[2] - 1) / p.stride[2])
        let lastInterior = max(firstInterior, min(result[2],
            floorDivide(inW - 1 - (kw - 1) * p.dilation[2] + p.padBegin[2], p.stride[2]) + 1))
        for row in range {
            let n = row / (result[0] * result[1])
            let od = (row / result[1]) % result[0]
            let oh = row % result[1]
            // Taps of this row: (kd, kh) whose input row exists, every kw.
            var count = 0
            for i in 0..<kd {
                let id = od * p.stride[0] - p.padBegin[0] + i * p.dilation[0]
                guard id >= 0, id < inputShape.d else { continue }
                for j in 0..<kh {
                    let ih = oh * p.stride[1] - p.padBegin[1] + j * p.dilation[1]
                    guard ih >= 0, ih < inputShape.h else { continue }
                    for k in 0..<kw {
                        taps[count] = id * inputShape.planeStride + ih * inputShape.rowStride + k * p.dilation[2] * s
                        tapIndices[count] = (i * kh + j) * kw + k
                        count += 1
                    }
                }
            }
            for chunk in chunks {
                let group = chunk.firstBlock / outputBlocksPerGroup
                let firstInputBlock = group * groupInputBlocks
                let rowInput = input + n * inputShape.batchStride + firstInputBlock * inputShape.blockStride
                // Packed weights: per tap, S input lanes × OCB × S output lanes.
                for t in 0..<count { tapWeights[t] = tapIndices[t] * s * chunk.blocks * s }
                var arguments = TileArguments(
                    input: rowInput, xStep: p.stride[2] * s, xBlockStride: inputShape.blockStride,
                    blocks: groupInputBlocks, lastChannels: groupInputBlocks == inputShape.blocks ? inputShape.lastBlockChannels : s,
                    weights: chunk.weights, wBlockStride: tapCapacity * s * chunk.blocks * s, taps: taps,
                    tapWeights: tapWeights, tapCount: count, tile: tile)
                let unit = p.stride[2] == 1
                let half = ConvolutionTiles.usesHalfTiles(lanes: s, firstBlock: chunk.firstBlock, blocks: chunk.blocks,
                                                          output: outputShape)
                let maximum = !unit ? ConvolutionTiles.maximumStridedWidth
                    : (half ? ConvolutionTiles.maximumHalfWidth : ConvolutionTiles.maximumWidth)[chunk.blocks]
                var ow = firstInterior
                while ow < lastInterior {
                    let width = min(maximum, lastInterior - ow)
                    arguments.input = rowInput + (ow * p.stride[2] - p.padBegin[2]) * s
                    ConvolutionTiles.tile(lanes: s, outputBlocks: chunk.blocks, width: width, unitStride: unit,
                                          halfLast: half)!(arguments)
                    store.store(tile, as: V.self, width: width, blocks: chunk.blocks, firstBlock: chunk.firstBlock,
                                n: n, d: od, h: oh, w0: ow, step: 1)
                    ow += width
                }
                // Border columns: only the kw taps that land inside the input.
                for ow in 0..<result[2] where ow < firstInterior || ow >= lastInterior {
                    var edgeCount = 0
                    for t in 0..<count {
                        let k = tapIndices[t] % kw
                        let iw = ow * p.stride[2] - p.padBegin[2] + k * p.dilation[2]
                        guard iw >= 0, iw < inW else { continue }
                        edgeTaps[edgeCount] = taps[t] + iw * s - k * p.dilation[2] * s
                        edgeWeights[edgeCount] = tapWeights[t]
                        edgeCount += 1
                    }
                    var edge = arguments
                    edge.input = rowInput
                    edge.taps = UnsafePointer(edgeTaps)
                    edge.tapWeights = UnsafePointer(edgeWeights)
                    edge.tapCount = edgeCount
                    if edgeCount > 0 {
                        ConvolutionTiles.tile(lanes: s, outputBlocks: chunk.blocks, width: 1, unitStride: true, halfLast: half)!(edge)
                    } else {
                        tile.update(repeating: 0, count: chunk.blocks * s)
                    }
                    store.store(tile, as: V.self, width: 1, blocks: chunk.blocks, firstBlock: chunk.firstBlock,
                                n: n, d: od, h: oh, w0: ow, step: 1)
                }
            }
        }
    }
}
