import PZGraph
import PZPack

/// Direct convolution on the blocked layout with register tiles (generated, see
/// ConvolutionTiles): for each output row (n, d, h), taps whose input row lies
/// outside the input are dropped, interior W positions run in tiles of RW
/// positions × OCB output blocks, and border W positions (where some taps fall in
/// the padding) run one at a time with their own tap lists — so padding needs no
/// copy. Rows are split among threads.
///
/// Weights are packed per chunk of OCB output blocks as
/// [input block][kd][kh][kw][input lane][OCB × S] (see WeightPacking).
///
/// It computes `spec.extent` positions per axis and stores position u at
/// `first + u·step` of the result: the whole result for a convolution, one
/// output phase for a transposed convolution (`TransposedConvolutionKernel`).
struct ConvolutionKernel: EpilogueRowKernel, StepKernel, @unchecked Sendable {
    let spec: ConvolutionSpec

    var lanes: Int { spec.input.lanes }
    var rowCount: Int { spec.input.n * spec.extent[0] * spec.extent[1] }

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        Self.runAll([self], parameters: spec.parameters, vectors: spec.vectors, output: spec.output, inputs: inputs,
                    outputs: outputs, threads: threads)
    }

    func rows<V: KernelVector>(_ range: Range<Int>, input: UnsafePointer<Float>, store: EpilogueStore, as _: V.Type) {
        let p = spec.parameters
        let inputShape = spec.input, outputShape = spec.output
        let (extent, first, step) = (spec.extent, spec.first, spec.step)
        let (kd, kh, kw) = (p.kernel[0], p.kernel[1], p.kernel[2])
        let s = lanes
        let tapCapacity = max(1, kd * kh * kw)
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
        // Interior positions along W: every kw tap inside the input (padding may be
        // negative in a transposed convolution's phase).
        let firstInterior = min(extent[2], max(0, ceilDivide(p.padBegin[2], p.stride[2])))
        let lastInterior = max(firstInterior, min(extent[2],
            floorDivide(inW - 1 - (kw - 1) * p.dilation[2] + p.padBegin[2], p.stride[2]) + 1))
        for row in range {
            let n = row / (extent[0] * extent[1])
            let od = (row / extent[1]) % extent[0]
            let oh = row % extent[1]
            let (outD, outH) = (first[0] + od * step[0], first[1] + oh * step[1])
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
            for chunk in spec.chunks {
                let group = chunk.firstBlock / spec.outputBlocksPerGroup
                let firstInputBlock = group * spec.groupInputBlocks
                let rowInput = input + n * inputShape.batchStride + firstInputBlock * inputShape.blockStride
                // Packed weights: per tap, S input lanes × OCB × S output lanes.
                for t in 0..<count { tapWeights[t] = tapIndices[t] * s * chunk.blocks * s }
                var arguments = TileArguments(
                    input: rowInput, xStep: p.stride[2] * s, xBlockStride: inputShape.blockStride,
                    blocks: spec.groupInputBlocks,
                    lastChannels: spec.groupInputBlocks == inputShape.blocks ? inputShape.lastBlockChannels : s,
                    weights: chunk.weights, wBlockStride: tapCapacity * s * chunk.blocks * s, taps: taps,
                    tapWeights: tapWeights, tapCount: count, tile: tile)
                let unit = p.stride[2] == 1
                let half = ConvolutionTiles.usesHalfTiles(lanes: s, firstBlock: chunk.firstBlock, blocks: chunk.blocks,
                                                          output: outputShape)
                let maximum = ConvolutionTiles.maximumWidth(lanes: s, outputBlocks: chunk.blocks, halfLast: half, unitStride: unit)
                var ow = firstInterior
                while ow < lastInterior {
                    let width = min(maximum, lastInterior - ow)
                    arguments.input = rowInput + (ow * p.stride[2] - p.padBegin[2]) * s
                    ConvolutionTiles.tile(lanes: s, outputBlocks: chunk.blocks, width: width, unitStride: unit,
                                          halfLast: half)!(arguments)
                    store.store(tile, as: V.self, width: width, blocks: chunk.blocks, firstBlock: chunk.firstBlock,
                                n: n, d: outD, h: outH, w0: first[2] + ow * step[2], step: step[2])
                    ow += width
                }
                // Border columns: only the kw taps that land inside the input.
                for ow in 0..<extent[2] where ow < firstInterior || ow >= lastInterior {
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
                                n: n, d: outD, h: outH, w0: first[2] + ow * step[2], step: 1)
                }
            }
        }
    }
}
